# SPDX-License-Identifier: GPL-2.0-or-later
"""A live link faster than Elasticsearch: tcpreplay sends a capture at a fixed rate over a
veth pair inside a network namespace this test creates, dumpcap captures it there, and
tshark with espcap reads dumpcap's stream. Elasticsearch is held to a fraction of a core
(a cgroup CPU quota on its JVM), so the link is well above what it indexes per second.
espcap must not make the capture drop a packet: what Elasticsearch cannot take yet goes to
the spool, and after the capture every captured packet is in Elasticsearch."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from espcap_test import (ES_NODE, ES_URL, ROOT, TEST_PCAPS, count, delete_indices, summary, tshark_env,
                         tshark_packet_count)
from netns_link import CapturePipe, NamespacedLink

ES_SERVER = os.path.join(ROOT, "tests", "es-server")
REPLAYED = re.compile(rb"Actual: (\d+) packets")
CGROUP_CPU = "/sys/fs/cgroup/cpu"


class ThrottledElasticsearch:
    """The local Elasticsearch's JVM in a cgroup with a CPU quota (a real, slow node)."""

    def __init__(self, share):
        self.share = share

    def __enter__(self):
        pid_file = f"/var/tmp/espcap-es/run/es-{ES_URL.rsplit(':', 1)[1]}.pid"
        with open(pid_file) as f:
            self.pid = f.read().strip()
        self.group = os.path.join(CGROUP_CPU, f"espcap-rate-{os.getpid()}")
        os.makedirs(self.group, exist_ok=True)
        with open(os.path.join(self.group, "cpu.cfs_period_us"), "w") as f:
            f.write("100000")
        with open(os.path.join(self.group, "cpu.cfs_quota_us"), "w") as f:
            f.write(str(int(100000 * self.share)))
        self.move_threads(self.group)
        return self

    def move_threads(self, group):
        # cgroup v1 "tasks" takes one thread at a time; "cgroup.procs" moves the process.
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(self.pid)

    def __exit__(self, *exc):
        self.move_threads(CGROUP_CPU)
        os.rmdir(self.group)


def have_tools():
    return all(shutil.which(tool) for tool in ("tcpreplay", "dumpcap", "ip")) and os.path.isdir(CGROUP_CPU)


@unittest.skipUnless(os.geteuid() == 0 and have_tools(), "needs root, tcpreplay, dumpcap and cgroup v1 cpu")
class TestLinkFasterThanElasticsearch(unittest.TestCase):
    RATE = int(os.environ.get("ESPCAP_RATE_PPS", "3000"))
    SECONDS = int(os.environ.get("ESPCAP_RATE_SECONDS", "10"))

    def test_no_packet_dropped_and_every_packet_stored(self):
        delete_indices("it-rate-*")
        capture = os.path.join(TEST_PCAPS, "test_http.pcap")
        total = self.RATE * self.SECONDS
        with tempfile.TemporaryDirectory() as tmp, NamespacedLink("espcap-rate", ("rv0", "rv1")) as link:
            spool = os.path.join(tmp, "spool")
            with CapturePipe(link, "rv1", ["-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-rate",
                                           "-X", f"espcap:spool={spool}", "-X", "espcap:retry_seconds=5"],
                             env=tshark_env()) as pipe:
                pipe.wait_until_capturing()
                with ThrottledElasticsearch(share=0.25):
                    replay = subprocess.run(link.run("tcpreplay", "-i", "rv0", f"--pps={self.RATE}",
                                                     f"--limit={total}", "--loop=0", capture),
                                            capture_output=True, timeout=self.SECONDS * 10 + 60)
                    self.assertEqual(replay.returncode, 0, replay.stderr)
                    pipe.end_capture(timeout=0)  # Ctrl-C
                pipe.reader.wait(timeout=900)
        err = pipe.stderr
        sent = int(REPLAYED.search(replay.stdout).group(1))
        received, dropped = pipe.counts()
        self.assertEqual(sent, total)
        self.assertEqual(dropped, 0, err["dumpcap"])
        packets, indexed, failed = summary(err["tshark"])
        self.assertEqual(failed, 0, err["tshark"])
        self.assertEqual(packets, received, err["tshark"])
        self.assertEqual(count("it-rate-*"), packets)
        delete_indices("it-rate-*")


if __name__ == "__main__":
    unittest.main()
