"""A real three-node Elasticsearch cluster (tests/es-server start --nodes 3): nodes die and
leave under load, and several tshark processes write into the same indices at once.
Every packet must be stored exactly once, no document may fail, no field be typed twice."""
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from espcap_test import (ROOT, SHARED_PCAPS, TEST_PCAPS, build_bench_capture, summary, tshark_env,
                         tshark_packet_count)

ES_SERVER = os.path.join(ROOT, "tests", "es-server")
FIRST_PORT = int(os.environ.get("ESPCAP_CLUSTER_PORT", "9220"))
PORTS = [FIRST_PORT, FIRST_PORT + 1, FIRST_PORT + 2]
ALL_NODES = ",".join(f"127.0.0.1:{port}" for port in PORTS)


def request(port, method, path, body=None, timeout=120):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            return json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}: HTTP {error.code}: {error.read()[:2000]!r}") from None


def answering_port(exclude=()):
    for port in PORTS:
        if port in exclude:
            continue
        try:
            request(port, "GET", "/", timeout=2)
            return port
        except (OSError, AssertionError):
            continue
    raise AssertionError("no cluster node answers")


def count(pattern, port):
    request(port, "POST", f"/{pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true")
    return request(port, "POST", f"/{pattern}/_count?ignore_unavailable=true&allow_no_indices=true")["count"]


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def frames_stored_once(pattern, port, expected):
    """Frames 1..expected each stored exactly once (a composite aggregation, paged: exact)."""
    seen, after = 0, None
    while True:
        composite = {"size": 10000, "sources": [{"f": {"terms": {"field": "layers.frame.frame_frame_number"}}}]}
        if after:
            composite["after"] = after
        reply = request(port, "POST", f"/{pattern}/_search?size=0", {"aggs": {"frames": {"composite": composite}}})
        buckets = reply["aggregations"]["frames"]["buckets"]
        if not buckets:
            return seen == expected
        if any(bucket["doc_count"] != 1 for bucket in buckets):
            return False
        seen += len(buckets)
        after = reply["aggregations"]["frames"]["after_key"]


def fields_with_several_types(pattern, port):
    reply = request(port, "GET", f"/{pattern}/_field_caps?fields=layers.*&ignore_unavailable=true")
    return {name: sorted(types) for name, types in reply["fields"].items() if len(types) > 1}


def summary_line(stderr):
    return next((line for line in stderr.decode("utf-8", "replace").splitlines()
                 if line.startswith("espcap: ")), "")


