# SPDX-License-Identifier: GPL-2.0-or-later
"""Live capture on the loopback interface with real servers and real traffic: Debian's
dnsmasq answering DNS on 127.0.0.1:53 and nginx serving HTTP on 127.0.0.1:8080."""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid

from espcap_test import ES_NODE, count, delete_indices, es, summary, tshark_env

CAPTURED = re.compile(rb"^(\d+) packets? captured", re.M)


def dns_query(name, query_id):
    header = struct.pack("!HHHHHH", query_id, 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(part)]) + part.encode() for part in name.split(".")) + b"\0"
    return header + labels + struct.pack("!HH", 1, 1)  # A, IN


class LiveCapture:
    """tshark -i lo with espcap, its stderr collected as it comes."""

    def __init__(self, capture_filter, index, *more):
        self.process = subprocess.Popen(
            ["tshark", "-i", "lo", "-f", capture_filter, "-q", "-X", f"espcap:node={ES_NODE}",
             "-X", f"espcap:index={index}", *more],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=tshark_env())
        self.stderr = b""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.time() + 30
        while b"Capturing on" not in self.stderr:
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"tshark did not start capturing: {self.stderr!r}")
            time.sleep(0.1)
        time.sleep(1)  # dumpcap's filter is in place shortly after it says so

    def _read(self):
        for line in self.process.stderr:
            self.stderr += line

    def stop(self, sig=signal.SIGINT):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.wait()

    def wait(self, timeout=120):
        self.process.wait(timeout=timeout)
        self.reader.join(timeout=10)
        self.process.stderr.close()
        return self.process.returncode

    def captured(self):
        match = CAPTURED.search(self.stderr)
        return int(match.group(1)) if match else None


class LocalServers:
    """dnsmasq on 127.0.0.1:53 (every *.example.test is 10.9.8.7) and nginx on 127.0.0.1:8080."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="espcap-live-")
        self.dnsmasq = subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=53", "--listen-address=127.0.0.1",
             "--bind-interfaces", "--no-resolv", "--no-hosts", "--address=/example.test/10.9.8.7",
             f"--pid-file={self.dir}/dnsmasq.pid"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(f"""
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  server {{ listen 127.0.0.1:8080; location / {{ return 200 "hello from nginx\\n"; }} }}
}}
""")
        self.nginx = subprocess.Popen(["nginx", "-c", f"{self.dir}/nginx.conf", "-p", self.dir, "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", 8080)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError("nginx did not start on 127.0.0.1:8080")
        return self

    def resolve(self, names):
        """Sends one query per name and waits for each answer."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            for i, name in enumerate(names):
                s.sendto(dns_query(name, i + 1), ("127.0.0.1", 53))
                reply, _ = s.recvfrom(512)
                assert reply[:2] == struct.pack("!H", i + 1), "dnsmasq did not answer"

    def fetch(self, times):
        for _ in range(times):
            with urllib.request.urlopen("http://127.0.0.1:8080/", timeout=5) as reply:
                assert reply.read() == b"hello from nginx\n"

    def __exit__(self, *exc):
        for process in (self.dnsmasq, self.nginx):
            process.terminate()
            process.wait(timeout=30)
            process.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def send_udp(port, packets, pause=0.0):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(packets):
            s.sendto(b"espcap live test %d" % i, ("127.0.0.1", port))
            if pause:
                time.sleep(pause)


def searchable(pattern, query):
    """count(), but 0 while the first document's index is still being created (503)."""
    try:
        return count(pattern, query)
    except urllib.error.HTTPError as error:
        if error.code == 503:
            return 0
        raise


