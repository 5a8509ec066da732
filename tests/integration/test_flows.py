# SPDX-License-Identifier: GPL-2.0-or-later
"""Flow records (flows=true|only) and Community IDs, checked against Wireshark itself:
each flow equals its row of tshark's conversation tables (-z conv,...), and every
packet's network.community_id equals the Community ID specification's baseline and
Wireshark's own `communityid` post-dissector. Budget: about a minute."""
import collections
import ipaddress
import json
import os
import tempfile
import unittest

from espcap_test import (ES_NODE, ROOT, CORPUS, TEST_PCAPS, all_sources, count, delete_indices, es,
                         run_tshark, summary, tshark_packet_count)

BASELINE = os.path.join(ROOT, "tests", "data", "community-id")
# test_pcaps/ and corpus captures of TCP, UDP (DNS, QUIC, RTP), IPv6 (with fragments),
# ICMP, ICMPv6, SCTP and tunnels (VXLAN, GRE over UDP, VLAN), where every packet's flow
# is one conversation of tshark's tables.
CAPTURES = [os.path.join(TEST_PCAPS, "test_dns.pcap"), os.path.join(TEST_PCAPS, "test_http.pcap")] + [
    os.path.join(CORPUS, name) for name in (
        "5-pings.pcap", "dns-tcp.pcap", "v6-http.pcap", "http-post-upload.pcap", "ipv6-fragmented-dns.pcap",
        "icmp6-nd-options.pcap", "sctp-www.pcap", "vxlan.pcap", "quic_xargs.pcap", "DnsPackets.pcap",
        "icmp_dot1q.pcap", "mdns.pcap")]
# Captures where every packet is IP outside a tunnel, so each belongs to exactly one flow.
# (Elsewhere an IPv6 fragment before the last belongs to no conversation, in tshark's
# tables as in espcap, and a VXLAN packet to two.)
EVERY_PACKET_IN_A_FLOW = {"test_dns.pcap", "test_http.pcap", "5-pings.pcap", "dns-tcp.pcap", "v6-http.pcap",
                          "http-post-upload.pcap"}
# Long enough that no conversation of these captures is split by idleness: tshark's
# tables never split one.
NO_IDLE_SPLIT = "86400"


def wireshark_size(value):
    """A byte count as tshark's conversation tables print it (format_size, SI prefixes)."""
    for power, unit in ((1000 ** 4, "TB"), (1000 ** 3, "GB"), (1000 ** 2, "MB"), (1000, "kB")):
        if value // power >= 10:
            return f"{value // power} {unit}"
    return f"{value} bytes"


def conversations(pcap, display_filter=None):
    """tshark's conversation rows: {table: Counter((a, b, frames b->a, bytes b->a, frames a->b, bytes a->b))},
    of the packets `display_filter` matches when given."""
    def only(spec, table_filter=None):
        filters = [f"({f})" for f in (table_filter, display_filter) if f]
        return spec + ("," + " && ".join(filters) if filters else "")
    run = run_tshark(["-r", pcap, "-q", "-z", only("conv,tcp"), "-z", only("conv,udp"),
                      "-z", only("conv,ip", "!tcp && !udp"), "-z", only("conv,ipv6", "!tcp && !udp")])
    assert run.returncode == 0, run.stderr
    tables = {"TCP": "tcp", "UDP": "udp", "IPv4": "ipv4", "IPv6": "ipv6"}
    rows = collections.defaultdict(collections.Counter)
    table = None
    for line in run.stdout.decode().splitlines():
        if line.endswith(" Conversations"):
            table = tables[line.split()[0]]
        elif table and " <-> " in line:
            a, _, b, *numbers = line.split()
            rx_frames, rx_bytes, rx_unit, tx_frames, tx_bytes, tx_unit = numbers[:6]
            rows[table][(a, b, int(rx_frames), f"{rx_bytes} {rx_unit}", int(tx_frames), f"{tx_bytes} {tx_unit}")] += 1
    return rows


