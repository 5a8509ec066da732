"""espcap-pcap: a query in, a pcapng out. Captures of several days (test_pcaps/ and a
few corpus files, one of them gzipped, one with many interfaces, one with nanosecond
times) go into one set of daily indices; each query's pcapng must hold exactly the
frames that `tshark -r FILE -Y FILTER` selects from the originals: same count, same
bytes, same timestamps, same interface, each commented with its source file and frame.
A renamed and a replaced capture are reported and not read (exit 2).

Budget: about 1 minute on 2 cores.
"""
import collections
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from espcap_test import ES_NODE, SHARED_PCAPS, TEST_PCAPS, es, refresh, delete_indices, run_tshark, summary

INDEX = "it-retrieval"
MOVED_PREFIX = "it-moved"
CORPUS = ["DnsPackets.pcap", "dns-tcp.pcap", "5-pings.pcap", "many_interfaces-1.pcapng",
          "nanosecs_big_endian.pcap", "ipv6-fragmented-dns.pcap", "1000-requests-one-dropped-response.pcap.gz"]
CIDR = "10.0.0.0/8"
# 2014-01-01 to 2021-01-01 UTC, in epoch milliseconds and seconds.
TIME_RANGE = (1388534400000, 1609459200000)


def captures():
    return [os.path.join(TEST_PCAPS, name) for name in sorted(os.listdir(TEST_PCAPS))] + \
        [os.path.join(SHARED_PCAPS, "corpus", name) for name in CORPUS]


def index(pcap, prefix):
    run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}",
                      "-X", "espcap:spool=off"])
    counts = summary(run.stderr)
    assert run.returncode == 0 and counts and counts[2] == 0, f"{pcap}: {run.stderr.decode(errors='replace')}"
    return counts[0]


