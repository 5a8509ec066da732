# SPDX-License-Identifier: GPL-2.0-or-later
"""The whole corpus and test_pcaps/ in one index, typed from Wireshark's field registry:
nothing refused, no mapping conflict, and analysts' queries return the numbers that
tshark computes on the same files.

Budget: about 4.5 minutes on 2 cores (indexing ~1.5 min per document profile, tshark's
own numbers ~1.5 min, asked once for both profiles).

The expected numbers come from tshark alone: display filters (-Y) for the counts, and
tshark's field output for the aggregations. How our document nests layers is stated
where it matters: a packet quoted inside an ICMP error is an object inside "icmp"
(layers.icmp.ip...), not a top-level layer.
"""
import collections
import concurrent.futures
import functools
import glob
import os
import time
import unittest

from espcap_test import (assert_engine_is_expected, ENGINE, ES_NODE, CORPUS, own_captures, TEST_PCAPS, es, refresh,
                         run_tshark, summary)

CIDR = "192.168.0.0/16"
PORT_BELOW = 1024
YEAR_2015 = ("2015-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1420070400, 1451606400)
NETWORK_LAYERS = ("ip", "ipv6")
TRANSPORT_LAYERS = ("tcp", "udp", "sctp", "icmp", "icmpv6")
ICMP_LAYERS = ("icmp", "icmpv6")
FIELDS = ["frame.protocols", "frame.len", "frame.time_epoch", "ip.src", "ipv6.src", "dns.qry.name",
          "tcp.dstport", "udp.dstport", "sctp.dstport"]


# A compressed copy holds the very packets of its original, at the same offsets: they
# get the same ids (docs/document-ids.md), so indexing it after the original adds nothing.
COPIES = {"pcapng-example.pcapng.zst": "pcapng-example.pcapng"}


def captures():
    """The corpus and test_pcaps/, each distinct capture once."""
    corpus = [path for path in sorted(glob.glob(os.path.join(CORPUS, "*")))
              if os.path.basename(path) not in COPIES]
    return corpus + own_captures()


def parallel(function, items):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(function, items))


@functools.lru_cache(maxsize=None)  # the compact class asks tshark the same questions
def filter_count(pcap, display_filter):
    run = run_tshark(["-r", pcap, "-Y", display_filter, "-T", "fields", "-e", "frame.number"])
    return sum(1 for line in run.stdout.splitlines() if line.strip())