def espcap_documents(test, pcap, *options):
    """Runs espcap into an NDJSON file: (summary, [(id, document)])."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out.ndjson")
        args = ["-r", pcap, "-q", "-X", f"espcap:file={out}"]
        for option in options:
            args += ["-X", f"espcap:{option}"]
        run = run_tshark(args)
        test.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
        with open(out, encoding="utf-8") as file:
            lines = file.read().splitlines()
    documents = []
    for action, document in zip(lines[::2], lines[1::2]):
        meta = json.loads(action)["create"]
        documents.append((meta["_index"], meta["_id"], json.loads(document)))
    return run, documents


def flow_rows(flows):
    """The flows as conversation rows. tshark's IP tables have one row per address pair,
    so flows of several IP protocols between two hosts add up; the row's first address
    is the sender of the pair's first packet."""
    rows = collections.defaultdict(collections.Counter)
    pairs = {}
    for flow in sorted(flows, key=lambda f: (f["flow"]["first_frame"])):
        src, dst = flow["source"], flow["destination"]
        transport = flow["network"]["transport"]
        if transport in ("tcp", "udp"):
            rows[transport][(f"{src['ip']}:{src['port']}", f"{dst['ip']}:{dst['port']}", dst["packets"],
                             wireshark_size(dst["bytes"]), src["packets"], wireshark_size(src["bytes"]))] += 1
            continue
        key = (flow["network"]["type"], frozenset((src["ip"], dst["ip"])))
        pair = pairs.setdefault(key, {"a": src["ip"], "b": dst["ip"], "ab": [0, 0], "ba": [0, 0]})
        forward = src["ip"] == pair["a"]
        pair["ab" if forward else "ba"][0] += src["packets"]
        pair["ab" if forward else "ba"][1] += src["bytes"]
        pair["ba" if forward else "ab"][0] += dst["packets"]
        pair["ba" if forward else "ab"][1] += dst["bytes"]
    for (table, _), pair in pairs.items():
        rows[table][(pair["a"], pair["b"], pair["ba"][0], wireshark_size(pair["ba"][1]),
                     pair["ab"][0], wireshark_size(pair["ab"][1]))] += 1
    return rows


_RUNS = {}


def packets_and_flows(test, pcap):
    """One espcap run per capture with flows=true, shared by the tests: (run, packet
    documents, flow documents with their index)."""
    if pcap not in _RUNS:
        run, documents = espcap_documents(test, pcap, "flows=true", f"flow_timeout={NO_IDLE_SPLIT}")
        packets = [doc for index, _, doc in documents if "-flows-" not in index]
        flows = [(index, doc) for index, _, doc in documents if "-flows-" in index]
        _RUNS[pcap] = (run, packets, flows)
    return _RUNS[pcap]


