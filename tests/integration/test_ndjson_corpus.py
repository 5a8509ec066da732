# SPDX-License-Identifier: GPL-2.0-or-later
"""Every capture of test_pcaps/ and its corpus/ written with file= (no
Elasticsearch): each packet gives an action line and a document, and the document equals
tshark -T ek's. The sanitizer step runs this with tshark loading the ASan/UBSan build of
the plugin (tests/hardening/with-sanitized-plugin), so every serializer path the corpus
reaches runs instrumented."""
import glob
import json
import os
import tempfile
import unittest

import ek_reference as ek
from espcap_test import CORPUS, own_captures, TEST_PCAPS, run_tshark, summary, tshark_packet_count


class TestNdjsonOfEveryCapture(unittest.TestCase):
    def check_capture(self, pcap):
        readable = tshark_packet_count(pcap)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.ndjson")
            run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:file={out}"])
            stderr = run.stderr.decode(errors="replace")
            self.assertEqual(run.returncode, 0, stderr)
            with open(out, "rb") as f:
                lines = f.read().decode("utf-8").splitlines()  # strict: espcap writes valid UTF-8
        self.assertEqual(summary(run), (readable, None, None), stderr)
        self.assertIn(f", {readable} written to file", stderr)
        self.assertEqual(len(lines), 2 * readable)
        reference = ek.tshark_documents(pcap)
        self.assertEqual(len(reference), readable)
        ids = set()
        for number, (action_line, document_line, reference_doc) in enumerate(
                zip(lines[0::2], lines[1::2], reference), start=1):
            action = json.loads(action_line)["create"]
            self.assertTrue(action["_index"].startswith("packets-"), action)
            self.assertRegex(action["_id"], r"^[A-Za-z0-9_-]{22}$")  # packet_id.h
            ids.add(action["_id"])
            document = json.loads(document_line)
            self.assertEqual(int(document["layers"]["frame"]["frame_frame_number"]), number)
            diff = ek.differences(ek.without_espcap_fields(document), reference_doc)
            self.assertEqual(diff, [], f"frame {number} of {pcap}")
        self.assertEqual(len(ids), readable, "two packets of one file share an id")

    def test_test_pcaps(self):
        for pcap in own_captures():
            with self.subTest(pcap=os.path.basename(pcap)):
                self.check_capture(pcap)

    def test_corpus(self):
        captures = sorted(glob.glob(os.path.join(CORPUS, "*")))
        self.assertGreater(len(captures), 50, f"corpus not found under {CORPUS}")
        for pcap in captures:
            with self.subTest(pcap=os.path.basename(pcap)):
                self.check_capture(pcap)


if __name__ == "__main__":
    unittest.main()
