# SPDX-License-Identifier: GPL-2.0-or-later
"""A real nginx in front of the test Elasticsearch, on 127.0.0.1, for the faults a
proxy brings: 413 for large bodies, TLS with a private CA, basic authentication."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

from espcap_test import ES_URL


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_ca_and_certificate(directory):
    """A CA and a certificate for 127.0.0.1 signed by it (paths: ca.pem, cert.pem, key.pem)."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=espcap test CA",
            "-keyout", "ca-key.pem", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "key.pem", "-out", "cert.csr")
    with open(os.path.join(directory, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "cert.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-days", "2", "-extfile", "ext.cnf", "-out", "cert.pem")
    return tuple(os.path.join(directory, n) for n in ("ca.pem", "cert.pem", "key.pem"))


class NginxProxy:
    """with NginxProxy(max_body="64k") as proxy: proxy.node -> "127.0.0.1:PORT" """

    def __init__(self, max_body="100m", tls=False, user=None, password=None):
        self.max_body, self.tls, self.user, self.password = max_body, tls, user, password
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="espcap-nginx-")
        self.ca_file = None
        self.process = None

    @property
    def node(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self):
        listen = f"127.0.0.1:{self.port}"
        extra = ""
        if self.tls:
            self.ca_file, cert, key = make_ca_and_certificate(self.dir)
            listen += " ssl"
            extra += f"ssl_certificate {cert};\nssl_certificate_key {key};\n"
        if self.user:
            hashed = subprocess.run(["openssl", "passwd", "-apr1", self.password], check=True,
                                    stdout=subprocess.PIPE, text=True).stdout.strip()
            with open(os.path.join(self.dir, "htpasswd"), "w") as f:
                f.write(f"{self.user}:{hashed}\n")
            extra += f'auth_basic "espcap test";\nauth_basic_user_file {self.dir}/htpasswd;\n'
        config = f"""
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log {self.dir}/access.log;
  client_body_temp_path {self.dir};
  proxy_temp_path {self.dir};
  server {{
    listen {listen};
    client_max_body_size {self.max_body};
    {extra}
    location / {{
      proxy_pass {ES_URL};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}
}}
"""
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(config)
        self.process = subprocess.Popen(["nginx", "-c", conf, "-p", self.dir, "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not start; see {self.dir}/error.log")

    def status_counts(self):
        """How many requests nginx answered with each status."""
        counts = {}
        with open(os.path.join(self.dir, "access.log")) as f:
            for line in f:
                status = line.split('"')[2].split()[0]
                counts[status] = counts.get(status, 0) + 1
        return counts

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)