class TestFlowsEqualWiresharkConversations(unittest.TestCase):
    def test_every_flow_is_one_conversation_with_its_packets_and_bytes(self):
        for pcap in CAPTURES:
            with self.subTest(capture=os.path.basename(pcap)):
                run, _, indexed_flows = packets_and_flows(self, pcap)
                flows = [doc for _, doc in indexed_flows]
                expected = conversations(pcap)
                ours = flow_rows(flows)
                for table in ("tcp", "udp", "ipv4", "ipv6"):
                    self.assertEqual(ours[table], expected[table], f"{table} conversations")
                self.assertIn(f", {len(flows)} flow records".encode(), run.stderr)
                # Every document is a flow, in PREFIX-flows-<day of its first packet>.
                for index, doc in indexed_flows:
                    self.assertEqual(index, "packets-flows-" + doc["event"]["start"][:10])
                if os.path.basename(pcap) in EVERY_PACKET_IN_A_FLOW:
                    self.assertEqual(sum(f["network"]["packets"] for f in flows), tshark_packet_count(pcap))

    def test_a_short_timeout_splits_an_idle_conversation_and_keeps_every_packet(self):
        pcap = os.path.join(TEST_PCAPS, "test_dns.pcap")
        _, long_run = espcap_documents(self, pcap, "flows=only", f"flow_timeout={NO_IDLE_SPLIT}")
        _, short_run = espcap_documents(self, pcap, "flows=only", "flow_timeout=1")
        self.assertGreater(len(short_run), len(long_run))
        # flows=only: flow records and no packet documents.
        self.assertTrue(all("-flows-" in index for index, _, _ in long_run + short_run))
        packets = lambda docs: sum(doc["network"]["packets"] for _, _, doc in docs)
        self.assertEqual(packets(short_run), packets(long_run))
        reasons = collections.Counter(doc["event"]["reason"] for _, _, doc in short_run)
        self.assertGreater(reasons["idle"], 0)


    def test_filter_leaves_the_packets_it_does_not_match_out_of_flows_too(self):
        # filter= applies to every tap espcap listens to, as -z conv's filter does.
        for pcap, display_filter in ((os.path.join(TEST_PCAPS, "test_http.pcap"), "http"),
                                     (os.path.join(TEST_PCAPS, "test_dns.pcap"), "dns.flags.response == 1")):
            with self.subTest(capture=os.path.basename(pcap)):
                _, documents = espcap_documents(self, pcap, "flows=only", f"flow_timeout={NO_IDLE_SPLIT}",
                                                f"filter={display_filter}")
                expected = conversations(pcap, display_filter)
                ours = flow_rows([doc for _, _, doc in documents])
                self.assertGreater(sum(len(rows) for rows in expected.values()), 0)
                for table in ("tcp", "udp", "ipv4", "ipv6"):
                    self.assertEqual(ours[table], expected[table], f"{table} conversations")


class TestFlowRecordsPointToTheirPackets(unittest.TestCase):
    def test_each_flow_lists_its_packets_file_offsets(self):
        """flow.file_offsets, what espcap-pcap reads a flow's packets back by, are the
        offsets tshark gives the conversation's packets (frame.file_off), in order."""
        for pcap in CAPTURES:
            if os.path.basename(pcap) not in EVERY_PACKET_IN_A_FLOW:
                continue
            with self.subTest(capture=os.path.basename(pcap)):
                _, _, indexed_flows = packets_and_flows(self, pcap)
                run = run_tshark(["-r", pcap, "-o", "frame.show_file_off:TRUE", "-T", "fields", "-E", "separator=/t",
                                  "-e", "frame.file_off", "-e", "tcp.stream", "-e", "udp.stream", "-e", "icmp.type",
                                  "-e", "icmpv6.type"])
                self.assertEqual(run.returncode, 0, run.stderr)
                by_stream = collections.defaultdict(list)
                every_offset = []
                for line in run.stdout.decode().splitlines():
                    offset, tcp, udp, icmp, icmpv6 = (line.split("\t") + [""] * 5)[:5]
                    every_offset.append(int(offset))
                    if not icmp and not icmpv6:  # a quoted header belongs to the ICMP flow
                        for transport, stream in (("tcp", tcp), ("udp", udp)):
                            if stream:
                                by_stream[(transport, int(stream.split(",")[0]))].append(int(offset))
                listed = []
                for _, flow in indexed_flows:
                    offsets = flow["flow"]["file_offsets"]
                    self.assertNotIn("file_offsets_complete", flow["flow"])
                    listed += offsets
                    transport = flow["network"]["transport"]
                    if transport in ("tcp", "udp"):
                        self.assertEqual(offsets, by_stream[(transport, flow["flow"]["stream"])])
                self.assertEqual(sorted(listed), sorted(every_offset))


