# SPDX-License-Identifier: GPL-2.0-or-later
"""Captures cut short, fuzzed (editcap -E), random (randpkt) or malformed: every packet
tshark can read is indexed, nothing is rejected, each document equals tshark -T ek's,
and the summary says how many packets were malformed."""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import ek_reference as ek
from espcap_test import (ES_NODE, CORPUS, BROKEN, TEST_PCAPS, all_sources, count, delete_indices, run_tshark,
                         summary)

DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")
HTTP = os.path.join(TEST_PCAPS, "test_http.pcap")
TEST_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
MALFORMED = re.compile(rb", (\d+) malformed")
# Every packet type randpkt (wireshark-common) can make; 200 random packets of each.
RANDPKT_TYPES = ("arp bgp bvlc dns eth fddi giop icmp ieee802.15.4 ip ipv6 llc m2m megaco nbns ncp2222 "
                 "sctp syslog tds tcp tr udp usb-linux").split()
RANDPKT_PACKETS = 200


def tshark_malformed_count(pcap):
    """Packets tshark finds a _ws.malformed item in (the reference for the summary)."""
    run = run_tshark(["-r", pcap, "-Y", "_ws.malformed", "-T", "fields", "-e", "frame.number"])
    return len(run.stdout.split())


def malformed_in_summary(stderr):
    match = MALFORMED.search(stderr)
    return int(match.group(1)) if match else 0


class DamagedCaptureCase(unittest.TestCase):
    def check_capture(self, pcap, prefix, compare_documents=True):
        delete_indices(f"{prefix}-*")
        plain = run_tshark(["-r", pcap, "-T", "fields", "-e", "frame.number"])  # tshark alone
        readable = len(plain.stdout.split())
        self.assertGreater(readable, 0, pcap)
        run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}"])
        stderr = run.stderr.decode(errors="replace")
        # No crash: tshark ends as it does without espcap (non-zero for a file cut short).
        self.assertEqual(run.returncode, plain.returncode, stderr)
        self.assertEqual(summary(run), (readable, readable, 0), stderr)
        self.assertEqual(malformed_in_summary(run.stderr), tshark_malformed_count(pcap), stderr)
        if compare_documents:
            sources = all_sources(f"{prefix}-*")
            self.assertEqual(len(sources), readable)
            by_frame = {int(doc["layers"]["frame"]["frame_frame_number"]): doc for doc in sources}
            for number, reference in enumerate(ek.tshark_documents(pcap), start=1):
                diff = ek.differences(ek.without_espcap_fields(by_frame[number]), reference)
                self.assertEqual(diff, [], f"frame {number} of {pcap}")
        else:
            self.assertEqual(count(f"{prefix}-*"), readable)
        delete_indices(f"{prefix}-*")


class TestCutAndBrokenCaptures(DamagedCaptureCase):
    def test_capture_cut_mid_packet(self):
        with tempfile.TemporaryDirectory() as tmp:
            cut = os.path.join(tmp, "cut.pcap")
            with open(HTTP, "rb") as f, open(cut, "wb") as out:
                out.write(f.read()[:500000])  # as `head -c 500000` would
            self.check_capture(cut, "it-cut")

    def test_pcapng_cut_mid_block(self):
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(CORPUS, "pcapng-example.pcapng")
            cut = os.path.join(tmp, "cut.pcapng")
            with open(source, "rb") as f, open(cut, "wb") as out:
                out.write(f.read()[: os.path.getsize(source) * 2 // 3])
            self.check_capture(cut, "it-cutng")

    def test_broken_captures(self):
        captures = sorted(glob.glob(os.path.join(BROKEN, "*")))
        self.assertTrue(captures, f"{BROKEN} is empty")
        for i, pcap in enumerate(captures):
            with self.subTest(pcap=os.path.basename(pcap)):
                self.check_capture(pcap, f"it-broken-{i}")

    def test_frame_left_marked_as_error_packet(self):
        # A randpkt SCTP packet whose PKTDROP chunk holds a packet the dissector throws
        # in: Wireshark leaves the frame flagged as an "error packet", and taps that do
        # not ask for those never see it (tshark -z io,stat,0 counts 0 frames here).
        self.check_capture(os.path.join(TEST_DATA, "sctp-pktdrop-nested-exception.pcap"), "it-errorpacket")

    def test_malformed_packets_are_indexed_and_counted(self):
        pcap = os.path.join(CORPUS, "tcp-malformed.pcap")
        self.check_capture(pcap, "it-malformed", compare_documents=False)
        run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-malformed"])
        self.assertIn(b", 2 malformed", run.stderr)
        self.assertEqual(count("it-malformed-*", {"exists": {"field": "layers._ws_malformed"}}), 2)


class TestFuzzedCaptures(DamagedCaptureCase):
    def test_editcap_errors_with_fixed_seeds(self):
        with tempfile.TemporaryDirectory() as tmp:
            for i, (source, seed) in enumerate([(HTTP, 1), (DNS, 2), (DNS, 3)]):
                fuzzed = os.path.join(tmp, f"fuzzed-{seed}.pcap")
                subprocess.run(["editcap", "-E", "0.02", "--seed", str(seed), source, fuzzed], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with self.subTest(source=os.path.basename(source), seed=seed):
                    self.assertGreater(tshark_malformed_count(fuzzed), 0, "the fuzzing should break some packets")
                    self.check_capture(fuzzed, f"it-editcap-{i}")

    def test_random_packets_of_every_randpkt_type(self):
        # randpkt has no seed: a failing capture is kept, and its path is in the failure.
        keep = tempfile.mkdtemp(prefix="espcap-randpkt-")
        failed = []
        for kind in RANDPKT_TYPES:
            pcap = os.path.join(keep, f"{kind}.pcap")
            subprocess.run(["randpkt", "-b", "1500", "-c", str(RANDPKT_PACKETS), "-t", kind, pcap], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with self.subTest(randpkt=kind, kept=pcap):
                try:
                    self.check_capture(pcap, f"it-randpkt-{kind.replace('.', '-')}")
                except BaseException:
                    failed.append(pcap)
                    raise
        if not failed:
            shutil.rmtree(keep)

if __name__ == "__main__":
    unittest.main()
