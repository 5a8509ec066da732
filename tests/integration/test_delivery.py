# SPDX-License-Identifier: GPL-2.0-or-later
"""Delivery through real faults: every packet indexed exactly once, failures kept with
their reason, credentials never printed."""
import gzip
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from espcap_test import (ES_NODE, ROOT, TEST_PCAPS, build_bench_capture, count, delete_indices, es,
                         fields_with_several_types, run_tshark, summary, tshark_env, tshark_packet_count)
from hostile_server import HostileServer
from nginx_proxy import NginxProxy

DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")
HTTP = os.path.join(TEST_PCAPS, "test_http.pcap")
ES_SERVER = os.path.join(ROOT, "tests", "es-server")


ES_PORT = ES_NODE.rsplit(":", 1)[1]


def wait_for(condition, seconds, step=0.2):
    """True as soon as condition() is; False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def stored(pattern):
    """count(), or 0 while a restarted node cannot count yet (shards recovering)."""
    try:
        return count(pattern)
    except (AssertionError, OSError):
        return 0


def spool_files(folder):
    return [f for f in os.listdir(folder) if f.endswith(".ndjson.gz")] if os.path.isdir(folder) else []


def pcap_records(path):
    """(global header, [record bytes]) of a classic little-endian pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    header, records, offset = data[:24], [], 24
    while offset < len(data):
        length = int.from_bytes(data[offset + 8:offset + 12], "little")
        records.append(data[offset:offset + 16 + length])
        offset += 16 + length
    return header, records