@functools.lru_cache(maxsize=None)
def frames(pcap):
    """One dict per frame: each field's values in tree order (all occurrences)."""
    args = ["-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    for field in FIELDS:
        args += ["-e", field]
    rows = []
    # One frame per b"\n": str.splitlines() would also cut at \x1c or U+2028 in a value.
    for line in run_tshark(args).stdout.decode("utf-8", "replace").rstrip("\n").split("\n"):
        values = line.split("\t")
        rows.append({field: [v for v in value.split("|") if v] for field, value in zip(FIELDS, values)})
    return rows


def top_level_values(frame, layer, field):
    """`field`'s values from the top-level `layer` layers: those not quoted inside ICMP.
    For fields that occur once per layer (addresses)."""
    layers = frame["frame.protocols"][0].split(":") if frame["frame.protocols"] else []
    values = iter(frame[field])
    kept = []
    inside_icmp = False
    for name in layers:
        inside_icmp = inside_icmp or name in ICMP_LAYERS and layer not in ICMP_LAYERS
        if name == layer:
            value = next(values, None)
            if value is not None and not (inside_icmp and name != "icmp"):
                kept.append(value)
    return kept


def ecs_copies(frame):
    """source.ip and destination.port as espcap copies them: the first IP layer's source
    and the first transport layer's destination port (frame.protocols order)."""
    layers = frame["frame.protocols"][0].split(":") if frame["frame.protocols"] else []
    network = next((name for name in layers if name in NETWORK_LAYERS), None)
    transport = next((name for name in layers if name in TRANSPORT_LAYERS), None)
    source = frame[f"{network}.src"][0] if network and frame[f"{network}.src"] else None
    port_field = f"{transport}.dstport"
    port = int(frame[port_field][0]) if transport and port_field in frame and frame[port_field] else None
    return source, port


def in_cidr(address, cidr):
    import ipaddress
    return ipaddress.ip_address(address) in ipaddress.ip_network(cidr)


class TestCorpusInOneTypedIndex(unittest.TestCase):
    INDEX = "it-queries"
    OPTIONS = ()  # document content options (docs/storage.md)

    @classmethod
    def search(cls, body):
        return es("POST", f"/{cls.INDEX}/_search", body)

    @classmethod
    def hits(cls, query):
        return cls.search({"size": 0, "track_total_hits": True, "query": query})["hits"]["total"]["value"]

    @classmethod
    def setUpClass(cls):
        assert_engine_is_expected()
        es("DELETE", f"/{cls.INDEX}?ignore_unavailable=true")
        started = time.monotonic()

        def index(pcap):
            return pcap, run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}",
                                     "-X", f"espcap:index={cls.INDEX}", "-X", "espcap:daily=false",
                                     *[arg for option in cls.OPTIONS for arg in ("-X", f"espcap:{option}")]])
        cls.runs = parallel(index, captures())
        cls.index_seconds = time.monotonic() - started
        refresh(cls.INDEX)

        started = time.monotonic()
        cls.frames = [frame for rows in parallel(frames, captures()) for frame in rows]
        cls.expected_seconds = time.monotonic() - started

    def test_every_packet_indexed_and_none_refused(self):
        indexed = 0
        for pcap, run in self.runs:
            stderr = run.stderr.decode(errors="replace")
            self.assertEqual(run.returncode, 0, f"{pcap}: {stderr}")
            self.assertNotIn("warning", stderr, pcap)  # a mapping that could not be put
            packets, ok, failed = summary(run)
            self.assertEqual((ok, failed), (packets, 0), pcap)
            indexed += ok
        self.assertEqual(indexed, len(self.frames))
        self.assertEqual(self.hits({"match_all": {}}), len(self.frames))
        for copy in COPIES:
            run = run_tshark(["-r", os.path.join(CORPUS, copy), "-q", "-X", f"espcap:node={ES_NODE}",
                              "-X", f"espcap:index={self.INDEX}", "-X", "espcap:daily=false",
                              *[arg for option in self.OPTIONS for arg in ("-X", f"espcap:{option}")]])
            packets, ok, failed = summary(run)
            self.assertEqual((run.returncode, ok, failed), (0, 0, 0), run.stderr)
            self.assertIn(f" {packets} already indexed".encode(), run.stderr)
        self.assertEqual(self.hits({"match_all": {}}), len(self.frames))
        print(f"\n{len(self.runs)} captures, {indexed} documents indexed in {self.index_seconds:.1f} s; "
              f"tshark's numbers in {self.expected_seconds:.1f} s")

    def test_mapping_is_typed_and_within_its_limit(self):
        mapping = es("GET", f"/{self.INDEX}/_mapping")[self.INDEX]["mappings"]["properties"]
        types = collections.Counter()

        def walk(properties):
            for field in properties.values():
                types["object" if "properties" in field else field["type"]] += 1
                walk(field.get("properties", {}))
        walk(mapping)
        layers = mapping["layers"]["properties"]
        self.assertEqual(layers["ip"]["properties"]["ip_ip_src"]["type"], "ip")
        self.assertEqual(layers["ipv6"]["properties"]["ipv6_ipv6_src"]["type"], "ip")
        self.assertEqual(layers["tcp"]["properties"]["tcp_tcp_dstport"]["type"], "long")
        self.assertEqual(layers["tcp"]["properties"]["tcp_tcp_flags_syn"]["type"], "boolean")
        self.assertEqual(layers["tcp"]["properties"]["tcp_tcp_checksum"]["type"], "keyword")  # hex
        self.assertEqual(layers["frame"]["properties"]["frame_frame_time_delta"]["type"], "double")
        self.assertEqual(layers["frame"]["properties"]["frame_frame_time"]["type"], "date")
        self.assertEqual(layers["dns"]["properties"]["dns_dns_qry_name"]["type"], "keyword")
        self.assertEqual(mapping["timestamp"]["type"], "date")
        total = sum(types.values())
        settings = es("GET", f"/{self.INDEX}/_settings/index.mapping.total_fields.limit?flat_settings=true")
        limit = int(settings[self.INDEX]["settings"]["index.mapping.total_fields.limit"])
        self.assertLessEqual(total, limit)
        print(f"\n{total} mapped fields (limit {limit}): {dict(types.most_common())}")

    def test_values_ignored_only_where_expected(self):
        """Typed values never fail to parse, except dates past year 9999: those are kept in
        _source; long byte strings stay unindexed past ignore_above, as before."""
        reply = self.search({"size": 10000, "_source": ["sniff_date_utc"], "query": {"exists": {"field": "_ignored"}}})
        mapping = es("GET", f"/{self.INDEX}/_mapping")[self.INDEX]["mappings"]

        def type_of(path):
            field = {"properties": mapping["properties"]}
            for part in path.split("."):
                field = field["properties"][part]
            return field["type"]
        for hit in reply["hits"]["hits"]:
            for path in hit["_ignored"]:
                if type_of(path) == "keyword":
                    continue
                self.assertEqual(type_of(path), "date", path)
                self.assertRegex(hit["_source"]["sniff_date_utc"], r"^\d{5,}-", path)

    def test_cidr_term(self):
        expected = sum(parallel(lambda p: filter_count(p, f"ip.src == {CIDR}"), captures()))
        # ip.src anywhere: top-level IP layers, and the packet an ICMP error quotes.
        query = {"bool": {"should": [{"term": {"layers.ip.ip_ip_src": CIDR}},
                                     {"term": {"layers.icmp.ip.ip_ip_src": CIDR}}]}}
        self.assertGreater(expected, 0)
        self.assertEqual(self.hits(query), expected)
        ecs_expected = sum(1 for f in self.frames if (s := ecs_copies(f)[0]) and in_cidr(s, CIDR))
        self.assertEqual(self.hits({"term": {"source.ip": CIDR}}), ecs_expected)

    def test_port_range(self):
        expected = sum(parallel(lambda p: filter_count(p, f"tcp.dstport < {PORT_BELOW}"), captures()))
        query = {"bool": {"should": [{"range": {"layers.tcp.tcp_tcp_dstport": {"lt": PORT_BELOW}}},
                                     {"range": {"layers.icmp.tcp.tcp_tcp_dstport": {"lt": PORT_BELOW}}}]}}
        self.assertGreater(expected, 0)
        self.assertEqual(self.hits(query), expected)
        ecs_expected = sum(1 for f in self.frames if (p := ecs_copies(f)[1]) is not None and p < PORT_BELOW)
        self.assertEqual(self.hits({"range": {"destination.port": {"lt": PORT_BELOW}}}), ecs_expected)

    def test_date_range(self):
        start, end, start_epoch, end_epoch = YEAR_2015
        expected = sum(parallel(
            lambda p: filter_count(p, f"frame.time_epoch >= {start_epoch} && frame.time_epoch < {end_epoch}"),
            captures()))
        self.assertGreater(expected, 0)
        self.assertEqual(self.hits({"range": {"timestamp": {"gte": start, "lt": end}}}), expected)
        self.assertEqual(self.hits({"range": {"@timestamp": {"gte": start, "lt": end}}}), expected)

    def test_date_histogram_per_year(self):
        expected = collections.Counter()
        for frame in self.frames:
            year = time.gmtime(float(frame["frame.time_epoch"][0])).tm_year \
                if float(frame["frame.time_epoch"][0]) < 253402300800 else None  # before year 10000
            if year and 1990 <= year < 2030:
                expected[str(year)] += 1
        for field in ("timestamp", "@timestamp"):
            reply = self.search({"size": 0, "query": {"range": {field: {"gte": "1990-01-01", "lt": "2030-01-01"}}},
                            "aggs": {"years": {"date_histogram": {"field": field, "calendar_interval": "year",
                                                                  "min_doc_count": 1, "format": "yyyy"}}}})
            got = {b["key_as_string"]: b["doc_count"] for b in reply["aggregations"]["years"]["buckets"]}
            self.assertEqual(got, dict(expected), field)

    def test_terms_on_dns_query_names(self):
        expected = collections.Counter()
        for frame in self.frames:
            # dns.qry.name also names mDNS and LLMNR questions (layers.mdns, layers.llmnr);
            # only DNS layers count. A layer can hold several questions.
            if "dns" in frame["frame.protocols"][0].split(":"):
                expected.update(set(frame["dns.qry.name"]))
        self.assertGreater(len(expected), 10)
        for field in ("layers.dns.dns_dns_qry_name", "dns.question.name"):
            reply = self.search({"size": 0, "aggs": {"names": {"terms": {"field": field, "size": 10000}}}})
            got = {b["key"]: b["doc_count"] for b in reply["aggregations"]["names"]["buckets"]}
            self.assertEqual(got, dict(expected), field)

    def test_bytes_per_source_address(self):
        expected, ecs_expected = collections.Counter(), collections.Counter()
        for frame in self.frames:
            length = int(frame["frame.len"][0])
            for source in set(top_level_values(frame, "ip", "ip.src")):
                expected[source] += length
            source = ecs_copies(frame)[0]
            if source:
                ecs_expected[source] += length
        for field, want in (("layers.ip.ip_ip_src", expected), ("source.ip", ecs_expected)):
            reply = self.search({"size": 0, "aggs": {"sources": {
                "terms": {"field": field, "size": 10000},
                "aggs": {"bytes": {"sum": {"field": "layers.frame.frame_frame_len"}}}}}})
            got = {b["key"]: int(b["bytes"]["value"]) for b in reply["aggregations"]["sources"]["buckets"]}
            self.assertEqual(got, dict(want), field)


class TestCorpusCompact(TestCorpusInOneTypedIndex):
    """The same queries on the compact profile: byte fields and text items left out, every
    field the queries use still searchable, the same numbers."""
    INDEX = "it-queries-compact"
    OPTIONS = ("profile=compact",)


if __name__ == "__main__":
    unittest.main()
