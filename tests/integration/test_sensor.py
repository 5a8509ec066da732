# SPDX-License-Identifier: GPL-2.0-or-later
"""A sensor that runs for months (issue 29): the run's counts in a stats file, which
sensor saw a packet (observer.*, labels.*, event.*)."""
import json
import os
import stat
import tempfile
import unittest

from espcap_test import ES_NODE, TEST_PCAPS, count, delete_indices, es, refresh, run_tshark

DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")


class TestStatsFile(unittest.TestCase):
    def test_stats_file_holds_the_counts_elasticsearch_confirms(self):
        delete_indices("it-stats-*")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "stats.json")
            args = ["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-stats",
                    "-X", "espcap:flows=true", "-X", f"espcap:stats_file={path}"]
            first = run_tshark(args)
            self.assertEqual(first.returncode, 0, first.stderr)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            with open(path, encoding="utf-8") as f:
                stats = json.load(f)
            flows = count("it-stats-flows-*")
            self.assertEqual(stats["packets"], 108)
            self.assertEqual(stats["flow_records"], flows)
            self.assertEqual(stats["indexed"], 108 + flows)
            self.assertEqual(stats["failed"], 0)
            self.assertEqual(stats["already_indexed"], 0)
            self.assertEqual(stats["indices"], ["it-stats-2015-08-14", "it-stats-flows-2015-08-14"])
            self.assertIsNone(stats["first_error"])
            self.assertEqual(stats["outcome"], "delivered")
            self.assertGreater(stats["bytes_sent"], 0)
            self.assertEqual(count("it-stats-2015-08-14"), 108)
            # The summary line stays, for people.
            self.assertIn(b"espcap: 108 packets, ", first.stderr)

            # A second run replaces the file: everything is already there.
            second = run_tshark(args)
            self.assertEqual(second.returncode, 0, second.stderr)
            with open(path, encoding="utf-8") as f:
                again = json.load(f)
            self.assertEqual((again["indexed"], again["already_indexed"]), (0, 108 + flows))
            self.assertEqual(os.listdir(folder), ["stats.json"])

    def test_a_stats_file_that_cannot_be_written_is_a_warning_and_the_documents_are_indexed(self):
        delete_indices("it-stats-bad-*")
        run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-stats-bad",
                          "-X", "espcap:stats_file=/nonexistent-folder/stats.json"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn(b"cannot write the stats file '/nonexistent-folder/stats.json'", run.stderr)
        self.assertEqual(count("it-stats-bad-*"), 108)


if __name__ == "__main__":
    unittest.main()
