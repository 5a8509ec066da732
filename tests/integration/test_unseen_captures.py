# SPDX-License-Identifier: GPL-2.0-or-later
"""espcap-pcap filter= on captures no other suite reads: Wireshark 4.0.17's own test
captures (test_pcaps/wireshark/), each indexed as it is, and the display filters of
unseen_capture_filters.txt, written for them. Every answer (list=true: file and frame)
must be the frames `tshark -r FILE -Y FILTER` selects in each file, or a refusal (exit 1)
when tshark refuses the filter.

Long (label "long"): on 2 cores about 75 minutes the first time (tshark's ~14,800
answers, cached after that; 12 of the filters took 8.5 minutes cold), then about 45
(espcap-pcap's passes over the 120 files for each filter the engine cannot narrow).
"""
import collections
import concurrent.futures
import glob
import os
import subprocess
import unittest

from ek_reference import reference_output
from espcap_test import assert_engine_is_expected, ES_NODE, TEST_PCAPS, delete_indices, refresh, run_tshark, summary
from test_display_filters import listed_filters, tshark_refusal

INDEX = "it-unseen"
WIRESHARK_CAPTURES = os.path.join(TEST_PCAPS, "wireshark")
FILTER_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unseen_capture_filters.txt")
WORKERS = 2


def tshark_frames(path, display_filter):
    out = reference_output(path, ["-Y", display_filter, "-T", "fields", "-e", "frame.number"])
    return {(path, int(line)) for line in out.split()}


class TestUnseenCaptures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        assert_engine_is_expected()
        delete_indices(f"{INDEX}-*")
        cls.captures, cls.left_out = [], []
        for path in sorted(glob.glob(os.path.join(WIRESHARK_CAPTURES, "*"))):
            run = run_tshark(["-r", path, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={INDEX}",
                              "-X", "espcap:spool=off"])
            packets, indexed, failed = summary(run)
            if packets == 0:  # empty.pcap
                cls.left_out.append(os.path.basename(path) + " (no packet)")
                continue
            assert run.returncode == 0 and failed == 0, f"{path}: {run.stderr.decode(errors='replace')}"
            if indexed == 0:
                # Every packet already stored from another file (dhcp.pcap is dhcp-nanosecond.pcap
                # at the same offsets and times): the same documents, which name that file.
                cls.left_out.append(os.path.basename(path) + " (its packets stored from another file)")
                continue
            assert indexed == packets, f"{path}: {indexed} of {packets} packets are its own documents"
            cls.captures.append(path)
        refresh(f"{INDEX}-*")

    def answer(self, display_filter):
        """(exit status, {(file, frame)}, stderr) of espcap-pcap for one filter."""
        run = subprocess.run(["espcap-pcap", f"node={ES_NODE}", f"index={INDEX}", "absolute_paths=true",
                              f"filter={display_filter}", "list=true"], capture_output=True, timeout=1200, check=False)
        listed = set()
        for line in run.stdout.decode().splitlines():
            words = line.split()  # ... FILE frame N
            listed.add((words[-3], int(words[-1])))
        return run.returncode, listed, run.stderr.decode(errors="replace")

    def expected(self, display_filter):
        """tshark's frames over every capture, or None when tshark refuses the filter."""
        if tshark_refusal(display_filter) is not None:
            return None
        return set().union(*(tshark_frames(path, display_filter) for path in self.captures))

    def test_each_filter_selects_the_frames_tshark_selects(self):
        filters = listed_filters(FILTER_FILE)
        self.assertGreaterEqual(len(filters), 100)
        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            expectations = list(pool.map(self.expected, filters))
        outcome = collections.Counter()
        for display_filter, expected in zip(filters, expectations):
            status, listed, stderr = self.answer(display_filter)
            with self.subTest(filter=display_filter):
                if expected is None:
                    self.assertEqual(status, 1, stderr)
                    outcome["refused, as tshark refuses it"] += 1
                    continue
                self.assertEqual(status, 0, stderr)
                self.assertEqual(listed, expected)
                outcome["narrowed by the engine" if "filter= narrows" in stderr else "not narrowed"] += 1
                outcome["selecting packets"] += bool(expected)
        print(f"\n{len(filters)} filters over {len(self.captures)} captures (left out: "
              f"{', '.join(self.left_out) or 'none'}): {dict(outcome)}", flush=True)
