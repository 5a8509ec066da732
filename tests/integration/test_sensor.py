# SPDX-License-Identifier: GPL-2.0-or-later
"""A sensor that runs for months (issue 29): the run's counts in a stats file, retention,
which sensor saw a packet (observer.*, labels.*, event.*), GeoIP and ASN (geoip=, asn=)."""
import json
import os
import socket
import stat
import subprocess
import tempfile
import time
import unittest

from espcap_test import ES_NODE, TEST_PCAPS, count, delete_indices, es, make_geo_databases, refresh, run_tshark

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


def tshark_count(pcap, display_filter):
    """Packets of `pcap` that tshark's own display filter matches."""
    run = subprocess.run(["tshark", "-r", pcap, "-Y", display_filter, "-T", "fields", "-e", "frame.number"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return len(run.stdout.split())


def first_source(pattern, query):
    refresh(pattern)
    hits = es("POST", f"/{pattern}/_search", {"size": 1, "query": query})["hits"]["hits"]
    return hits[0]["_source"] if hits else None


class TestGeoIP(unittest.TestCase):
    """geoip= and asn= over test_dns.pcap (10.0.0.2 asks 75.75.75.75 and 75.75.76.76),
    with the small databases tests/geoip/make-test-databases writes."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory(prefix="espcap-geo-")
        cls.city, cls.asn, networks = make_geo_databases(cls.folder.name)
        cls.place = networks["city"]["networks"]
        cls.as_ = networks["asn"]["networks"]

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def geo_options(self):
        return ["-X", f"espcap:geoip={self.city}", "-X", f"espcap:asn={self.asn}"]

    def index(self, prefix, *extra):
        delete_indices(f"{prefix}*")
        run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}",
                          "-X", "espcap:daily=false", *self.geo_options(), *extra])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual((run.stats["packets"], run.stats["failed"]), (108, 0))
        return run.stats

    def test_packets_carry_the_databases_values_for_both_addresses(self):
        self.index("it-geo")
        ten, resolver, other = self.place["10.0.0.0/8"], self.place["75.75.75.0/24"], self.place["75.75.76.0/24"]
        self.assertEqual(count("it-geo"), 108)
        # Every packet from 10.0.0.2, and only those, has the 10.0.0.0/8 values.
        from_ten = tshark_count(DNS, "ip.src == 10.0.0.0/8")
        self.assertEqual(count("it-geo", {"term": {"source.geo.country_iso_code": ten["country"]["iso_code"]}}),
                         from_ten)
        self.assertEqual(count("it-geo", {"term": {"source.as.number": self.as_["10.0.0.0/8"]["autonomous_system_number"]}}),
                         from_ten)
        document = first_source("it-geo", {"term": {"source.ip": "10.0.0.2"}})
        self.assertEqual(document["source"]["geo"], {
            "country_iso_code": ten["country"]["iso_code"], "country_name": ten["country"]["names"]["en"],
            "city_name": ten["city"]["names"]["en"],
            "location": {"lat": ten["location"]["latitude"], "lon": ten["location"]["longitude"]}})
        self.assertEqual(document["source"]["as"], {
            "number": self.as_["10.0.0.0/8"]["autonomous_system_number"],
            "organization": {"name": self.as_["10.0.0.0/8"]["autonomous_system_organization"]}})
        # The destination's own values.
        to_resolver = first_source("it-geo", {"term": {"destination.ip": "75.75.75.75"}})
        self.assertEqual(to_resolver["destination"]["geo"]["city_name"], resolver["city"]["names"]["en"])
        self.assertEqual(to_resolver["destination"]["as"]["number"],
                         self.as_["75.75.75.0/24"]["autonomous_system_number"])
        # 75.75.76.76: the city database knows its country alone, the ASN database nothing.
        to_other = first_source("it-geo", {"term": {"destination.ip": "75.75.76.76"}})
        self.assertEqual(to_other["destination"]["geo"], {"country_iso_code": other["country"]["iso_code"],
                                                          "country_name": other["country"]["names"]["en"]})
        self.assertNotIn("as", to_other["destination"])
        self.assertEqual(count("it-geo", {"exists": {"field": "destination.as.number"}}),
                         tshark_count(DNS, "ip.dst == 75.75.75.75") + tshark_count(DNS, "ip.dst == 10.0.0.2"))

        # The location is a geo_point: a geo_distance query finds the packets from 10.0.0.2.
        mapping = es("GET", "/it-geo/_mapping")["it-geo"]["mappings"]["properties"]
        for end in ("source", "destination"):
            geo = mapping[end]["properties"]["geo"]["properties"]
            self.assertEqual(geo["location"]["type"], "geo_point")
            self.assertEqual(geo["country_iso_code"]["type"], "keyword")
            self.assertEqual(mapping[end]["properties"]["as"]["properties"]["number"]["type"], "long")
        near_ten = {"geo_distance": {"distance": "10km", "source.geo.location": {
            "lat": ten["location"]["latitude"], "lon": ten["location"]["longitude"]}}}
        self.assertEqual(count("it-geo", near_ten), from_ten)

    def test_flow_records_carry_the_databases_values(self):
        stats = self.index("it-geo-flows", "-X", "espcap:flows=only")
        self.assertGreater(stats["flow_records"], 0)
        pattern = "it-geo-flows-flows"
        ten = self.place["10.0.0.0/8"]
        # Every flow starts at 10.0.0.2, the host that asks.
        self.assertEqual(count(pattern), stats["flow_records"])
        self.assertEqual(count(pattern, {"term": {"source.geo.country_iso_code": ten["country"]["iso_code"]}}),
                         stats["flow_records"])
        self.assertEqual(count(pattern, {"term": {"source.as.number": self.as_["10.0.0.0/8"]["autonomous_system_number"]}}),
                         stats["flow_records"])
        resolver = self.place["75.75.75.0/24"]["location"]
        box = {"geo_bounding_box": {"destination.geo.location": {
            "top_left": {"lat": resolver["latitude"] + 0.1, "lon": resolver["longitude"] - 0.1},
            "bottom_right": {"lat": resolver["latitude"] - 0.1, "lon": resolver["longitude"] + 0.1}}}}
        self.assertEqual(count(pattern, box), count(pattern, {"term": {"destination.ip": "75.75.75.75"}}))
        self.assertGreater(count(pattern, box), 0)
        mapping = es("GET", f"/{pattern}/_mapping")[pattern]["mappings"]["properties"]
        self.assertEqual(mapping["source"]["properties"]["geo"]["properties"]["location"]["type"], "geo_point")

    def test_a_database_that_cannot_be_used_is_bad_usage_naming_the_file(self):
        garbage = os.path.join(self.folder.name, "not-a-database.mmdb")
        with open(garbage, "w", encoding="utf-8") as f:
            f.write("this is not a MaxMind DB\n")
        missing = os.path.join(self.folder.name, "missing.mmdb")
        for option, path, reason in (("geoip", missing, b"No such file"),
                                     ("asn", garbage, b"metadata"),
                                     ("asn", self.city, b"not an ASN database"),
                                     ("geoip", self.asn, b"give it as asn=")):
            with self.subTest(option=option, path=path):
                run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-geo-bad",
                                  "-X", f"espcap:{option}={path}"])
                self.assertEqual(run.returncode, 1, run.stderr)
                self.assertIn(f"option '{option}'".encode(), run.stderr)
                self.assertIn(path.encode(), run.stderr)
                self.assertIn(reason, run.stderr)
                self.assertIsNone(run.stats)


DNS_FIRST_PACKET = 1439587238  # capinfos -a -S test_dns.pcap (its 108 packets span 12 s)


def dns_capture_on(folder, days_ago):
    """test_dns.pcap moved (editcap -t) to 01:00 UTC of the day `days_ago` days before today."""
    today = int(time.time()) // 86400 * 86400
    shift = today - days_ago * 86400 + 3600 - DNS_FIRST_PACKET
    path = os.path.join(folder, f"dns-{days_ago}-days-ago.pcap")
    subprocess.run(["editcap", "-t", str(shift), DNS, path], check=True)
    return path


def day_name(days_ago):
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - days_ago * 86400))


class TestRetention(unittest.TestCase):
    """The issue's test: espcap's indices of 40 days ago, 10 days ago and today (packets and
    flows) and a hand-made PREFIX-notes; a run with retention=30 leaves all but the first."""

    PREFIX = "it-retention"

    def index(self, pcap, *extra, prefix=PREFIX):
        run = run_tshark(["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}",
                          "-X", "espcap:flows=true", *extra])
        self.assertEqual(run.returncode, 0, run.stderr)
        return run

    def existing(self, pattern):
        return set(es("GET", f"/{pattern}/_mapping") or {})

    def test_retention_deletes_espcap_days_older_than_it_and_nothing_else(self):
        delete_indices(f"{self.PREFIX}*")
        p = self.PREFIX
        with tempfile.TemporaryDirectory() as folder:
            captures = {days: dns_capture_on(folder, days) for days in (40, 10, 0)}
            for days in (40, 10):
                self.index(captures[days])
            # Another prefix that starts like ours, with an old day: never ours to delete.
            self.index(captures[40], prefix=f"{p}-other")
            es("PUT", f"/{p}-notes/_doc/1?refresh=true", {"note": "kept by hand"})
            old, kept = day_name(40), day_name(10)
            self.assertEqual(self.existing(f"{p}-*"),
                             {f"{p}-{old}", f"{p}-flows-{old}", f"{p}-{kept}", f"{p}-flows-{kept}",
                              f"{p}-other-{old}", f"{p}-other-flows-{old}", f"{p}-notes"})

            stats_path = os.path.join(folder, "stats.json")
            city, asn, networks = make_geo_databases(folder)
            run = self.index(captures[0], "-X", "espcap:retention=30", "-X", "espcap:sensor=probe-1",
                             "-X", "espcap:labels=site:lab", "-X", f"espcap:stats_file={stats_path}",
                             "-X", f"espcap:geoip={city}", "-X", f"espcap:asn={asn}")
            with open(stats_path, encoding="utf-8") as f:
                stats = json.load(f)
            today = day_name(0)
            self.assertEqual(self.existing(f"{p}-*"),
                             {f"{p}-{kept}", f"{p}-flows-{kept}", f"{p}-{today}", f"{p}-flows-{today}",
                              f"{p}-other-{old}", f"{p}-other-flows-{old}", f"{p}-notes"})
            self.assertEqual(sorted(stats["indices_deleted"]), [f"{p}-{old}", f"{p}-flows-{old}"])
            self.assertIn(f"retention=30: deleted {p}-{old}".encode(), run.stderr)
            self.assertEqual(stats["packets"], 108)
            self.assertEqual(stats["failed"], 0)
            self.assertEqual(stats["indexed"], 108 + stats["flow_records"])
            self.assertEqual(count(f"{p}-{today}"), 108)
            self.assertEqual(count(f"{p}-notes"), 1)

            refresh(f"{p}-{today}")
            document = es("POST", f"/{p}-{today}/_search", {"size": 1})["hits"]["hits"][0]["_source"]
            self.assertEqual(document["observer"]["name"], "probe-1")
            hostname = subprocess.run(["hostname"], stdout=subprocess.PIPE, check=True, text=True).stdout.strip()
            self.assertEqual(document["observer"]["hostname"], hostname)
            self.assertEqual(document["labels"]["site"], "lab")
            self.assertEqual(document["event"]["kind"], "event")
            # With the small test databases for 10.0.0.0/8: the values they hold.
            asking = es("POST", f"/{p}-{today}/_search",
                        {"size": 1, "query": {"term": {"source.ip": "10.0.0.2"}}})["hits"]["hits"][0]["_source"]
            self.assertEqual(asking["source"]["geo"]["country_iso_code"],
                             networks["city"]["networks"]["10.0.0.0/8"]["country"]["iso_code"])
            self.assertEqual(asking["source"]["as"]["number"],
                             networks["asn"]["networks"]["10.0.0.0/8"]["autonomous_system_number"])

            # Reindexing the old capture with retention on writes nothing that the next
            # sweep would delete: its packets are counted apart, and the counts add up.
            again = self.index(captures[40], "-X", "espcap:retention=30", "-X", f"espcap:stats_file={stats_path}")
            with open(stats_path, encoding="utf-8") as f:
                old_run = json.load(f)
            self.assertEqual((old_run["packets"], old_run["indexed"], old_run["failed"]), (108, 0, 0))
            self.assertEqual(old_run["outside_retention"], 108 + old_run["flow_records"])
            self.assertIn(b"older than retention keeps", again.stderr)
            self.assertNotIn(f"{p}-{old}", self.existing(f"{p}-*"))

    def test_retention_is_a_number_of_days_or_off(self):
        for bad in ("0", "-1", "30d", "36501"):
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:retention={bad}"])
            self.assertEqual(run.returncode, 1, bad)
            self.assertIn(b"'retention'", run.stderr)


if __name__ == "__main__":
    unittest.main()
