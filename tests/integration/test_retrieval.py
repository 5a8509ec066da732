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

from espcap_test import (assert_engine_is_expected, ENGINE, ES_NODE, CORPUS, own_captures, TEST_PCAPS, es, refresh,
                         delete_indices, run_tshark, summary)

INDEX = "it-retrieval"
MOVED_PREFIX = "it-moved"
CORPUS_NAMES = ["DnsPackets.pcap", "dns-tcp.pcap", "5-pings.pcap", "many_interfaces-1.pcapng",
          "nanosecs_big_endian.pcap", "ipv6-fragmented-dns.pcap", "1000-requests-one-dropped-response.pcap.gz"]
CIDR = "10.0.0.0/8"
# 2014-01-01 to 2024-01-01 UTC in epoch milliseconds: over 5,000 packets of five files;
# the 2012, 2013 and 2025 captures fall outside.
TIME_RANGE = (1388534400000, 1704067200000)


def captures():
    return own_captures() + \
        [os.path.join(CORPUS, name) for name in CORPUS_NAMES]


def index(pcap, prefix, cwd=None):
    run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}",
                      "-X", "espcap:spool=off"], cwd=cwd)
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


class PcapAssertions:
    """What an espcap-pcap answer is compared with: tshark's own selection."""

    def assert_same_frames(self, out, files, display_filter, names=None):
        """`out` holds exactly the frames `display_filter` selects from `files` (named
        in the comments as `names` says, by default as given)."""
        expected, comments = [], collections.Counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            selections = list(pool.map(lambda pcap: selected(pcap, display_filter, self.tmp), files))
        for pcap, name, (rows, frames) in zip(files, names or files, selections):
            expected += rows
            comments.update(f"espcap-pcap: {name} frame {frame}" for frame in frames)
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


class TestRetrieval(PcapAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        assert_engine_is_expected()
        cls.tmp = tempfile.mkdtemp(prefix="espcap-retrieval-")
        delete_indices(f"{INDEX},{INDEX}-*,{MOVED_PREFIX},{MOVED_PREFIX}-*")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda pcap: index(pcap, INDEX), captures()))
        # Copies of three DNS captures (identical copies would be the same packets, with
        # the same ids): one stays, one is renamed, one is replaced by another capture.
        cls.kept, cls.renamed, cls.replaced = (os.path.join(cls.tmp, f"{n}.pcap") for n in ("kept", "renamed", "replaced"))
        for original, copy in ((os.path.join(TEST_PCAPS, "test_dns.pcap"), cls.kept),
                               (os.path.join(CORPUS, "dns-tcp.pcap"), cls.renamed),
                               (os.path.join(CORPUS, "DnsPackets.pcap"), cls.replaced)):
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
        # These captures were indexed by absolute names.
        run = espcap_pcap(f"index={prefix}", "absolute_paths=true", *query, "-w", out)
        self.assertEqual(run.returncode, expect_status, run.stderr.decode(errors="replace"))
        return out, run.stderr.decode(errors="replace")

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


