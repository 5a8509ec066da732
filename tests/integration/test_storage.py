# SPDX-License-Identifier: GPL-2.0-or-later
"""What goes into a document (docs/storage.md): profile=compact, bytes=, text_items=,
protocols= and drop_protocols= write tshark -T ek's document minus exactly the parts they
name, and every field they keep stays searchable in Elasticsearch.

Budget: about 1 minute (the two captures of test_pcaps/, written and indexed).
"""
import collections
import json
import os
import re
import tempfile
import unittest

import ek_reference as ek
from espcap_test import ES_NODE, TEST_PCAPS, all_sources, count, delete_indices, es, run_tshark, summary

# The three corpus captures this list once named (dhcp.pcapng, smtp.pcap,
# tls12-aes256gcm.pcap) were never in the corpus and were silently left out; these two
# are what the suite has always run on.
CAPTURES = [os.path.join(TEST_PCAPS, "test_http.pcap"), os.path.join(TEST_PCAPS, "test_dns.pcap")]
BYTE_TYPES = ("FT_BYTES", "FT_UINT_BYTES")
TEXT_ITEM = "text"  # the member name tshark -T ek gives text-only items


def member_names_by_kind():
    """(names of byte fields, names shared by a byte field and a field of another type),
    as EK members: the protocol's filter name, '_', the field's, dots as underscores.
    Protocols registered "in name only" (tcp.options.mss) hold bytes too: EK writes them
    as hex strings, not objects; -G fields does not give their type, so they count as
    byte fields wherever tshark wrote them as strings (see is_byte_member)."""
    run = run_tshark(["-G", "fields"], timeout=120)
    kinds = collections.defaultdict(set)
    protocols = set()
    for line in run.stdout.decode("utf-8", "replace").split("\n"):
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] == "P":
            protocols.add(parts[2].replace(".", "_"))
        if len(parts) < 5 or parts[0] != "F":
            continue
        abbrev, ftype, parent = parts[2], parts[3], parts[4]
        kinds[f"{parent}_{abbrev}".replace(".", "_")].add(ftype in BYTE_TYPES)
    byte_names = {name for name, k in kinds.items() if k == {True}}
    mixed = {name for name, k in kinds.items() if len(k) > 1}
    return byte_names, mixed, protocols


def is_byte_member(names, name, value):
    byte_names, _, protocols = names
    if name in byte_names:
        return True
    values = value if isinstance(value, list) else [value]
    return name in protocols and all(isinstance(v, str) for v in values)


def without(value, drop):
    """`value` with every member `drop(name, value)` chooses removed, at any depth."""
    if isinstance(value, dict):
        return {k: without(v, drop) for k, v in value.items() if not drop(k, v)}
    if isinstance(value, list):
        return [without(v, drop) for v in value]
    return value


def has_member(value, name):
    if isinstance(value, dict):
        return name in value or any(has_member(v, name) for v in value.values())
    if isinstance(value, list):
        return any(has_member(v, name) for v in value)
    return False


def written_documents(test, pcap, *options):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.ndjson")
        args = ["-r", pcap, "-q", "-X", f"espcap:file={out}"]
        for option in options:
            args += ["-X", f"espcap:{option}"]
        run = run_tshark(args)
        test.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
        with open(out, "rb") as f:
            return [ek.without_espcap_fields(d) for d in ek.parse_ek_lines(f.read())]


