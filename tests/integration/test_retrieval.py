# SPDX-License-Identifier: GPL-2.0-or-later
"""espcap-pcap: a query in, a pcapng out. Captures of several days (test_pcaps/ and a
few corpus files, one of them gzipped, one with many interfaces, one with nanosecond
times) go into one set of daily indices; each query's pcapng must hold exactly the
frames that `tshark -r FILE -Y FILTER` selects from the originals: same count, same
bytes, same timestamps, same interface, each commented with its source file and frame.
A renamed and a replaced capture are reported and not read (exit 2).

Budget: about 2 minutes on 2 cores (315 s measured on a machine at load 30). Runs
against Elasticsearch, or OpenSearch with ESPCAP_ENGINE=opensearch.
"""
import collections
import concurrent.futures
import json
import os
import struct
import shutil
import subprocess
import tempfile
import unittest

from espcap_test import ENGINE, ES_NODE, SHARED_PCAPS, TEST_PCAPS, es, refresh, delete_indices, run_tshark, summary

INDEX = "it-retrieval"
MOVED_PREFIX = "it-moved"
CORPUS = ["DnsPackets.pcap", "dns-tcp.pcap", "5-pings.pcap", "many_interfaces-1.pcapng",
          "nanosecs_big_endian.pcap", "ipv6-fragmented-dns.pcap", "1000-requests-one-dropped-response.pcap.gz"]
CIDR = "10.0.0.0/8"
# 2014-01-01 to 2024-01-01 UTC in epoch milliseconds: over 5,000 packets of five files;
# the 2012, 2013 and 2025 captures fall outside.
TIME_RANGE = (1388534400000, 1704067200000)


def captures():
    return [os.path.join(TEST_PCAPS, name) for name in sorted(os.listdir(TEST_PCAPS))] + \
        [os.path.join(SHARED_PCAPS, "corpus", name) for name in CORPUS]


def index(pcap, prefix):
    run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}",
                      "-X", "espcap:spool=off"])
    counts = summary(run)
    assert run.returncode == 0 and counts and counts[2] == 0, f"{pcap}: {run.stderr.decode(errors='replace')}"
    return counts[0]


def espcap_pcap(*args):
    return subprocess.run(["espcap-pcap", f"node={ES_NODE}", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=300, check=False)


def read_pcapng(path):
    """(rows, comments) of a pcapng: one row per packet, in file order: (time in ns,
    wire length, captured length, link type, interface name, bytes); comments per packet."""
    with open(path, "rb") as f:
        data = f.read()
    rows, comments, interfaces, order, at = [], [], [], "<", 0
    while at + 12 <= len(data):
        kind = struct.unpack_from(order + "I", data, at)[0]
        if kind == 0x0A0D0D0A:  # section header: byte order, and interface ids restart
            order = "<" if data[at + 8:at + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            interfaces = []
        length = struct.unpack_from(order + "I", data, at + 4)[0]
        body = data[at + 8:at + length - 4]
        if kind == 1:  # interface description
            link_type = struct.unpack_from(order + "H", body, 0)[0]
            options = dict(pcapng_options(body[8:], order))
            resolution = options.get(9, [b"\x06"])[0][0]
            units = 10 ** resolution if resolution < 128 else 2 ** (resolution & 127)
            name = options.get(2, [b""])[0].decode(errors="replace") or None
            interfaces.append((link_type, name, units))
        elif kind == 6:  # enhanced packet
            interface, high, low, captured, wire = struct.unpack_from(order + "IIIII", body, 0)
            link_type, name, units = interfaces[interface]
            padded = (captured + 3) & ~3
            rows.append(((high << 32 | low) * 10 ** 9 // units, wire, captured, link_type, name,
                         body[20:20 + captured]))
            comments.append([c.decode() for c in dict(pcapng_options(body[20 + padded:], order)).get(1, [])])
        at += length
    return rows, comments


def pcapng_options(raw, order):
    """(code, [values]) pairs of a block's options."""
    found = collections.defaultdict(list)
    at = 0
    while at + 4 <= len(raw):
        code, length = struct.unpack_from(order + "HH", raw, at)
        if code == 0:
            break
        found[code].append(raw[at + 4:at + 4 + length])
        at += 4 + ((length + 3) & ~3)
    return found.items()


def selected(pcap, display_filter, directory):
    """The frames `tshark -r pcap -Y display_filter` selects, as tshark writes them, and
    their frame numbers."""
    out = os.path.join(directory, os.path.basename(pcap) + ".expected.pcapng")
    run = run_tshark(["-r", pcap, "-Y", display_filter, "-F", "pcapng", "-w", out,
                      "-P", "-T", "fields", "-e", "frame.number"])
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    rows = read_pcapng(out)[0] if os.path.exists(out) else []
    if os.path.exists(out):
        os.remove(out)
    return rows, [line for line in run.stdout.decode().split("\n") if line]


class TestRetrieval(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        distribution = es("GET", "/")["version"].get("distribution", "elasticsearch")
        assert distribution == ENGINE, f"ESPCAP_ENGINE={ENGINE} but the node runs {distribution}"
        cls.tmp = tempfile.mkdtemp(prefix="espcap-retrieval-")
        delete_indices(f"{INDEX},{INDEX}-*,{MOVED_PREFIX},{MOVED_PREFIX}-*")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda pcap: index(pcap, INDEX), captures()))
        # Copies of three DNS captures (identical copies would be the same packets, with
        # the same ids): one stays, one is renamed, one is replaced by another capture.
        cls.kept, cls.renamed, cls.replaced = (os.path.join(cls.tmp, f"{n}.pcap") for n in ("kept", "renamed", "replaced"))
        for original, copy in ((os.path.join(TEST_PCAPS, "test_dns.pcap"), cls.kept),
                               (os.path.join(SHARED_PCAPS, "corpus", "dns-tcp.pcap"), cls.renamed),
                               (os.path.join(SHARED_PCAPS, "corpus", "DnsPackets.pcap"), cls.replaced)):
            shutil.copyfile(original, copy)
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
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            selections = list(pool.map(lambda pcap: selected(pcap, display_filter, self.tmp), files))
        for pcap, (rows, frames) in zip(files, selections):
            expected += rows
            comments.update(f"espcap-pcap: {pcap} frame {frame}" for frame in frames)
        got, got_comments = read_pcapng(out)
        self.assertGreater(len(expected), 0)
        self.assertEqual(len(got), len(expected))
        # Same bytes, times (ns), lengths, link types and interface names.
        self.assertTrue(sorted(got) == sorted(expected), "the packets differ from tshark's")
        # Each packet names its source file and frame (ignoring the offset in brackets).
        sources = [c.split(" (offset")[0] for cs in got_comments for c in cs]
        self.assertEqual(collections.Counter(sources), comments)
        # Merged in time order: a packet is never followed by an earlier one from another
        # file, and each file's packets keep their order (some captures are not in time
        # order themselves).
        files_and_frames = [source[len("espcap-pcap: "):].rsplit(" frame ", 1) for source in sources]
        for (time, *_), (next_time, *_), (name, _), (next_name, _) in zip(got, got[1:], files_and_frames,
                                                                          files_and_frames[1:]):
            self.assertTrue(time <= next_time or name == next_name, (name, next_name))
        for name in {name for name, _ in files_and_frames}:
            frames = [int(frame) for source, frame in files_and_frames if source == name]
            self.assertEqual(frames, sorted(frames), name)
        self.assertTrue(all(" (offset " in c for cs in got_comments for c in cs))
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