def read_ndjson(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def frame_numbers_are_unique(pattern, expected):
    """No packet twice: frames 1..expected each stored exactly once (exact, by paging a
    composite aggregation; a cardinality estimate is not exact at this size)."""
    seen = 0
    after = None
    while True:
        composite = {"size": 10000, "sources": [{"frame": {"terms": {"field": "layers.frame.frame_frame_number"}}}]}
        if after:
            composite["after"] = after
        reply = es("POST", f"/{pattern}/_search?size=0", {"aggs": {"frames": {"composite": composite}}})
        buckets = reply["aggregations"]["frames"]["buckets"]
        if not buckets:
            break
        if any(bucket["doc_count"] != 1 for bucket in buckets):
            return False
        seen += len(buckets)
        after = reply["aggregations"]["frames"]["after_key"]
    return seen == expected


class TestProxyLimits(unittest.TestCase):
    def test_413_from_nginx_splits_requests(self):
        delete_indices("it-413-*")
        # Bulk requests of test_http.pcap are ~10 MiB; its largest document is ~1.1 MiB.
        with NginxProxy(max_body="2m") as proxy:
            run = run_tshark(["-r", HTTP, "-q", "-X", f"espcap:node={proxy.node}", "-X", "espcap:index=it-413",
                              "-X", "espcap:gzip=false"])
            statuses = proxy.status_counts()
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(summary(run), (1268, 1268, 0))
        self.assertGreater(statuses.get("413", 0), 0, statuses)
        self.assertEqual(count("it-413-*"), 1268)
        self.assertTrue(frame_numbers_are_unique("it-413-*", 1268))

    def test_64k_limit_splits_down_to_small_requests(self):
        delete_indices("it-64k-*")
        # test_dns.pcap's 108 documents are ~2-4 KiB each: ~300 KiB of NDJSON per batch.
        with NginxProxy(max_body="64k") as proxy:
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={proxy.node}", "-X", "espcap:index=it-64k",
                              "-X", "espcap:gzip=false"])
            statuses = proxy.status_counts()
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(summary(run), (108, 108, 0))
        self.assertGreater(statuses.get("413", 0), 0, statuses)
        self.assertEqual(count("it-64k-*"), 108)
        self.assertTrue(frame_numbers_are_unique("it-64k-*", 108))

    def test_413_on_plain_bodies_is_retried_compressed(self):
        """Issue 13 item 12: nginx looks local, so gzip=auto sends plain bodies; its 64k
        limit refuses documents of up to 106 KB that fit compressed. None may fail."""
        limit = 64 * 1024
        delete_indices("it-64kgz-*")
        with tempfile.TemporaryDirectory() as tmp, NginxProxy(max_body="64k") as proxy:
            dead = os.path.join(tmp, "dead.ndjson")
            run = run_tshark(["-r", HTTP, "-q", "-X", f"espcap:node={proxy.node}", "-X", "espcap:index=it-64kgz",
                              "-X", f"espcap:dead_letter={dead}"])
            statuses = proxy.status_counts()
            kept = read_ndjson(dead) if os.path.exists(dead) else []
        packets, indexed, failed = summary(run)
        self.assertEqual((packets, indexed + failed), (1268, 1268), run.stderr)
        self.assertGreater(statuses.get("413", 0), 0, statuses)  # a plain body went first
        self.assertEqual(count("it-64kgz-*"), indexed)
        # Refused: only the documents too large even compressed (three of about 1 MB).
        self.assertEqual(len(kept), failed)
        for k in kept:
            lines = (json.dumps(k["action"]) + "\n" + json.dumps(k["document"]) + "\n").encode()
            self.assertGreater(len(gzip.compress(lines)), limit, k["action"])
        delete_indices("it-64kgz-*")

    def test_a_document_larger_than_the_limit_is_dead_lettered(self):
        delete_indices("it-413one-*")
        # Above the index template's body (about 4 KiB), below a quarter of these 60
        # documents (up to 16 KiB, sent plain).
        with tempfile.TemporaryDirectory() as tmp, NginxProxy(max_body="8k") as proxy:
            dead = os.path.join(tmp, "dead.ndjson")
            run = run_tshark(["-r", HTTP, "-q", "-c", "60", "-X", f"espcap:node={proxy.node}",
                              "-X", "espcap:index=it-413one", "-X", "espcap:gzip=false",
                              "-X", f"espcap:dead_letter={dead}"])
            kept = read_ndjson(dead) if os.path.exists(dead) else []
        packets, indexed, failed = summary(run)
        self.assertEqual(packets, 60)
        self.assertGreater(failed, 0)
        self.assertEqual(indexed + failed, 60)
        self.assertEqual(len(kept), failed)
        self.assertTrue(all(k["status"] == 413 for k in kept))
        self.assertEqual(count("it-413one-*"), indexed)
        self.assertNotEqual(run.returncode, 0)


class TestTlsAndAuthentication(unittest.TestCase):
    PASSWORD = "s3cret-Pa55"

    def run_through(self, proxy, *options):
        delete_indices("it-tls-*")
        args = ["-r", DNS, "-q", "-X", f"espcap:node={proxy.node}", "-X", "espcap:index=it-tls",
                "-X", "espcap:user=analyst"]
        for option in options:
            args += ["-X", f"espcap:{option}"]
        run = run_tshark(args, timeout=120)
        output = (run.stdout + run.stderr).decode(errors="replace")
        self.assertNotIn(self.PASSWORD, output)
        return run, output

    def test_certificate_and_password_are_both_required(self):
        with NginxProxy(tls=True, user="analyst", password=self.PASSWORD) as proxy:
            run, output = self.run_through(proxy, f"password={self.PASSWORD}")
            self.assertNotEqual(run.returncode, 0)
            self.assertIn("set ca_file", output)

            run, output = self.run_through(proxy, f"ca_file={proxy.ca_file}", "password=wrong")
            self.assertNotEqual(run.returncode, 0)
            self.assertIn("authentication failed", output)

            run, output = self.run_through(proxy, f"ca_file={proxy.ca_file}", f"password={self.PASSWORD}")
            self.assertEqual(run.returncode, 0, output)
            self.assertEqual(summary(run), (108, 108, 0))
            self.assertEqual(count("it-tls-*"), 108)

            run, output = self.run_through(proxy, "tls_verify=false", f"password={self.PASSWORD}")
            self.assertEqual(run.returncode, 0, output)
            self.assertIn("tls_verify=false", output)