class TestDocumentContent(unittest.TestCase):
    """Written to a file and compared with tshark -T ek, document by document."""

    @classmethod
    def setUpClass(cls):
        cls.names = member_names_by_kind()
        cls.byte_names, cls.mixed_names, _ = cls.names
        cls.reference = {pcap: ek.tshark_documents(pcap) for pcap in CAPTURES}

    def assert_reference_minus(self, pcap, documents, drop):
        reference = self.reference[pcap]
        self.assertEqual(len(documents), len(reference), pcap)
        for number, (ours, theirs) in enumerate(zip(documents, reference), start=1):
            diff = ek.differences(ours, without(theirs, drop))
            self.assertEqual(diff, [], f"frame {number} of {os.path.basename(pcap)}")

    def is_byte_field(self, name, value):
        return is_byte_member(self.names, name, value)

    def test_compact_is_tshark_minus_byte_fields_and_text_items(self):
        dropped = collections.Counter()

        def drop(name, value):
            if name in self.mixed_names:
                return True  # a byte field or not, by which field wrote it: not compared
            gone = self.is_byte_field(name, value) or name == TEXT_ITEM
            dropped[gone] += 1
            return gone
        for pcap in CAPTURES:
            with self.subTest(pcap=os.path.basename(pcap)):
                documents = written_documents(self, pcap, "profile=compact")
                self.assert_reference_minus(pcap, [without(d, lambda n, v: n in self.mixed_names) for d in documents],
                                            drop)
                self.assertFalse(any(has_member(d, "tcp_tcp_payload") or has_member(d, TEXT_ITEM) for d in documents))
        self.assertGreater(dropped[True], 1000)   # the comparison removed something...
        self.assertGreater(dropped[False], 10000)  # ...and kept far more
        # The fields beneath a left-out item stay: the request line's method, tcp.options' kinds.
        http = written_documents(self, CAPTURES[0], "profile=compact")
        self.assertTrue(any("http_http_request_method" in d["layers"].get("http", {}) for d in http))
        self.assertTrue(any("tcp_tcp_option_kind" in d["layers"].get("tcp", {}) for d in http))

    def test_bytes_none_keeps_text_items(self):
        pcap = CAPTURES[0]
        documents = written_documents(self, pcap, "bytes=none")
        self.assert_reference_minus(pcap, documents, self.is_byte_field)
        self.assertTrue(any(has_member(d, TEXT_ITEM) for d in documents))

    def test_bytes_n_keeps_the_first_n_bytes(self):
        pcap = CAPTURES[0]
        limit = 4
        documents = written_documents(self, pcap, f"bytes={limit}")
        cut = 0
        for ours, theirs in zip(documents, self.reference[pcap]):
            # Every byte field is tshark's value cut after `limit` bytes; the rest is equal.
            def shorten(name, value):
                return value[:3 * limit - 1] if self.is_byte_field(name, value) and isinstance(value, str) else value

            def cut_values(value, name=None):
                if isinstance(value, dict):
                    return {k: cut_values(v, k) for k, v in value.items()}
                if isinstance(value, list):
                    return [cut_values(v, name) for v in value]
                return shorten(name, value)
            expected = cut_values(theirs)
            self.assertEqual(ek.differences(ours, expected), [])
            cut += repr(expected) != repr(theirs)
        self.assertGreater(cut, 100)
        payloads = [d["layers"]["tcp"]["tcp_tcp_payload"] for d in documents if "tcp_tcp_payload" in d["layers"].get("tcp", {})]
        self.assertTrue(payloads)
        self.assertTrue(all(re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){0,3}", p) for p in payloads))

    def test_text_items_false_keeps_byte_fields(self):
        pcap = CAPTURES[0]
        documents = written_documents(self, pcap, "text_items=false")
        self.assert_reference_minus(pcap, documents, lambda name, _v: name == TEXT_ITEM)

    def test_drop_protocols_leaves_out_their_subtrees(self):
        pcap = CAPTURES[0]
        documents = written_documents(self, pcap, "drop_protocols=http,media")
        self.assert_reference_minus(pcap, documents, lambda name, _v: name in ("http", "media"))

    def test_protocols_keeps_only_those_top_level_layers(self):
        pcap = CAPTURES[1]
        documents = written_documents(self, pcap, "protocols=frame,dns")
        for ours, theirs in zip(documents, self.reference[pcap]):
            expected = dict(theirs, layers={k: v for k, v in theirs["layers"].items() if k in ("frame", "dns")})
            self.assertEqual(ek.differences(ours, expected), [])
        self.assertTrue(all(set(d["layers"]) <= {"frame", "dns"} for d in documents))

    def test_unknown_protocol_is_refused_before_any_packet(self):
        run = run_tshark(["-r", CAPTURES[0], "-q", "-X", "espcap:file=/dev/null", "-X", "espcap:drop_protocols=nosuch"])
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("option 'drop_protocols': 'nosuch' is not a protocol's filter name",
                      run.stderr.decode(errors="replace"))


class TestNothingMapsDynamically(unittest.TestCase):
    """Every member espcap writes with a value, objects included, is mapped before the
    first document that uses it: a member the node maps itself costs a cluster-state
    update on the write path, per new index. Shown with espcap's own template set to
    "dynamic": false, which indexes documents whole but maps nothing itself, so that
    whatever espcap left unmapped is missing from the mapping (null maps nothing either
    way). Daily indices, both profiles."""
    INDEX = "it-storage-mapped"

    def tearDown(self):
        es("DELETE", f"/_index_template/static-{self.INDEX}")
        delete_indices(f"{self.INDEX}*")

    def mapped_paths(self):
        paths = set()

        def walk(properties, prefix):
            for name, field in properties.items():
                paths.add(prefix + name)
                walk(field.get("properties", {}), prefix + name + ".")
        for index, body in es("GET", f"/{self.INDEX}-*/_mapping").items():
            walk(body["mappings"].get("properties", {}), "")
        return paths

    def test_every_member_is_mapped_before_its_document(self):
        def written_paths(value, prefix, out):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    if prefix:
                        out.add(prefix)
                    for name, member in item.items():
                        written_paths(member, f"{prefix}.{name}" if prefix else name, out)
                elif item is not None:
                    out.add(prefix)

        for profile in ("full", "compact"):
            with self.subTest(profile=profile), tempfile.TemporaryDirectory() as tmp:
                template_file = os.path.join(tmp, "template.json")
                written = run_tshark(["-r", CAPTURES[0], "-q", "-X", f"espcap:file={os.path.join(tmp, 'x.ndjson')}",
                                      "-X", f"espcap:index={self.INDEX}", "-X", f"espcap:template_file={template_file}"])
                self.assertEqual(written.returncode, 0, written.stderr.decode(errors="replace"))
                with open(template_file) as f:
                    static = json.load(f)
                static["priority"] += 1000  # in place of espcap's, which it copies
                static["template"]["mappings"]["dynamic"] = False
                es("PUT", f"/_index_template/static-{self.INDEX}", static)
                delete_indices(f"{self.INDEX}*")
                for pcap in CAPTURES:
                    run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X",
                                      f"espcap:index={self.INDEX}", "-X", f"espcap:profile={profile}"])
                    packets, indexed, failed = summary(run)
                    self.assertEqual((indexed, failed), (packets, 0), run.stderr.decode(errors="replace")[-1500:])
                documents = all_sources(f"{self.INDEX}-*")
                self.assertGreater(len(documents), 1000)
                written = set()
                for document in documents:
                    written_paths(document, "", written)
                self.assertEqual(sorted(written - self.mapped_paths()), [])


