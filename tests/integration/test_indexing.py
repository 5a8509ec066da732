# SPDX-License-Identifier: GPL-2.0-or-later
"""A stock tshark with the plugin indexes every packet into the real Elasticsearch,
and each document equals tshark -T ek's document for that packet."""
import glob
import json
import os
import subprocess
import tempfile
import unittest

import ek_reference as ek
from espcap_test import (ES_NODE, CORPUS, own_captures, TEST_PCAPS, all_sources, count, delete_indices, es,
                         index_counts, make_geo_databases, run_tshark, summary, tshark_packet_count)


def index_and_read_back(test, pcap, prefix):
    delete_indices(f"{prefix}-*")
    run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}"])
    test.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
    return run, all_sources(f"{prefix}-*")


class TestPcapsGoToTheirUtcDay(unittest.TestCase):
    def test_http_capture_gives_1268_documents_in_one_day(self):
        delete_indices("packets-2015-07-30")
        run = run_tshark(["-r", os.path.join(TEST_PCAPS, "test_http.pcap"), "-q",
                          "-X", f"espcap:node={ES_NODE}"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(summary(run), (1268, 1268, 0))
        self.assertEqual(index_counts("packets-2015-07-30"), {"packets-2015-07-30": 1268})

    def test_dns_capture_gives_108_documents(self):
        delete_indices("packets-2015-08-14")
        run = run_tshark(["-r", os.path.join(TEST_PCAPS, "test_dns.pcap"), "-q",
                          "-X", f"espcap:node={ES_NODE}"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(index_counts("packets-2015-08-14"), {"packets-2015-08-14": 108})


class TestIndexingTwice(unittest.TestCase):
    def test_second_run_adds_nothing(self):
        delete_indices("it-twice-*")
        args = ["-r", os.path.join(TEST_PCAPS, "test_dns.pcap"), "-q",
                "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-twice"]
        first = run_tshark(args)
        self.assertEqual(first.returncode, 0, first.stderr)
        second = run_tshark(args)
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(summary(second), (108, 0, 0))
        self.assertIn(b"108 already indexed", second.stderr)
        self.assertEqual(count("it-twice-*"), 108)


class TestDocumentsEqualTsharkEk(unittest.TestCase):
    """Every capture of test_pcaps/ and its corpus/, read back from Elasticsearch."""

    def check_capture(self, pcap, prefix):
        expected_packets = tshark_packet_count(pcap)
        run, sources = index_and_read_back(self, pcap, prefix)
        self.assertEqual(summary(run), (expected_packets, expected_packets, 0))
        self.assertEqual(len(sources), expected_packets)

        reference = ek.tshark_documents(pcap)
        self.assertEqual(len(reference), expected_packets)
        by_frame = {int(doc["layers"]["frame"]["frame_frame_number"]): doc for doc in sources}
        self.assertEqual(sorted(by_frame), list(range(1, expected_packets + 1)))
        offsets = ek.tshark_file_offsets(pcap)
        for number, reference_doc in enumerate(reference, start=1):
            ours = by_frame[number]
            diff = ek.differences(ek.without_espcap_fields(ours), reference_doc)
            self.assertEqual(diff, [], f"frame {number} of {pcap}")
            self.check_espcap_fields(ours, pcap, prefix)
            self.assertEqual(ours["file_offset"], offsets[number - 1], f"frame {number} of {pcap}")

    def check_espcap_fields(self, doc, pcap, prefix):
        self.assertEqual(doc["file_name"], pcap)
        self.assertRegex(doc["file_date_utc"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        self.assertRegex(doc["sniff_date_utc"], r"^\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        self.assertIsInstance(doc["sniff_timestamp"], (int, float))
        self.assertTrue(doc["protocol"])
        self.assertNotIn(doc["protocol"], ("data", "ethertype", "_ws.malformed", "media"))
        # The interface's name is given exactly when tshark shows one for the frame.
        self.assertEqual(doc.get("interface"), doc["layers"]["frame"].get("frame_frame_interface_name"))

    def test_test_pcaps(self):
        for i, pcap in enumerate(own_captures()):
            with self.subTest(pcap=pcap):
                self.check_capture(pcap, f"it-test-pcaps-{i}")

    def test_corpus(self):
        captures = sorted(glob.glob(os.path.join(CORPUS, "*")))
        self.assertGreater(len(captures), 50, f"corpus not found under {CORPUS}")
        for i, pcap in enumerate(captures):
            with self.subTest(pcap=os.path.basename(pcap)):
                self.check_capture(pcap, f"it-corpus-{i}")
        delete_indices("it-corpus-*")


class TestTemplateMapsEveryMember(unittest.TestCase):
    """espcap's own members (everything outside "layers", whose fields are mapped from
    Wireshark's registry as they are first used) are written in tap/ and mapped in
    export/index_template.cpp: each one a document carries must have a type in the
    template, or a renamed member would fall back to dynamic mapping unseen."""

    def test_every_member_outside_layers_is_in_the_template(self):
        prefix = "it-schema"
        delete_indices(f"{prefix}-*")
        written = set()
        # DNS and HTTP, a pcapng that names its interfaces, flows on for network.community_id,
        # the test GeoIP and ASN databases for source.geo.* and source.as.*.
        with tempfile.TemporaryDirectory(prefix="espcap-geo-") as folder:
            city, asn, _ = make_geo_databases(folder)
            for pcap in (os.path.join(TEST_PCAPS, "test_http.pcap"), os.path.join(TEST_PCAPS, "test_dns.pcap"),
                         os.path.join(CORPUS, "many_interfaces-1.pcapng")):
                run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}",
                                  "-X", "espcap:flows=true", "-X", f"espcap:geoip={city}", "-X", f"espcap:asn={asn}"])
                self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
        for document in all_sources(f"{prefix}-2*"):
            written |= leaves({k: v for k, v in document.items() if k != "layers"})
        for member in ("interface", "network.community_id", "source.port", "file_offset", "source.geo.location.lat",
                       "source.as.organization.name", "destination.geo.city_name"):
            self.assertIn(member, written, "the captures no longer make espcap write it")
        template = es("GET", f"/_index_template/espcap-{prefix}")["index_templates"][0]["index_template"]
        properties = template["template"]["mappings"]["properties"]
        self.assertEqual(sorted(path for path in written if not mapped(properties, path)), [])
        delete_indices(f"{prefix}-*")


def leaves(value, path=""):
    """Dotted paths of a document's values; an array of values is one leaf."""
    if not isinstance(value, dict):
        return {path}
    return set().union(*(leaves(member, f"{path}.{key}" if path else key) for key, member in value.items()))


def mapped(properties, path):
    """Whether a mapping's properties give `path` a type (aliases included). A typed field
    whose values are objects (a geo_point's lat and lon) maps what is beneath it."""
    node = {"properties": properties}
    for name in path.split("."):
        if "type" in node and "properties" not in node:
            return True
        node = node.get("properties", {}).get(name)
        if node is None:
            return False
    return "type" in node


class TestProtocolField(unittest.TestCase):
    def test_highest_real_protocol_skips_payload_layers(self):
        _, sources = index_and_read_back(self, os.path.join(TEST_PCAPS, "test_http.pcap"), "it-protocol")
        by_frame = {int(d["layers"]["frame"]["frame_frame_number"]): d for d in sources}
        for doc in by_frame.values():
            layers = doc["layers"]["frame"]["frame_frame_protocols"].split(":")
            if layers[-1] in ("media", "data-text-lines") or layers[-1].startswith("image-"):
                self.assertEqual(doc["protocol"], "http", layers)
            elif layers[-1] == "tcp":
                self.assertEqual(doc["protocol"], "tcp")
        protocols = {d["protocol"] for d in by_frame.values()}
        self.assertIn("http", protocols)
        self.assertFalse(protocols & {"media", "data-text-lines", "image-jfif", "image-gif"})


class TestIdsNameThePacket(unittest.TestCase):
    """Issue 13 item 1: a document id names the packet itself, so runs that number the
    packets differently (a read filter, a file that grew) never take one packet for
    another: every packet is stored exactly once and the counts say what happened."""

    DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")

    def run_espcap(self, pcap, prefix, *extra):
        run = run_tshark(["-r", pcap, "-q", *extra, "-X", f"espcap:node={ES_NODE}",
                          "-X", f"espcap:index={prefix}"])
        self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
        return run

    def assert_each_packet_stored_once(self, pcap, prefix):
        for response in (False, True):  # test_dns.pcap: 54 queries, 54 responses
            self.assertEqual(count(f"{prefix}-*", {"term": {"layers.dns.dns_dns_flags_response": response}}), 54)
        stored = sorted(doc.get("file_offset", -1) for doc in all_sources(f"{prefix}-*"))
        self.assertEqual(stored, sorted(ek.tshark_file_offsets(pcap)))

    def check_subset_then_whole(self, prefix, subset_args, subset_size, whole_args=()):
        delete_indices(f"{prefix}-*")
        first = self.run_espcap(self.DNS, prefix, *subset_args)
        self.assertEqual(summary(first), (subset_size, subset_size, 0))
        whole = self.run_espcap(self.DNS, prefix, *whole_args)
        self.assertEqual(summary(whole), (108, 108 - subset_size, 0))
        self.assertIn(f"{subset_size} already indexed".encode(), whole.stderr)
        self.assert_each_packet_stored_once(self.DNS, prefix)

    def test_two_pass_read_filter_then_whole_file(self):
        # tshark -2 -R numbers the 54 responses 1..54: frame numbers cannot be ids.
        self.check_subset_then_whole("it-ids-rfilter", ["-2", "-R", "dns.flags.response==1"], 54)

    def test_two_pass_read_filter_then_two_pass_display_filter(self):
        # -Y only decides what tshark prints: the tap sees all 108 packets, numbered 1..108.
        self.check_subset_then_whole("it-ids-yfilter", ["-2", "-R", "dns.flags.response==1"], 54,
                                     ["-2", "-Y", "dns.flags.response==0"])

    def test_file_that_grew_between_runs(self):
        prefix = "it-ids-grown"
        delete_indices(f"{prefix}-*")
        offsets = ek.tshark_file_offsets(self.DNS)
        with open(self.DNS, "rb") as f:
            whole = f.read()
        with tempfile.TemporaryDirectory() as tmp:
            growing = os.path.join(tmp, "growing.pcap")
            with open(growing, "wb") as f:
                f.write(whole[:offsets[50]])  # the first 50 packets, as a capture in progress
            first = self.run_espcap(growing, prefix)
            self.assertEqual(summary(first), (50, 50, 0))
            with open(growing, "ab") as f:
                f.write(whole[offsets[50]:])
            second = self.run_espcap(growing, prefix)
            self.assertEqual(summary(second), (108, 58, 0))
            self.assertIn(b"50 already indexed", second.stderr)
            self.assert_each_packet_stored_once(growing, prefix)


class TestPacketsWithoutTimestamp(unittest.TestCase):
    """Issue 13 item 11b: a record with no timestamp goes to PREFIX-no-timestamp (it went
    to PREFIX-1970-01-01, a day no packet was captured on)."""

    def test_pem_file_record_goes_to_the_no_timestamp_index(self):
        prefix = "it-nots"
        delete_indices(f"{prefix}-*")
        with tempfile.TemporaryDirectory() as tmp:
            # tshark reads a PEM file (RFC 7468) as a capture of one record with no timestamp.
            pem = os.path.join(tmp, "cert.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout",
                            os.path.join(tmp, "key.pem"), "-out", pem, "-subj", "/CN=espcap", "-days", "1"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shown = run_tshark(["-r", pem, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch"])
            self.assertEqual(shown.stdout.decode().split(), ["1"])  # a frame, and no time
            run = run_tshark(["-r", pem, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(summary(run), (1, 1, 0))
        self.assertIn(f"({prefix}-no-timestamp)".encode(), run.stderr)
        self.assertEqual(index_counts(f"{prefix}-*"), {f"{prefix}-no-timestamp": 1})


if __name__ == "__main__":
    unittest.main()


class TestSeveralSenders(unittest.TestCase):
    """Batches go out on several requests at once; the file keeps the capture's order."""

    def test_eight_senders_with_small_batches_index_everything_and_write_in_order(self):
        delete_indices("it-senders-*")
        pcap = os.path.join(TEST_PCAPS, "test_http.pcap")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.ndjson")
            run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-senders",
                              "-X", "espcap:senders=8", "-X", "espcap:chunk=7", "-X", f"espcap:file={out}"])
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(summary(run), (1268, 1268, 0))
            with open(out, "rb") as f:
                lines = f.read().split(b"\n")
        documents = [json.loads(line) for line in lines[1:-1:2]]
        frames = [int(d["layers"]["frame"]["frame_frame_number"]) for d in documents]
        self.assertEqual(frames, list(range(1, 1269)))
        self.assertEqual(count("it-senders-*"), 1268)
