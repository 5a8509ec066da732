# SPDX-License-Identifier: GPL-2.0-or-later
"""Flow records of a live capture: tcpreplay sends test_http.pcap, then test_dns.pcap
slowly, over a veth pair inside a network namespace this test creates; dumpcap captures
there and tshark -i - -w FILE with espcap (flows=true) reads its stream. A flow's record
must be in Elasticsearch while the capture still runs once the flow has ended (FIN or
RST, then close_delay; or idle for flow_timeout: the slow DNS packets move packet time
on), and on Ctrl-C every flow still open is written. A flow that goes on has its record
updated meanwhile (flow_update=1): same id, the newest version wins. In the end every
record is a final one and the flows equal Wireshark's conversation tables of the file
tshark wrote. Budget: about 30 seconds."""
import re
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from espcap_test import ES_NODE, TEST_PCAPS, all_sources, count, delete_indices, es, summary, tshark_env, \
    tshark_packet_count
from netns_link import CapturePipe, NamespacedLink
from test_flows import conversations, flow_rows

PREFIX = "it-liveflows"


def flows_index_ready():
    """The flows index exists and its shard is searchable (just after espcap creates it,
    a search fails with 503)."""
    try:
        health = es("GET", f"/_cluster/health/{PREFIX}-flows-*?wait_for_status=yellow&timeout=10s")
    except AssertionError:  # 408: not yet
        return False
    return bool(health) and health["status"] in ("yellow", "green") and health["active_shards"] > 0


def have_tools():
    return all(shutil.which(tool) for tool in ("tcpreplay", "dumpcap", "ip"))


@unittest.skipUnless(os.geteuid() == 0 and have_tools(), "needs root, tcpreplay and dumpcap")
class TestLiveFlows(unittest.TestCase):
    def test_ended_flows_are_written_during_the_capture_and_open_ones_on_ctrl_c(self):
        delete_indices(f"{PREFIX}*")
        with tempfile.TemporaryDirectory() as tmp, NamespacedLink("espcap-lflows", ("fv0", "fv1")) as link:
            written = os.path.join(tmp, "live.pcapng")
            # IPv4 only: the kernel's own IPv6 neighbour discovery on a new link is not ours.
            pipe = CapturePipe(link, "fv1",
                               ["-q", "-w", written, "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={PREFIX}",
                                "-X", "espcap:flows=true", "-X", "espcap:flow_timeout=3", "-X", "espcap:flow_update=1",
                                "-X", "espcap:flush_interval=0.2", "-X", f"espcap:spool={tmp}/spool"],
                               ["-f", "ip"], env=tshark_env())
            with pipe:
                reader = pipe.reader
                pipe.wait_until_capturing()
                for pcap, pps in (("test_http.pcap", 500), ("test_dns.pcap", 15)):
                    replay = subprocess.run(link.run("tcpreplay", "-i", "fv0", f"--pps={pps}",
                                                     os.path.join(TEST_PCAPS, pcap)),
                                            capture_output=True, timeout=120)
                    self.assertEqual(replay.returncode, 0, replay.stderr)

                # Ended flows reach Elasticsearch while tshark still captures.
                during = []
                deadline = time.monotonic() + 60
                while not during and time.monotonic() < deadline and reader.poll() is None:
                    if flows_index_ready() and count(f"{PREFIX}-flows-*"):
                        during = all_sources(f"{PREFIX}-flows-*")
                    else:
                        time.sleep(0.5)
                self.assertIsNone(reader.poll(), pipe.stderr["tshark"])
                reader.send_signal(signal.SIGINT)  # Ctrl-C
                reader.wait(timeout=300)
                pipe.end_capture(timeout=0)
            err = pipe.stderr

            packets = tshark_packet_count(written)
            expected = conversations(written)

        flows = all_sources(f"{PREFIX}-flows-*")
        report = err["tshark"].decode(errors="replace")
        self.assertEqual(reader.returncode, 0, report)
        self.assertGreater(packets, 1268, report)  # test_http's packets and some of test_dns's
        # Written during the capture: records of flows that ended (for one of the reasons a
        # live flow ends) or updates of flows going on (no reason yet).
        self.assertTrue(during, report)
        self.assertTrue({flow["event"].get("reason") for flow in during} <= {"fin", "rst", "idle", None}, during)
        updates = int(re.search(rb", (\d+) flow updates", err["tshark"]).group(1))
        self.assertGreater(updates, 0, report)
        # After Ctrl-C: every flow's final record, open ones included, and nothing twice.
        reasons = [flow["event"].get("reason") for flow in flows]
        self.assertNotIn(None, reasons)
        self.assertIn("capture_end", reasons)
        ours = flow_rows(flows)
        for table in ("tcp", "udp", "ipv4", "ipv6"):
            self.assertEqual(ours[table], expected[table], f"{table} conversations")
        self.assertEqual(sum(flow["network"]["packets"] for flow in flows), packets)
        total, indexed, failed = summary(err["tshark"])
        # An update that reaches the index after a newer version of its record is refused
        # (409) and counted as already indexed.
        already = re.search(rb", (\d+) already indexed", err["tshark"])
        already = int(already.group(1)) if already else 0
        self.assertEqual((total, indexed + already, failed), (packets, packets + len(flows) + updates, 0), report)
        self.assertIn(f", {len(flows)} flow records".encode(), err["tshark"])
        self.assertEqual(count(f"{PREFIX}-2*"), packets)
        delete_indices(f"{PREFIX}*")


if __name__ == "__main__":
    unittest.main()