class TestCompactIsSearchable(unittest.TestCase):
    """test_pcaps/ indexed in full and compact: the compact index maps every field the
    full one maps except byte fields and text items, and holds every document."""
    FULL, COMPACT = "it-storage-full", "it-storage-compact"

    @classmethod
    def setUpClass(cls):
        cls.byte_names, cls.mixed_names, cls.protocol_names = member_names_by_kind()
        cls.runs = {}
        for index, options in ((cls.FULL, []), (cls.COMPACT, ["-X", "espcap:profile=compact"])):
            delete_indices(index)
            for pcap in CAPTURES:
                cls.runs[(index, pcap)] = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X",
                                                      f"espcap:index={index}", "-X", "espcap:daily=false", *options])

    @classmethod
    def tearDownClass(cls):
        delete_indices(cls.FULL)
        delete_indices(cls.COMPACT)

    def leaf_fields(self, index):
        fields = {}

        def walk(properties, prefix):
            for name, field in properties.items():
                if "properties" in field:
                    walk(field["properties"], prefix + name + ".")
                else:
                    fields[prefix + name] = field.get("type")
        walk(es("GET", f"/{index}/_mapping")[index]["mappings"]["properties"], "")
        return fields

    def mapping_of(self, index, path):
        field = es("GET", f"/{index}/_mapping")[index]["mappings"]
        for name in path.split("."):
            field = field["properties"][name]
        return field

    def test_compact_keeps_doc_values_where_analysts_aggregate(self):
        # aggregatable=common (docs/storage.md): doc values on addresses, ports, lengths and
        # the usual names only; every field still answers queries alike in both indices.
        for path in ("layers.ip.ip_ip_src", "layers.tcp.tcp_tcp_dstport", "layers.frame.frame_frame_len",
                     "layers.dns.dns_dns_qry_name", "layers.http.http_http_host"):
            self.assertNotIn("doc_values", self.mapping_of(self.COMPACT, path), path)
        window = "layers.tcp.tcp_tcp_window_size_value"
        self.assertIs(self.mapping_of(self.COMPACT, window)["doc_values"], False)
        self.assertNotIn("doc_values", self.mapping_of(self.FULL, window))
        query = {"range": {window: {"gte": 1000}}}
        self.assertGreater(count(self.FULL, query), 0)
        self.assertEqual(count(self.COMPACT, query), count(self.FULL, query))
        aggregation = {"size": 0, "aggs": {"w": {"terms": {"field": window}}}}
        self.assertTrue(es("POST", f"/{self.FULL}/_search", aggregation)["aggregations"]["w"]["buckets"])
        with self.assertRaisesRegex(AssertionError, "HTTP 400.*doc values"):
            es("POST", f"/{self.COMPACT}/_search", aggregation)
        # Where an analyst does group: ports, as in the full index.
        ports = {"size": 0, "aggs": {"p": {"terms": {"field": "layers.tcp.tcp_tcp_dstport", "size": 100}}}}
        self.assertEqual(es("POST", f"/{self.COMPACT}/_search", ports)["aggregations"],
                         es("POST", f"/{self.FULL}/_search", ports)["aggregations"])

    def test_no_document_refused(self):
        for (index, pcap), run in self.runs.items():
            self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
            packets, indexed, failed = summary(run)
            self.assertEqual((indexed, failed), (packets, 0), f"{index} {pcap}")
        self.assertEqual(count(self.COMPACT), count(self.FULL))
        self.assertGreater(count(self.FULL), 1000)

    def test_compact_maps_every_field_but_bytes_and_text(self):
        full, compact = self.leaf_fields(self.FULL), self.leaf_fields(self.COMPACT)
        missing = {path for path in set(full) - set(compact)
                   if path.rsplit(".", 1)[-1] not in self.byte_names | self.mixed_names | self.protocol_names | {TEXT_ITEM}}
        self.assertEqual(missing, set())
        for path, kind in compact.items():
            if kind in (None, "object") and path not in full:
                continue  # a layer that held only text items: an empty object now
            self.assertEqual(kind, full.get(path), path)
        self.assertLess(len(compact), len(full))

    def test_same_answers_to_field_queries(self):
        queries = [
            {"term": {"layers.ip.ip_ip_src": "10.0.0.0/8"}},
            {"range": {"layers.tcp.tcp_tcp_dstport": {"lt": 1024}}},
            {"term": {"layers.http.http_http_request_method": "GET"}},
            {"exists": {"field": "layers.dns.dns_dns_qry_name"}},
            {"range": {"timestamp": {"gte": "2015-01-01", "lt": "2016-01-01"}}},
            {"term": {"source.ip": "10.0.0.0/8"}},
        ]
        for query in queries:
            with self.subTest(query=query):
                full = count(self.FULL, query)
                self.assertGreater(full, 0)
                self.assertEqual(count(self.COMPACT, query), full)
        names = {"size": 0, "aggs": {"n": {"terms": {"field": "layers.dns.dns_dns_qry_name", "size": 1000}}}}
        buckets = [es("POST", f"/{index}/_search", names)["aggregations"]["n"]["buckets"]
                   for index in (self.FULL, self.COMPACT)]
        self.assertTrue(buckets[0])
        self.assertEqual(buckets[0], buckets[1])


if __name__ == "__main__":
    unittest.main()