class TestLiveCapture(unittest.TestCase):
    def setUp(self):
        self.index = f"it-live-{uuid.uuid4().hex[:8]}"

    def tearDown(self):
        delete_indices(f"{self.index}-*")

    def test_dns_and_http_traffic_is_indexed_promptly_and_completely(self):
        names = [f"q{i}-{self.index}.example.test" for i in range(20)]
        with LocalServers() as servers:
            capture = LiveCapture("port 53 or port 8080", self.index, "-X", "espcap:flush_interval=0.5")
            servers.resolve(names)
            servers.fetch(10)
            sent = time.time()
            # A quiet link: the packets must be searchable within flush_interval + 1 s
            # (plus a margin for a loaded machine), while the capture still runs.
            query = {"terms": {"layers.dns.dns_dns_qry_name": names}}
            while searchable(f"{self.index}-*", query) < 2 * len(names) and time.time() - sent < 10:
                time.sleep(0.1)
            latency = time.time() - sent
            print(f"\nlive: all {2 * len(names)} DNS documents searchable {latency:.2f} s after the last packet")
            self.assertLess(latency, 0.5 + 1 + 2.5)
            status = capture.stop()
        self.assertEqual(status, 0, capture.stderr)
        captured = capture.captured()
        self.assertIsNotNone(captured, capture.stderr)
        self.assertEqual(summary(capture), (captured, captured, 0))
        self.assertEqual(count(f"{self.index}-*"), captured)
        # Every query and every answer, found by name.
        self.assertEqual(count(f"{self.index}-*", query), 2 * len(names))
        for name in names[:3]:
            self.assertEqual(count(f"{self.index}-*", {"term": {"layers.dns.dns_dns_qry_name": name}}), 2)
        http = count(f"{self.index}-*", {"exists": {"field": "layers.http"}})
        self.assertEqual(http, 20)  # 10 requests, 10 responses
        hit = es("POST", f"/{self.index}-*/_search?size=1", {"query": {"match_all": {}}})["hits"]["hits"][0]
        self.assertEqual(hit["_source"]["interface"], "lo")
        self.assertNotIn("file_name", hit["_source"])

    def test_count_limit_gives_exactly_that_many_documents(self):
        capture = LiveCapture("udp port 9999", self.index, "-c", "500")
        sender = threading.Thread(target=lambda: [send_udp(9999, 50, 0.002) for _ in range(40)
                                                  if capture.process.poll() is None])
        sender.start()
        status = capture.wait(timeout=120)
        sender.join()
        self.assertEqual(status, 0, capture.stderr)
        self.assertEqual(capture.captured(), 500)
        self.assertEqual(summary(capture), (500, 500, 0))
        self.assertEqual(count(f"{self.index}-*"), 500)

    def test_session_resets_keep_every_packet(self):
        # Issue 13 item 1: tshark -M restarts frame numbers at each session reset; with ids
        # made of frame numbers, every reset's packets were taken for the first ones (409).
        capture = LiveCapture("udp port 9997", self.index, "-M", "200", "-c", "1000")
        sender = threading.Thread(target=lambda: [send_udp(9997, 50, 0.001) for _ in range(40)
                                                  if capture.process.poll() is None])
        sender.start()
        status = capture.wait(timeout=120)
        sender.join()
        self.assertEqual(status, 0, capture.stderr)
        self.assertEqual(capture.captured(), 1000)
        self.assertGreaterEqual(capture.stderr.count(b"resetting session"), 4, capture.stderr)
        self.assertEqual(summary(capture), (1000, 1000, 0))
        self.assertEqual(count(f"{self.index}-*"), 1000)
        # 1000 different packets: each at its own place in tshark's capture file.
        offsets = {"terms": {"field": "file_offset", "size": 2000}}
        reply = es("POST", f"/{self.index}-*/_search?size=0", {"aggs": {"offsets": offsets}})
        self.assertEqual(len(reply["aggregations"]["offsets"]["buckets"]), 1000)

    def test_ctrl_c_mid_capture_indexes_every_captured_packet(self):
        capture = LiveCapture("udp port 9998", self.index)
        stop_sending = threading.Event()

        def keep_sending():
            while not stop_sending.is_set():
                send_udp(9998, 20, 0.001)
        sender = threading.Thread(target=keep_sending)
        sender.start()
        # Ctrl-C once documents are being stored, while packets keep arriving.
        deadline = time.monotonic() + 60
        while searchable(f"{self.index}-*", None) < 100 and time.monotonic() < deadline:
            time.sleep(0.2)
        status = capture.stop(signal.SIGINT)
        stop_sending.set()
        sender.join()
        self.assertEqual(status, 0, capture.stderr)
        captured = capture.captured()
        self.assertGreater(captured, 100)
        self.assertEqual(summary(capture), (captured, captured, 0))
        self.assertEqual(count(f"{self.index}-*"), captured)


if __name__ == "__main__":
    unittest.main()