class TestUntrustedDocuments(PcapAssertions, unittest.TestCase):
    """Documents are data from the node (issue 27): a file name may point anywhere and a
    frame number may be a filter. Only files under captures= are read, and only digits
    reach tshark."""
    PREFIXES = {"inside": "it-untrusted-inside", "escape": "it-untrusted-escape", "absolute": "it-untrusted-abs",
                "link": "it-untrusted-link", "long": "it-untrusted-long", "crafted": "it-untrusted-crafted"}

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="espcap-untrusted-")
        cls.captures = os.path.join(cls.tmp, "captures")
        os.makedirs(os.path.join(cls.captures, "dns"))
        delete_indices(",".join(f"{p},{p}-*" for p in cls.PREFIXES.values()))
        dns = os.path.join(TEST_PCAPS, "test_dns.pcap")
        shutil.copyfile(dns, os.path.join(cls.captures, "dns", "test_dns.pcap"))
        os.symlink(os.path.join(TEST_PCAPS, "test_http.pcap"), os.path.join(cls.captures, "link.pcap"))
        # Over 400 bytes of folders, under PATH_MAX with captures= in front: 1268 comments
        # naming it are over 2 MiB of editcap arguments.
        cls.long_name = os.path.join(*["d" * 200] * 19, "test_http.pcap")
        os.makedirs(os.path.join(cls.captures, os.path.dirname(cls.long_name)))
        shutil.copyfile(os.path.join(TEST_PCAPS, "test_http.pcap"), os.path.join(cls.captures, cls.long_name))
        jobs = [("dns/test_dns.pcap", "inside"), (os.path.relpath(dns, cls.captures), "escape"), (dns, "absolute"),
                ("link.pcap", "link"), (cls.long_name, "long")]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda job: index(job[0], cls.PREFIXES[job[1]], cwd=cls.captures), jobs))
        refresh(",".join(f"{p}-*" for p in cls.PREFIXES.values()))

    def pcap(self, name, prefix, *args, expect_status):
        out = os.path.join(self.tmp, name + ".pcapng")
        run = espcap_pcap(f"index={self.PREFIXES[prefix]}", f"captures={self.captures}", *args, "-w", out)
        stderr = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, expect_status, stderr)
        self.assertEqual(os.path.exists(out), expect_status == 0, stderr)
        return out, stderr

    def test_a_relative_name_inside_captures_is_read(self):
        out, _ = self.pcap("inside", "inside", "query=protocol:dns", expect_status=0)
        self.assert_same_frames(out, [os.path.join(self.captures, "dns", "test_dns.pcap")], "dns && !icmp",
                                names=["dns/test_dns.pcap"])

    def test_a_name_climbing_out_of_captures_is_refused(self):
        _, stderr = self.pcap("escape", "escape", "query=protocol:dns", expect_status=2)
        self.assertRegex(stderr, r"not delivered: \d+ packets from (\.\./)+.*test_dns\.pcap: refused: outside captures=")
        self.assertIn("no packet to write", stderr)

    def test_a_symbolic_link_leading_out_of_captures_is_refused(self):
        _, stderr = self.pcap("link", "link", "query=protocol:http", expect_status=2)
        self.assertIn("from link.pcap: refused: leads outside captures=", stderr)

    def test_an_absolute_name_is_read_only_with_absolute_paths(self):
        _, stderr = self.pcap("absolute", "absolute", "query=protocol:dns", expect_status=2)
        self.assertIn("refused: an absolute file name (absolute_paths=true reads those)", stderr)
        out, _ = self.pcap("absolute", "absolute", "query=protocol:dns", "absolute_paths=true", expect_status=0)
        dns = os.path.join(TEST_PCAPS, "test_dns.pcap")
        self.assert_same_frames(out, [dns], "dns && !icmp")

    def test_a_path_of_4000_bytes_is_read(self):
        self.assertGreater(len(os.path.join(self.captures, self.long_name)), 3800)
        out, stderr = self.pcap("long", "long", 'query_dsl={"match_all":{}}', expect_status=0)
        count = self.assert_same_frames(out, [os.path.join(self.captures, self.long_name)], "frame",
                                        names=[self.long_name])
        self.assertIn(f"{count} of {count} packets written", stderr)

    def test_a_crafted_frame_number_and_an_escape_sequence_are_refused_and_shown_escaped(self):
        hit = es("POST", f"/{self.PREFIXES['inside']}-*/_search", {"size": 1, "query": {"match_all": {}}})
        document = hit["hits"]["hits"][0]["_source"]
        crafted = json.loads(json.dumps(document))
        crafted.pop("file_offset")
        crafted["layers"]["frame"]["frame_frame_number"] = "1} || frame.number >= 1 || frame.number in {1"
        escaping = json.loads(json.dumps(document))
        escaping["file_name"] = "dns/\x1b[2J\x1b]0;owned\x07.pcap"
        index_name = self.PREFIXES["crafted"] + "-x"
        for number, body in enumerate((crafted, escaping)):
            es("PUT", f"/{index_name}/_doc/{number}?refresh=true", body)
        run = espcap_pcap(f"index={self.PREFIXES['crafted']}", f"captures={self.captures}", 'query_dsl={"match_all":{}}',
                          "-w", os.path.join(self.tmp, "crafted.pcapng"))
        self.assertEqual(run.returncode, 2, run.stderr)
        self.assertIn(b"not delivered: 1 packet whose documents cannot name them (first: document 0 in "
                      + index_name.encode() + b": frame number '1} || frame.number >= 1 ||", run.stderr)
        self.assertIn(b"from dns/\\x1b[2J\\x1b]0;owned\\x07.pcap: missing", run.stderr)
        self.assertNotIn(b"\x1b", run.stderr)
        self.assertNotIn(b"\x07", run.stderr)

    def test_more_matches_than_max_packets_write_nothing(self):
        _, stderr = self.pcap("many", "inside", "query=protocol:dns", "max_packets=10", expect_status=1)
        self.assertIn("more than 10 documents match (max_packets)", stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()


FLOW_INDEX = "it-flowpivot"


def communityid_rows(pcap, community_id, directory):
    """The packets Wireshark's own communityid dissector gives `community_id`, as read_pcapng rows."""
    out = os.path.join(directory, "communityid.pcapng")
    run = run_tshark(["-r", pcap, "--enable-protocol", "communityid", "-Y", f'communityid == "{community_id}"',
                      "-F", "pcapng", "-w", out])
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    rows = read_pcapng(out)[0]
    os.remove(out)
    return rows


class TestFlowPivot(unittest.TestCase):
    """flow= and community_id=: a flow's packets read back through its record's file
    offsets, with flows=only (no packet documents at all), compared with the packets
    Wireshark's communityid dissector selects in the original file."""

    PCAP = os.path.join(TEST_PCAPS, "test_http.pcap")

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="espcap-flowpivot-")
        delete_indices(f"{FLOW_INDEX}-*")
        run = run_tshark(["-r", cls.PCAP, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={FLOW_INDEX}",
                          "-X", "espcap:spool=off", "-X", "espcap:flows=only", "-X", "espcap:flow_timeout=86400"])
        assert run.returncode == 0, run.stderr.decode(errors="replace")
        refresh(f"{FLOW_INDEX}-*")
        reply = es("POST", f"/{FLOW_INDEX}-flows-*/_search?size=1000",
                   {"query": {"match_all": {}}, "_source": ["network.community_id", "network.packets"]})
        cls.flows = [(hit["_id"], hit["_source"]["network"]["community_id"], hit["_source"]["network"]["packets"])
                     for hit in reply["hits"]["hits"]]
        assert es("POST", f"/{FLOW_INDEX}-*/_count", {"query": {"exists": {"field": "layers"}}})["count"] == 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def pivot(self, key, value):
        out = os.path.join(self.tmp, f"{key}-{abs(hash(value))}.pcapng")
        run = espcap_pcap(f"index={FLOW_INDEX}", "absolute_paths=true", f"{key}={value}", "-w", out)
        self.assertEqual(run.returncode, 0, (key, value, run.stderr.decode(errors="replace")))
        rows = read_pcapng(out)[0]
        os.remove(out)
        return rows

    def test_each_flow_gives_the_packets_wireshark_s_communityid_selects(self):
        self.assertEqual(len(self.flows), 18)  # tshark -z conv: the capture's conversations
        shared = collections.Counter(community_id for _, community_id, _ in self.flows)
        for flow_id, community_id, packets in self.flows:
            with self.subTest(flow=flow_id):
                got = self.pivot("flow", flow_id)
                self.assertEqual(len(got), packets)
                if shared[community_id] == 1:  # else a reused tuple: several flows, one id
                    self.assertEqual(sorted(got), sorted(communityid_rows(self.PCAP, community_id, self.tmp)))
        # community_id= takes every record of the id: one check of it is enough here.
        community_id = max(shared, key=shared.get)
        self.assertEqual(sorted(self.pivot("community_id", community_id)),
                         sorted(communityid_rows(self.PCAP, community_id, self.tmp)))

    def test_an_unknown_flow_delivers_nothing_and_says_so(self):
        run = espcap_pcap(f"index={FLOW_INDEX}", "flow=no-such-flow", "count=true")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn(b"0 flow records match", run.stderr)
        self.assertEqual(run.stdout.strip(), b"0")

    def test_flow_with_a_query_is_bad_usage(self):
        run = espcap_pcap(f"index={FLOW_INDEX}", "flow=x", "query=protocol:dns", "count=true")
        self.assertEqual(run.returncode, 1)
        self.assertIn(b"not with query=", run.stderr)
