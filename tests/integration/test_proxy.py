# SPDX-License-Identifier: GPL-2.0-or-later
"""The proxy environment (issue 13, item 9), with a recording forward proxy on 127.0.0.1
(forward_proxy.py) in front of the test's Elasticsearch.

espcap follows curl: http_proxy for http:// nodes, https_proxy for https:// nodes,
all_proxy for both, and no_proxy names the hosts reached directly. Nodes on the loopback
are always reached directly. A node with credentials is reached through a CONNECT tunnel,
so the proxy never reads its Authorization header.

A node the proxy should carry is named es-remote.test: only the proxy resolves it (to
127.0.0.1), so a request that does not go through the proxy cannot reach the node."""
import base64
import os
import subprocess
import tempfile
import unittest

from espcap_test import ES_NODE, TEST_PCAPS, count, delete_indices, summary, tshark_env
from forward_proxy import ForwardProxy

DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")
DNS_PACKETS = 108
INDEX = "it-proxy"
PORT = ES_NODE.rsplit(":", 1)[1]
REMOTE = f"es-remote.test:{PORT}"
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")
USER, PASSWORD = "espcap-proxy", "Pw-proxy-3Rt8"
API_KEY = base64.b64encode(b"keyid-proxy:ApiKey-proxy-5Vb1").decode()
# Generous: a loaded machine answers slowly. An unknown host name fails at once anyway.
FAST_GIVE_UP = ["-X", "espcap:timeout=30", "-X", "espcap:retry_seconds=5"]


class TestProxyEnvironment(unittest.TestCase):
    def setUp(self):
        delete_indices(INDEX + "*")
        self.tmp = tempfile.TemporaryDirectory()
        self.proxy = ForwardProxy().__enter__()

    def tearDown(self):
        self.proxy.__exit__(None, None, None)
        self.tmp.cleanup()
        delete_indices(INDEX + "*")

    def run_espcap(self, node, environment, *more):
        env = {k: v for k, v in tshark_env().items() if k not in PROXY_VARIABLES}
        env.update(environment)
        run = subprocess.run(["tshark", "-r", DNS, "-q", "-X", f"espcap:node={node}", "-X", f"espcap:index={INDEX}",
                              "-X", "espcap:spool=" + os.path.join(self.tmp.name, "spool"), *FAST_GIVE_UP, *more],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=300,
                             cwd=self.tmp.name)
        return run.returncode, run.stderr

    def assert_indexed(self, status, stderr):
        self.assertEqual(status, 0, stderr)
        self.assertEqual(summary(stderr), (DNS_PACKETS, DNS_PACKETS, 0), stderr)
        self.assertEqual(count(INDEX + "*"), DNS_PACKETS)

    def assert_not_reached(self, status, stderr):
        """The node name only the proxy resolves: reached directly, it is down."""
        self.assertEqual(status, 3, stderr)
        self.assertIn(f"{DNS_PACKETS} spooled".encode(), stderr)

    def test_a_remote_node_goes_through_http_proxy(self):
        status, stderr = self.run_espcap(REMOTE, {"http_proxy": self.proxy.url})
        self.assert_indexed(status, stderr)
        seen = self.proxy.seen()
        self.assertTrue(any(m == "POST" and t.startswith(f"http://{REMOTE}/_bulk") for m, t, _ in seen), seen)

    def test_no_proxy_is_obeyed(self):
        for name in ("no_proxy", "NO_PROXY"):
            with self.subTest(variable=name):
                status, stderr = self.run_espcap(REMOTE, {"http_proxy": self.proxy.url, name: "es-remote.test"})
                self.assertEqual(self.proxy.seen(), [])
                self.assert_not_reached(status, stderr)

    def test_https_proxy_is_not_used_for_an_http_node(self):
        status, stderr = self.run_espcap(REMOTE, {"https_proxy": self.proxy.url, "HTTPS_PROXY": self.proxy.url})
        self.assertEqual(self.proxy.seen(), [])
        self.assert_not_reached(status, stderr)

    def test_a_node_on_the_loopback_is_never_proxied(self):
        for node in (ES_NODE, f"localhost:{PORT}"):
            with self.subTest(node=node):
                delete_indices(INDEX + "*")
                status, stderr = self.run_espcap(node, {"http_proxy": self.proxy.url, "all_proxy": self.proxy.url,
                                                        "no_proxy": "example.org"})
                self.assertEqual(self.proxy.seen(), [])
                self.assert_indexed(status, stderr)

    def test_the_proxy_never_reads_the_credentials_of_an_http_node(self):
        for credentials in (["-X", f"espcap:user={USER}", "-X", f"espcap:password={PASSWORD}"],
                            ["-X", f"espcap:api_key={API_KEY}"]):
            with self.subTest(credentials=credentials[1].split("=")[0]):
                delete_indices(INDEX + "*")
                self.proxy.requests.clear()
                status, stderr = self.run_espcap(REMOTE, {"http_proxy": self.proxy.url}, *credentials)
                self.assert_indexed(status, stderr)  # through the tunnel
                seen = self.proxy.seen()
                self.assertTrue(seen, "nothing went through the proxy: the test proves nothing")
                for method, target, headers in seen:
                    self.assertNotIn("authorization", headers, (method, target))
                    for secret in (PASSWORD, API_KEY, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()):
                        self.assertNotIn(secret, repr(headers))
                    self.assertEqual((method, target), ("CONNECT", REMOTE), seen)


if __name__ == "__main__":
    unittest.main()