def espcap_pcap(*args):
    return subprocess.run(["espcap-pcap", f"node={ES_NODE}", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=300, check=False)


def packets(pcap, display_filter=None):
    """One tuple per frame, in file order: (time, wire length, captured length, interface
    name, bytes as hex, comments), all from tshark."""
    args = ["-r", pcap, "-T", "json", "-x"]
    if display_filter:
        args += ["-Y", display_filter]
    run = run_tshark(args)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    rows = []
    for frame in json.loads(run.stdout or b"[]"):
        layers = frame["_source"]["layers"]
        info = layers["frame"]
        comments = layers.get("pkt_comment", [])
        comments = [c["frame.comment"] for c in (comments if isinstance(comments, list) else [comments])]
        rows.append((info["frame.time_epoch"], info["frame.len"], info["frame.cap_len"],
                     info.get("frame.interface_id_tree", {}).get("frame.interface_name"),
                     layers["frame_raw"][0], tuple(comments)))
    return rows


def source_frames(pcap, display_filter):
    run = run_tshark(["-r", pcap, "-Y", display_filter, "-T", "fields", "-e", "frame.number"])
    return [line for line in run.stdout.decode().split("\n") if line]


class TestRetrieval(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="espcap-retrieval-")
        delete_indices(f"{INDEX},{INDEX}-*,{MOVED_PREFIX},{MOVED_PREFIX}-*")
        cls.indexed = sum(index(pcap, INDEX) for pcap in captures())
        # Three copies of one capture: one stays, one is renamed, one replaced by another.
        cls.kept, cls.renamed, cls.replaced = (os.path.join(cls.tmp, f"{n}.pcap") for n in ("kept", "renamed", "replaced"))
        for copy in (cls.kept, cls.renamed, cls.replaced):
            shutil.copyfile(os.path.join(TEST_PCAPS, "test_dns.pcap"), copy)
            index(copy, MOVED_PREFIX)
        os.rename(cls.renamed, cls.renamed + ".moved")
        shutil.copyfile(os.path.join(TEST_PCAPS, "test_http.pcap"), cls.replaced)
        refresh(f"{INDEX},{INDEX}-*,{MOVED_PREFIX},{MOVED_PREFIX}-*")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def retrieve(self, name, *query, prefix=INDEX, expect_status=0):
        out = os.path.join(self.tmp, name + ".pcapng")
        run = espcap_pcap(f"index={prefix}", *query, "-w", out)
        self.assertEqual(run.returncode, expect_status, run.stderr.decode(errors="replace"))
        return out, run.stderr.decode(errors="replace")

    def assert_same_frames(self, out, files, display_filter):
        """`out` holds exactly the frames `display_filter` selects from `files`."""
        expected, comments = [], collections.Counter()
        for pcap in files:
            rows = packets(pcap, display_filter)
            expected += [row[:5] for row in rows]
            for frame in source_frames(pcap, display_filter):
                comments[f"espcap-pcap: {pcap} frame {frame}"] += 1
        got = packets(out)
        self.assertGreater(len(expected), 0)
        self.assertEqual(len(got), len(expected))
        self.assertEqual(sorted(row[:5] for row in got), sorted(expected))
        # Time-ordered (frame.time_epoch has 9 decimals; compare as exact decimals).
        times = [tuple(int(part) for part in row[0].split(".")) for row in got]
        self.assertEqual(times, sorted(times))
        # Each packet names its source file and frame (ignoring the offset in brackets).
        named = collections.Counter(c.split(" (offset")[0] for row in got for c in row[5] if c.startswith("espcap-pcap:"))
        self.assertEqual(named, comments)
        return len(got)

    def test_protocol_query_across_files_and_days(self):
        out, stderr = self.retrieve("dns", "query=protocol:dns")
        # The highest protocol is dns: dns frames, not the ICMP errors that quote them.
        count = self.assert_same_frames(out, captures(), "dns && !icmp && !icmpv6")
        self.assertIn(f"{count} of {count} packets written", stderr)

    def test_cidr_with_query_dsl(self):
        dsl = {"bool": {"should": [{"term": {"layers.ip.ip_ip_src": CIDR}},
                                   {"term": {"layers.icmp.ip.ip_ip_src": CIDR}}]}}
        out, _ = self.retrieve("cidr", "query_dsl=" + json.dumps(dsl))
        self.assert_same_frames(out, captures(), f"ip.src == {CIDR}")

    def test_query_dsl_from_a_file(self):
        path = os.path.join(self.tmp, "query.json")
        with open(path, "w") as f:
            json.dump({"query": {"term": {"source.ip": CIDR}}}, f)
        out, _ = self.retrieve("cidr-file", f"query_dsl={path}", "query=protocol:dns")
        # The ECS copy is the first IP layer's source: no ICMP-quoted packet counts.
        self.assert_same_frames(out, captures(), f"ip.src == {CIDR} && dns && !icmp")

    def test_time_range_pages_past_one_page(self):
        start, end = TIME_RANGE
        out, _ = self.retrieve("range", f"from={start}", f"to={end}")
        count = self.assert_same_frames(out, captures(),
                                        f"frame.time_epoch >= {start // 1000} && frame.time_epoch < {end // 1000}")
        self.assertGreater(count, 5000)  # more than one page of hits

    def test_renamed_and_replaced_captures_are_reported_not_read(self):
        out, stderr = self.retrieve("moved", "query=protocol:dns", prefix=MOVED_PREFIX, expect_status=2)
        self.assertRegex(stderr, rf"not delivered: \d+ packets from {self.renamed}: missing")
        self.assertRegex(stderr, rf"not delivered: \d+ packets from {self.replaced}: changed since it was indexed")
        self.assert_same_frames(out, [self.kept], "dns && !icmp && !icmpv6")

    def test_bad_usage_and_refused_queries_exit_1(self):
        for args in (["query=protocol:dns"],                     # no -w
                     ["-w", os.path.join(self.tmp, "x.pcapng")],  # no query
                     ["query_dsl=[1]", "-w", os.path.join(self.tmp, "x.pcapng")],
                     ["query=protocol:(dns", "-w", os.path.join(self.tmp, "x.pcapng")]):  # Lucene syntax error
            run = espcap_pcap(f"index={INDEX}", *args)
            self.assertEqual(run.returncode, 1, (args, run.stderr))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x.pcapng")))


if __name__ == "__main__":
    unittest.main()