class TestCommunityId(unittest.TestCase):
    def test_packets_carry_the_specification_baseline_ids(self):
        pcap = os.path.join(BASELINE, "combined.pcap.gz")
        with open(os.path.join(BASELINE, "baseline_deflt.json"), encoding="utf-8") as file:
            baseline = json.load(file)
        _, documents = espcap_documents(self, pcap, "flows=true")
        packets = [doc for index, _, doc in documents if "-flows" not in index]
        flows = [doc for index, _, doc in documents if "-flows" in index]
        ours = {doc["network"]["community_id"] for doc in packets if "community_id" in doc.get("network", {})}
        self.assertEqual(ours, {row["communityid"] for row in baseline})
        # Each flow record names its packets' id.
        self.assertTrue({doc["network"]["community_id"] for doc in flows} <= ours)
        # ARP has no flow and no id.
        arp = [doc for doc in packets if doc["protocol"] == "arp"]
        self.assertTrue(arp)
        self.assertFalse(any("community_id" in doc.get("network", {}) for doc in arp))

    def test_packets_carry_the_id_wiresharks_post_dissector_computes(self):
        for pcap in CAPTURES:
            with self.subTest(capture=os.path.basename(pcap)):
                run = run_tshark(["-r", pcap, "--enable-protocol", "communityid", "-T", "fields",
                                  "-e", "frame.number", "-e", "communityid"])
                expected = {}
                for line in run.stdout.decode().splitlines():
                    frame, _, value = line.partition("\t")
                    if value:
                        expected[int(frame)] = value
                _, packets, _ = packets_and_flows(self, pcap)
                ours = {int(doc["layers"]["frame"]["frame_frame_number"]): doc["network"]["community_id"]
                        for doc in packets if "community_id" in doc.get("network", {})}
                self.assertEqual(ours, expected)


class TestFlowsInElasticsearch(unittest.TestCase):
    PREFIX = "it-flows"

    def test_flows_index_links_to_packets_and_a_second_run_adds_nothing(self):
        delete_indices(f"{self.PREFIX}*")
        pcap = os.path.join(TEST_PCAPS, "test_dns.pcap")
        args = ["-r", pcap, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={self.PREFIX}",
                "-X", "espcap:flows=true"]
        first = run_tshark(args)
        self.assertEqual(first.returncode, 0, first.stderr)
        packets = tshark_packet_count(pcap)
        flow_count = sum(sum(rows.values()) for rows in conversations(pcap).values())
        self.assertEqual(summary(first), (packets, packets + flow_count, 0))
        self.assertIn(f", {flow_count} flow records".encode(), first.stderr)
        self.assertEqual(count(f"{self.PREFIX}-flows-*"), flow_count)
        self.assertEqual(count(f"{self.PREFIX}-2*"), packets)
        mapping = es("GET", f"/{self.PREFIX}-flows-*/_mapping")
        properties = next(iter(mapping.values()))["mappings"]["properties"]
        self.assertEqual(properties["network"]["properties"]["community_id"]["type"], "keyword")
        self.assertEqual(properties["source"]["properties"]["bytes"]["type"], "long")
        self.assertEqual(properties["event"]["properties"]["start"]["type"], "date_nanos")
        # From the biggest flow to its packets: its Community ID in the packets index.
        top = es("POST", f"/{self.PREFIX}-flows-*/_search",
                 {"size": 1, "sort": [{"network.bytes": "desc"}]})["hits"]["hits"][0]["_source"]
        linked = count(f"{self.PREFIX}-2*", {"bool": {"filter": [
            {"term": {"network.community_id": top["network"]["community_id"]}},
            {"range": {"layers.frame.frame_frame_number": {"gte": top["flow"]["first_frame"],
                                                          "lte": top["flow"]["last_frame"]}}}]}})
        self.assertEqual(linked, top["network"]["packets"])
        # Deterministic ids: the same capture again creates nothing.
        second = run_tshark(args)
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(summary(second), (packets, 0, 0))
        self.assertIn(f"{packets + flow_count} already indexed".encode(), second.stderr)
        self.assertEqual(count(f"{self.PREFIX}-flows-*"), flow_count)
        delete_indices(f"{self.PREFIX}*")


if __name__ == "__main__":
    unittest.main()