class TestMappingConflict(unittest.TestCase):
    def test_exactly_the_conflicting_documents_are_dead_lettered(self):
        delete_indices("it-conflict-*")
        # An http.host that must be an IP address: every HTTP request with a host name conflicts.
        es("PUT", "/it-conflict-2015-07-30", {"mappings": {"properties": {"layers": {"properties": {
            "http": {"properties": {"http_http_host": {"type": "ip"}}}}}}}})
        run = run_tshark(["-r", HTTP, "-Y", "http.host", "-T", "fields", "-e", "frame.number"])
        conflicting = sorted(int(n) for n in run.stdout.split())
        self.assertGreater(len(conflicting), 0)
        with tempfile.TemporaryDirectory() as tmp:
            dead = os.path.join(tmp, "dead.ndjson")
            run = run_tshark(["-r", HTTP, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-conflict",
                              "-X", "espcap:template=false", "-X", f"espcap:dead_letter={dead}",
                              "-X", "espcap:trace=true"])
            kept = read_ndjson(dead)
        self.assertEqual(run.returncode, 2)
        self.assertEqual(summary(run), (1268, 1268 - len(conflicting), len(conflicting)))
        self.assertEqual(sorted(int(k["document"]["layers"]["frame"]["frame_frame_number"]) for k in kept),
                         conflicting)
        self.assertTrue(all("http_http_host" in k["error"] for k in kept))
        self.assertEqual(count("it-conflict-*"), 1268 - len(conflicting))
        # trace=true (the ancestor's --trace): one line per rejected document, error in full.
        traced = [line for line in run.stderr.decode().splitlines() if line.startswith("espcap: trace: rejected ")]
        self.assertEqual(len(traced), len(conflicting))
        self.assertTrue(all("http_http_host" in line and '"_index":"it-conflict-2015-07-30"' in line
                            for line in traced))


class TestElasticsearchCrashes(unittest.TestCase):
    def test_killed_and_restarted_three_times_mid_run(self):
        delete_indices("it-crash-*")
        with tempfile.TemporaryDirectory() as tmp:
            big = build_bench_capture(tmp, 5)
            total = tshark_packet_count(big)
            self.assertGreater(total, 100000)
            tshark = subprocess.Popen(["tshark", "-r", big, "-q", "-X", f"espcap:node={ES_NODE}",
                                       "-X", "espcap:index=it-crash"],
                                      stderr=subprocess.PIPE, env=tshark_env())
            stderr_chunks = []
            reader = threading.Thread(target=lambda: stderr_chunks.append(tshark.stderr.read()))
            reader.start()
            # Each kill once a sixth of the capture more is stored since the last start, so
            # all three land mid-run however fast the machine is; the restart (JVM start and
            # recovery) is the outage.
            target = total // 6
            for _ in range(3):
                wait_for(lambda: tshark.poll() is not None or stored("it-crash-*") >= target, 900, step=1)
                if tshark.poll() is not None:
                    break
                subprocess.run([ES_SERVER, "kill", "--port", ES_PORT], check=True, stderr=subprocess.DEVNULL)
                subprocess.run([ES_SERVER, "start", "--port", ES_PORT], check=True, stderr=subprocess.DEVNULL)
                target = stored("it-crash-*") + total // 6
            tshark.wait(timeout=1800)
            reader.join()
        stderr = b"".join(stderr_chunks)
        self.assertEqual(tshark.returncode, 0, stderr)
        packets, indexed, failed = summary(stderr)
        self.assertEqual((packets, failed), (total, 0), stderr)
        self.assertIn(b" retried", stderr, "no request was retried: the crashes missed the run")
        self.assertEqual(count("it-crash-*"), total)
        # Fields mapped while the node was going down are mapped again once it is back,
        # before any batch that uses them goes: none is left to dynamic mapping.
        self.assertEqual(fields_with_several_types("it-crash-*"), {})
        self.assertTrue(frame_numbers_are_unique("it-crash-*", total))
        delete_indices("it-crash-*")