class IndexingRun:
    """tshark indexing a capture into the cluster in the background."""

    def __init__(self, capture, index, nodes=ALL_NODES):
        self.process = subprocess.Popen(["tshark", "-r", capture, "-q", "-X", f"espcap:node={nodes}",
                                         "-X", f"espcap:index={index}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=tshark_env())
        self.stderr = b""
        self.reader = threading.Thread(target=self._read)
        self.reader.start()

    def _read(self):
        self.stderr = self.process.stderr.read()

    def running(self):
        return self.process.poll() is None

    def wait(self, timeout=1200):
        self.process.wait(timeout=timeout)
        self.reader.join()
        return self.process.returncode, self.stderr


class TestThreeNodeCluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        subprocess.run([ES_SERVER, "start", "--nodes", "3", "--port", str(FIRST_PORT)], check=True)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.big = build_bench_capture(cls.tmp.name, 5)
        cls.total = tshark_packet_count(cls.big)

    @classmethod
    def tearDownClass(cls):
        subprocess.run([ES_SERVER, "stop", "--nodes", "3", "--port", str(FIRST_PORT)], check=False)
        cls.tmp.cleanup()

    def setUp(self):
        # Every node up (a previous case may have stopped one) and the cluster green.
        subprocess.run([ES_SERVER, "start", "--nodes", "3", "--port", str(FIRST_PORT)], check=True)
        request(FIRST_PORT, "DELETE", "/it-cl-*?expand_wildcards=all")

    def assert_every_packet_once(self, code, stderr, pattern, port):
        self.assertEqual(code, 0, stderr)
        packets, indexed, failed = summary(stderr)
        line = summary_line(stderr)
        self.assertEqual(packets, self.total, line)
        self.assertEqual(failed, 0, line)
        self.assertNotIn("spooled", line)
        self.assertEqual(count(pattern, port), self.total)
        self.assertTrue(frames_stored_once(pattern, port, self.total))
        self.assertEqual(fields_with_several_types(pattern, port), {})

    def test_1_a_data_node_killed_mid_run_and_restarted(self):
        self.assertGreater(self.total, 100000)
        run = IndexingRun(self.big, "it-cl-kill")
        victim = PORTS[2]
        wait_until(lambda: not run.running() or count("it-cl-kill-*", PORTS[0]) > self.total // 5,
                   600, "a fifth of the capture indexed")
        self.assertTrue(run.running(), "the run ended before the node could be killed")
        subprocess.run([ES_SERVER, "kill", "--port", str(victim)], check=True)
        stored_at_kill = count("it-cl-kill-*", PORTS[0])
        wait_until(lambda: not run.running() or count("it-cl-kill-*", PORTS[0]) > stored_at_kill + self.total // 5,
                   600, "indexing to go on without the killed node")
        subprocess.run([ES_SERVER, "start", "--nodes", "3", "--port", str(FIRST_PORT)], check=True)
        code, stderr = run.wait()
        health = request(PORTS[0], "GET", "/_cluster/health?wait_for_status=green&timeout=180s")
        self.assertEqual(health["status"], "green", health)
        self.assertEqual(health["number_of_nodes"], 3, health)
        self.assert_every_packet_once(code, stderr, "it-cl-kill-*", PORTS[0])

    def test_2_the_node_being_sent_to_stops_for_good(self):
        # Requests rotate over the nodes, so every node is one espcap is sending to.
        run = IndexingRun(self.big, "it-cl-stop")
        leaving = PORTS[0]
        wait_until(lambda: not run.running() or count("it-cl-stop-*", PORTS[1]) > self.total // 4,
                   600, "a quarter of the capture indexed")
        self.assertTrue(run.running(), "the run ended before the node could be stopped")
        subprocess.run([ES_SERVER, "stop", "--port", str(leaving)], check=True)
        code, stderr = run.wait()
        self.assert_every_packet_once(code, stderr, "it-cl-stop-*", answering_port(exclude=[leaving]))


class TestConcurrentCapturePoints(unittest.TestCase):
    """Four tshark processes, different captures, three of them on the same day, into one
    cluster at once: the field mappings race."""

    @classmethod
    def setUpClass(cls):
        subprocess.run([ES_SERVER, "start", "--nodes", "3", "--port", str(FIRST_PORT)], check=True)

    @classmethod
    def tearDownClass(cls):
        subprocess.run([ES_SERVER, "stop", "--nodes", "3", "--port", str(FIRST_PORT)], check=False)

    def test_four_writers_share_indices(self):
        request(FIRST_PORT, "DELETE", "/it-cw-*?expand_wildcards=all")
        http = os.path.join(TEST_PCAPS, "test_http.pcap")
        with tempfile.TemporaryDirectory() as tmp:
            # Shifted onto test_http.pcap's day (2015-07-30 UTC) so they share its index.
            first_http = float(subprocess.run(["capinfos", "-a", "-T", "-r", "-S", http], capture_output=True,
                                              text=True, check=True).stdout.split("\t")[-1])
            captures = [http, os.path.join(TEST_PCAPS, "test_dns.pcap")]
            for name in ("many-protocols.pcap", "smb3_multichannel.pcap"):
                source = os.path.join(SHARED_PCAPS, "bench", name)
                start = float(subprocess.run(["capinfos", "-a", "-T", "-r", "-S", source], capture_output=True,
                                             text=True, check=True).stdout.split("\t")[-1])
                shifted = os.path.join(tmp, name)
                subprocess.run(["editcap", "-t", f"{first_http - start + 60:.6f}", source, shifted], check=True)
                captures.append(shifted)
            expected = {c: tshark_packet_count(c) for c in captures}
            runs = [IndexingRun(c, "it-cw", nodes=ALL_NODES) for c in captures]
            results = [run.wait() for run in runs]
        for capture, (code, stderr) in zip(captures, results):
            self.assertEqual(code, 0, stderr)
            packets, indexed, failed = summary(stderr)
            self.assertEqual((packets, failed), (expected[capture], 0), summary_line(stderr))
        day = request(FIRST_PORT, "GET", "/_cat/indices/it-cw-*?format=json&h=index,docs.count")
        shared = [row for row in day if row["index"] == "it-cw-2015-07-30"]
        self.assertEqual(len(shared), 1, day)
        self.assertEqual(count("it-cw-*", FIRST_PORT), sum(expected.values()))
        # No field typed two ways across the indices, none left to dynamic mapping.
        self.assertEqual(fields_with_several_types("it-cw-*", FIRST_PORT), {})
        mapping = request(FIRST_PORT, "GET", "/it-cw-2015-07-30/_mapping")["it-cw-2015-07-30"]["mappings"]
        layers = mapping["properties"]["layers"]["properties"]
        self.assertEqual(layers["ip"]["properties"]["ip_ip_src"]["type"], "ip")
        # The field limit was raised to fit every writer's fields, and only as far as needed.
        settings = request(FIRST_PORT, "GET", "/it-cw-2015-07-30/_settings?include_defaults=true&flat_settings=true")
        flat = settings["it-cw-2015-07-30"]
        limit = int({**flat.get("defaults", {}), **flat["settings"]}["index.mapping.total_fields.limit"])
        fields = request(FIRST_PORT, "GET", "/it-cw-2015-07-30/_field_caps?fields=*")["fields"]
        self.assertGreaterEqual(limit, len(fields))


if __name__ == "__main__":
    unittest.main()
