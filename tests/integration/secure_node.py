# SPDX-License-Identifier: GPL-2.0-or-later
"""The secured Elasticsearch of `tests/es-server start --secure` (HTTPS, file-realm users,
the roles of tests/es-secure-roles.yml): where its CA and passwords are, and requests
to it as its administrator."""
import base64
import json
import os
import ssl
import subprocess
import urllib.error
import urllib.request

from espcap_test import ROOT

ES_SERVER = os.path.join(ROOT, "tests", "es-server")
SECURE_DIR = os.path.join(os.environ.get("ESPCAP_ES_ROOT", "/var/tmp/espcap-es"), "secure")
CA_FILE = os.path.join(SECURE_DIR, "ca.crt")


def password_file(user):
    """The 0600 file es-server wrote with `user`'s password."""
    return os.path.join(SECURE_DIR, "passwords", user)


def password(user):
    with open(password_file(user)) as f:
        return f.read().strip()


class SecureNode:
    """Starts the secured node on `port` unless it runs; stop() stops it if it started it."""

    def __init__(self, port):
        self.port = port
        self.url = f"https://127.0.0.1:{port}"
        self.started_here = False

    def start(self):
        if not self.answers():
            subprocess.run([ES_SERVER, "start", "--secure", "--port", str(self.port)], check=True)
            self.started_here = True
        return self

    def stop(self):
        if self.started_here:
            subprocess.run([ES_SERVER, "stop", "--port", str(self.port)], check=True)

    def answers(self):
        try:
            self.request("GET", "/_cluster/health")
            return True
        except (OSError, AssertionError):
            return False

    def request(self, method, path, body=None, user="admin"):
        data = json.dumps(body).encode() if body is not None else None
        auth = base64.b64encode(f"{user}:{password(user)}".encode()).decode()
        headers = {"Authorization": "Basic " + auth}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        context = ssl.create_default_context(cafile=CA_FILE)
        try:
            with urllib.request.urlopen(request, timeout=60, context=context) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise AssertionError(f"{method} {path}: HTTP {error.code}: {error.read()[:2000]!r}") from None

    def count(self, pattern, query=None):
        self.request("POST", f"/{pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true")
        reply = self.request("POST", f"/{pattern}/_count?ignore_unavailable=true&allow_no_indices=true",
                             {"query": query} if query else None)
        return reply["count"] if reply else 0

    def delete_prefix(self, prefix):
        """The indices and espcap's templates of an index prefix."""
        self.request("DELETE", f"/{prefix},{prefix}-*?ignore_unavailable=true&allow_no_indices=true"
                               "&expand_wildcards=all")
        for name in (f"espcap-{prefix}", f"espcap-{prefix}-flows"):
            self.request("DELETE", f"/_index_template/{name}")