class TestNodeBackMidRun(unittest.TestCase):
    """Elasticsearch (ESPCAP_ES_URL's) is stopped when two runs start and started while
    they read from a pipe: one talks to it directly (connection refused), one through
    nginx (502 Bad Gateway). Both spool, replay their own spool as soon as it answers,
    and end with every packet indexed: exit 0, nothing counted as spooled or replayed
    (issue 13 items 4 and 6)."""

    def es_server(self, command):
        subprocess.run([ES_SERVER, command, "--port", ES_PORT], check=True, stderr=subprocess.DEVNULL)

    def test_runs_that_start_while_elasticsearch_is_down_end_fully_indexed(self):
        header, records = pcap_records(HTTP)
        delete_indices("it-back-*")
        with tempfile.TemporaryDirectory() as tmp, NginxProxy() as proxy:
            runs = []
            self.es_server("stop")
            try:
                for name, node in (("direct", ES_NODE), ("nginx", proxy.node)):
                    spool = os.path.join(tmp, name)
                    process = subprocess.Popen(
                        ["tshark", "-r", "-", "-q", "-X", f"espcap:node={node}", "-X", f"espcap:index=it-back-{name}",
                         "-X", f"espcap:spool={spool}"],
                        stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=tshark_env())
                    folder = os.path.join(spool, node.split("://")[-1].replace(":", "_"))
                    runs.append((name, process, folder))
                    process.stdin.write(header + b"".join(records[:100]))
                    process.stdin.flush()
                for name, process, folder in runs:
                    self.assertTrue(wait_for(lambda: spool_files(folder) or process.poll() is not None, 120))
                    if process.poll() is not None:
                        self.fail(f"{name}: stopped instead of spooling: {process.stderr.read().decode(errors='replace')}")
            finally:
                self.es_server("start")
            sent = {}
            for name, process, folder in runs:
                # The node answers again: each run replays its spool by itself. A packet
                # now and then, as on a quiet live link, gives a run that waits for
                # traffic before it asks the node its chance too.
                sent[name] = 100
                while spool_files(folder) and sent[name] < len(records) - 1:
                    process.stdin.write(records[sent[name]])
                    process.stdin.flush()
                    sent[name] += 1
                    wait_for(lambda: not spool_files(folder), 1)
                self.assertEqual(spool_files(folder), [], name)
            for name, process, folder in runs:
                process.stdin.write(b"".join(records[sent[name]:]))
                process.stdin.close()
            results = [(name, process.wait(timeout=600), process.stderr.read()) for name, process, _ in runs]
            for _, process, _ in runs:
                process.stderr.close()
        for name, status, stderr in results:
            text = stderr.decode(errors="replace")
            self.assertEqual(status, 0, f"{name}: {text}")
            self.assertEqual(summary(stderr), (1268, 1268, 0), f"{name}: {text}")
            self.assertNotIn("spooled", text, name)
            self.assertNotIn("replayed", text, name)
            self.assertEqual(count(f"it-back-{name}-*"), 1268, name)
        delete_indices("it-back-*")


