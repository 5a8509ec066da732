# SPDX-License-Identifier: GPL-2.0-or-later
"""A sensor that runs for months (issue 29): the run's counts in a stats file, which
sensor saw a packet (observer.*, labels.*, event.*)."""
import json
import os
import socket
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


def observer_counts(pattern):
    """Documents per observer.name, by a terms aggregation (which needs the keyword mapping)."""
    refresh(pattern)
    reply = es("POST", f"/{pattern}/_search?size=0",
               {"aggs": {"sensors": {"terms": {"field": "observer.name", "size": 10}}}})
    return {b["key"]: b["doc_count"] for b in reply["aggregations"]["sensors"]["buckets"]}


class TestSensorIdentity(unittest.TestCase):
    def index_as(self, sensor, pcap, prefix, *extra):
        run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}",
                          "-X", f"espcap:sensor={sensor}", "-X", "espcap:daily=false", *extra])
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stats

    def check_two_sensors_in_one_index(self, prefix, *extra):
        delete_indices(prefix)
        dns = self.index_as("sensor-a", DNS, prefix, "-X", "espcap:labels=site:lab,rack:3", *extra)
        http = self.index_as("sensor-b", os.path.join(TEST_PCAPS, "test_http.pcap"), prefix, *extra)
        self.assertEqual(observer_counts(prefix), {"sensor-a": dns["packets"], "sensor-b": http["packets"]})
        self.assertEqual((dns["packets"], http["packets"]), (108, 1268))
        hit = es("POST", f"/{prefix}/_search", {"size": 1, "query": {"term": {"observer.name": "sensor-a"}}})
        document = hit["hits"]["hits"][0]["_source"]
        self.assertEqual(document["observer"], {"name": "sensor-a", "hostname": socket.gethostname()})
        self.assertEqual(document["labels"], {"site": "lab", "rack": "3"})
        self.assertEqual(document["event"], {"kind": "event", "category": ["network"],
                                             "dataset": "espcap.packet", "module": "espcap"})
        self.assertEqual(count(prefix, {"term": {"labels.site": "lab"}}), 108)
        mapping = es("GET", f"/{prefix}/_mapping")[prefix]["mappings"]["properties"]
        for path in ("observer.name", "observer.hostname", "labels.site", "event.kind", "event.dataset"):
            first, second = path.split(".")
            self.assertEqual(mapping[first]["properties"][second]["type"], "keyword", path)

    def test_two_sensors_into_one_index_are_told_apart_by_observer_name(self):
        self.check_two_sensors_in_one_index("it-sensors")

    def test_the_compact_profile_keeps_the_identity_aggregatable(self):
        self.check_two_sensors_in_one_index("it-sensors-compact", "-X", "espcap:profile=compact")

    def test_flow_records_carry_the_sensor_and_their_own_dataset(self):
        delete_indices("it-sensor-flows*")
        stats = self.index_as("sensor-f", DNS, "it-sensor-flows", "-X", "espcap:flows=only",
                              "-X", "espcap:labels=site:lab")
        self.assertGreater(stats["flow_records"], 0)
        pattern = "it-sensor-flows-flows"
        self.assertEqual(observer_counts(pattern), {"sensor-f": stats["flow_records"]})
        refresh(pattern)
        hit = es("POST", f"/{pattern}/_search", {"size": 1})["hits"]["hits"][0]["_source"]
        self.assertEqual(hit["observer"]["hostname"], socket.gethostname())
        self.assertEqual(hit["labels"], {"site": "lab"})
        self.assertEqual((hit["event"]["kind"], hit["event"]["dataset"], hit["event"]["module"]),
                         ("event", "espcap.flow", "espcap"))

    def test_the_sensor_can_be_a_preference(self):
        delete_indices("it-sensor-pref")
        run = run_tshark(["-r", DNS, "-q", "-o", "espcap.sensor:from-prefs", "-o", "espcap.labels:site:prefs",
                          "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-sensor-pref",
                          "-X", "espcap:daily=false"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(observer_counts("it-sensor-pref"), {"from-prefs": 108})
        self.assertEqual(count("it-sensor-pref", {"term": {"labels.site": "prefs"}}), 108)

    def test_a_bad_label_is_bad_usage_before_a_packet(self):
        run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:labels=site"])
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertIn(b"'labels'", run.stderr)
        self.assertIsNone(run.stats)


if __name__ == "__main__":
    unittest.main()