class TestSilentNode(unittest.TestCase):
    def test_a_node_that_never_answers_does_not_slow_the_read(self):
        """Issue 13 item 5: a node that accepts connections and never answers. Probes
        run off the reading path: the read goes on at full speed into the spool, and the
        spool then replays into the real node."""
        timeout = 60  # what each request to the silent node would wait
        with tempfile.TemporaryDirectory() as tmp:
            big = build_bench_capture(tmp, 2)
            # The measure: the same run spooling for a node that refuses connections at
            # once (the discard port), so both pay the spool's writes and syncs alike.
            started = time.monotonic()
            no_node = run_tshark(["-r", big, "-q", "-X", "espcap:node=127.0.0.1:9", "-X", "espcap:index=it-silent",
                                  "-X", f"espcap:spool={os.path.join(tmp, 'refused')}"])
            no_node_seconds = time.monotonic() - started
            packets = summary(no_node)[0]
            self.assertGreater(packets, 40000)
            self.assertIn(f"{packets} spooled".encode(), no_node.stderr)
            spool = os.path.join(tmp, "spool")
            with HostileServer(bulk="silent", probe="silent") as server:
                started = time.monotonic()
                run = run_tshark(["-r", big, "-q", "-X", f"espcap:node={server.node}", "-X", "espcap:index=it-silent",
                                  "-X", f"espcap:spool={spool}", "-X", f"espcap:timeout={timeout}"])
                silent_seconds = time.monotonic() - started
                folder = os.path.join(spool, server.node.replace(":", "_"))
            text = run.stderr.decode(errors="replace")
            print(f"\nsilent node: {packets} packets in {silent_seconds:.1f} s; "
                  f"with a node that refuses connections {no_node_seconds:.1f} s; timeout {timeout} s")
            self.assertEqual(run.returncode, 3, text)
            self.assertEqual(summary(run), (packets, 0, 0), text)
            self.assertIn(f"{packets} spooled", text)
            self.assertLess(silent_seconds / no_node_seconds, 2.5, text)
            # The spool folder is named after the node it waits for: move it to the real one.
            delete_indices("it-silent-*")
            os.rename(folder, os.path.join(spool, ES_NODE.replace(":", "_")))
            replay = subprocess.run(["espcap-replay", f"node={ES_NODE}", f"spool={spool}"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
            self.assertEqual(replay.returncode, 0, replay.stderr)
            self.assertIn(f"{packets} replayed ({packets} indexed, 0 already indexed), 0 failed".encode(),
                          replay.stderr)
            self.assertEqual(count("it-silent-*"), packets)
            self.assertTrue(frame_numbers_are_unique("it-silent-*", packets))
        delete_indices("it-silent-*")


class TestFullWriteQueue(unittest.TestCase):
    PORT = 9201

    def setUp(self):
        subprocess.run([ES_SERVER, "start", "--port", str(self.PORT), "--write-queue", "1"], check=True)
        self.es_url = f"http://127.0.0.1:{self.PORT}"
        self.request("DELETE", "/it-queue*?expand_wildcards=all")

    def request(self, method, path):
        with urllib.request.urlopen(urllib.request.Request(self.es_url + path, method=method)) as reply:
            return json.loads(reply.read())

    def tearDown(self):
        subprocess.run([ES_SERVER, "stop", "--port", str(self.PORT)], check=True)

    def test_429s_are_retried_until_everything_is_indexed(self):
        node = f"127.0.0.1:{self.PORT}"
        runs = [subprocess.Popen(["tshark", "-r", HTTP, "-q", "-X", f"espcap:node={node}",
                                  "-X", f"espcap:index=it-queue{i}", "-X", "espcap:chunk=50"],
                                 stderr=subprocess.PIPE, env=tshark_env()) for i in range(4)]
        results = [(r.wait(timeout=900), r.stderr.read()) for r in runs]
        retried = 0
        for code, stderr in results:
            self.assertEqual(code, 0, stderr)
            self.assertEqual(summary(stderr), (1268, 1268, 0))
            if b" retried" in stderr:
                retried += 1
        self.request("POST", "/it-queue*/_refresh")
        self.assertEqual(self.request("GET", "/it-queue*/_count")["count"], 4 * 1268)
        self.assertGreater(retried, 0, "the write queue never filled: the test proves nothing")


class TestSpool(unittest.TestCase):
    """Elasticsearch stopped for whole runs: everything waits in the spool, and the
    replay (by the next run or by espcap-replay) brings the counts to the packet counts."""
    PORT = 9207
    NODE = f"127.0.0.1:{PORT}"
    URL = f"http://127.0.0.1:{PORT}"

    def es_server(self, *args):
        subprocess.run([ES_SERVER, *args, "--port", str(self.PORT)], check=True, stderr=subprocess.DEVNULL)

    def request(self, method, path):
        with urllib.request.urlopen(urllib.request.Request(self.URL + path, method=method)) as reply:
            return json.loads(reply.read())

    def count(self, pattern):
        self.request("POST", f"/{pattern}/_refresh")
        return self.request("GET", f"/{pattern}/_count")["count"]

    def espcap(self, pcap, index, spool, *more):
        return run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={self.NODE}", "-X", f"espcap:index={index}",
                           "-X", f"espcap:spool={spool}", *more])

    def replay(self, spool):
        return subprocess.run(["espcap-replay", f"node={self.NODE}", f"spool={spool}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)

    def tearDown(self):
        self.es_server("stop")

    def test_stopped_for_whole_runs_then_replayed(self):
        with tempfile.TemporaryDirectory() as spool, tempfile.TemporaryDirectory() as other_spool:
            folder = os.path.join(spool, f"127.0.0.1_{self.PORT}")
            for pcap, index, packets in ((HTTP, "it-spool-a", 1268), (DNS, "it-spool-b", 108)):
                run = self.espcap(pcap, index, spool)
                self.assertEqual(run.returncode, 3, run.stderr)
                self.assertEqual(summary(run), (packets, 0, 0))
                self.assertIn(f"{packets} spooled to {folder}".encode(), run.stderr)
            run = self.espcap(DNS, "it-spool-c", other_spool)
            self.assertEqual(run.returncode, 3, run.stderr)
            still_down = self.replay(other_spool)
            self.assertEqual(still_down.returncode, 3, still_down.stderr)
            self.assertIn(b"cannot reach Elasticsearch", still_down.stderr)

            self.es_server("start")
            # Indices of an earlier run go now, before anything of this one reaches the
            # node (deleting them in setUp cost a JVM start and stop of its own).
            self.request("DELETE", "/it-spool*?expand_wildcards=all")
            # espcap-replay needs no capture.
            replayed = self.replay(other_spool)
            self.assertEqual(replayed.returncode, 0, replayed.stderr)
            self.assertIn(b"108 replayed (108 indexed, 0 already indexed), 0 failed; 0 files left",
                          replayed.stderr)
            self.assertEqual(self.count("it-spool-c-*"), 108)

            # The next tshark run sends the spool first, then its own packets (already there).
            run = self.espcap(DNS, "it-spool-b", spool)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(summary(run), (108, 0, 0))
            self.assertIn(b"1376 replayed from spool, 108 already indexed", run.stderr)
            self.assertEqual(self.count("it-spool-a-*"), 1268)
            self.assertEqual(self.count("it-spool-b-*"), 108)
            self.assertEqual([f for f in os.listdir(folder) if not f.startswith(".")], [])

            # No run that replayed had dissected test_http.pcap, and the node never saw the
            # runs that spooled: the spool's own mappings typed every index all the same.
            for prefix in ("it-spool-a", "it-spool-b", "it-spool-c"):
                self.request("GET", f"/_index_template/espcap-{prefix}")  # raises if missing
                caps = self.request("GET", f"/{prefix}-*/_field_caps?fields=layers.*,timestamp")["fields"]
                self.assertEqual(list(caps["layers.ip.ip_ip_src"]), ["ip"], prefix)
                self.assertEqual(list(caps["layers.frame.frame_frame_number"]), ["long"], prefix)
                self.assertEqual(list(caps["timestamp"]), ["date"], prefix)
                self.assertNotIn("text", {t for types in caps.values() for t in types}, prefix)


if __name__ == "__main__":
    unittest.main()
