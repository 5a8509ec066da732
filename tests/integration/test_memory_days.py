# SPDX-License-Identifier: GPL-2.0-or-later
"""Memory that does not grow with the days a capture spans (issue 13, item 10).

espcap keeps state per day index: which fields it has seen there, and how the node maps
them. A capture over years, or one with nonsense timestamps, must cost no more than a
capture of one day: only the indices used last keep their state, and an index that
comes back is read again from the node, never left to map its fields dynamically.

The captures are built from a few packets of test_http.pcap with editcap -t and mergecap:
copies shifted by whole days (one index each) or by seconds (all in one index)."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from espcap_test import ES_NODE, TEST_PCAPS, count, delete_indices, es, fields_with_several_types, index_counts, \
    summary, tshark_env
from hostile_server import HostileServer

HTTP = os.path.join(TEST_PCAPS, "test_http.pcap")  # all on 2015-07-30, from 05:22
BASE_PACKETS = 8  # a TCP handshake, an HTTP request and its reply: many typed fields
DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")
DNS_PACKETS = 4  # two queries and their answers; the third packet has an A record
DNS_TO_HTTP_DAY = 1439587238 - 1438233730  # from 2015-08-14 21:20 to the HTTP packets' 2015-07-30 05:22
DAY = 86400
MEMORY_DAYS = int(os.environ.get("ESPCAP_MEMORY_DAYS", "3000"))
# The days indexed into Elasticsearch: each costs the node seconds to create on a loaded
# machine, and its default allows 1000 shards. Twice the most indices espcap remembers,
# visited twice, so every index is forgotten and comes back.
TYPED_DAYS = 40
SAMPLE_SECONDS = 0.05


def editcap(*args):
    subprocess.run(["editcap", *args], check=True, stdout=subprocess.DEVNULL)


def mergecap(output, inputs, concatenate=False):
    subprocess.run(["mergecap", *(["-a"] if concatenate else []), "-w", output, *inputs], check=True,
                   stdout=subprocess.DEVNULL)


def copies(directory, base, count, step_seconds, name):
    """`count` copies of `base`, copy i shifted by i * step_seconds: built by doubling, so
    a few dozen editcap and mergecap runs make thousands of copies."""
    blocks, block, size = [], base, 1  # block: `size` consecutive copies
    left, offset, k = count, 0, 0
    while True:
        if left & 1:
            shifted = os.path.join(directory, f"{name}-at-{offset}.pcap")
            editcap("-t", str(offset * step_seconds), block, shifted)
            blocks.append(shifted)
            offset += size
        left >>= 1
        if not left:
            break
        doubled = os.path.join(directory, f"{name}-block-{k}.pcap")
        later = os.path.join(directory, f"{name}-block-{k}-later.pcap")
        editcap("-t", str(size * step_seconds), block, later)
        mergecap(doubled, [block, later])
        block, size, k = doubled, size * 2, k + 1
    output = os.path.join(directory, f"{name}.pcap")
    mergecap(output, blocks)
    return output


def run_sampled(args):
    """tshark's exit status, stderr, and its RSS sampled while it runs (max, MiB)."""
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(["tshark", *args], stdout=subprocess.DEVNULL, stderr=err, env=tshark_env())
        deadline = time.monotonic() + 600
        highest_kib = 0
        while process.poll() is None and time.monotonic() < deadline:
            try:
                with open(f"/proc/{process.pid}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            highest_kib = max(highest_kib, int(line.split()[1]))
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(SAMPLE_SECONDS)  # a sampling period, not a wait for an outcome
        if process.poll() is None:
            process.kill()
            raise AssertionError("tshark still running after 600 s")
        err.seek(0)
        return process.returncode, err.read(), highest_kib / 1024


class TestMemoryOverManyDays(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.base = os.path.join(cls.tmp, "base.pcap")
        editcap("-r", HTTP, cls.base, f"1-{BASE_PACKETS}")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_a_capture_over_3000_days_costs_what_one_day_costs(self):
        """RSS sampled over the run, against a node that answers index and mapping calls
        like Elasticsearch (thousands of real day indices would take the node hours)."""
        over_days = copies(self.tmp, self.base, MEMORY_DAYS, DAY, "days")
        one_day = copies(self.tmp, self.base, MEMORY_DAYS, 1, "seconds")
        packets = MEMORY_DAYS * BASE_PACKETS
        peaks = {}
        for name, capture in (("one day", one_day), (f"{MEMORY_DAYS} days", over_days)):
            with HostileServer(bulk="accept_all", mapping="empty_indices") as server:
                status, stderr, peaks[name] = run_sampled(["-r", capture, "-q", "-X", f"espcap:node={server.node}",
                                                           "-X", "espcap:spool=off"])
                created = {r for r in server.requests if r.startswith("PUT /packets-") and r.count("/") == 1}
            self.assertEqual(status, 0, stderr)
            self.assertEqual(summary(stderr), (packets, packets, 0), stderr)
            self.assertEqual(len(created), 1 if name == "one day" else MEMORY_DAYS)
        ratio = peaks[f"{MEMORY_DAYS} days"] / peaks["one day"]
        print(f"\n{packets} packets: RSS {peaks['one day']:.0f} MiB over one day, "
              f"{peaks[f'{MEMORY_DAYS} days']:.0f} MiB over {MEMORY_DAYS} days (ratio {ratio:.2f})")
        # Measured on a loaded 2-core machine: 1.37 before the state was bounded (+79 MiB,
        # about 26 KiB per day), 1.17 after (+35 MiB, most of it the same at 6,000 days).
        self.assertLess(ratio, 1.25, peaks)

    def test_forgotten_indices_come_back_with_their_types(self):
        """Indexed into Elasticsearch: every day gets HTTP packets, then, after every
        index was forgotten, DNS packets with fields new to it. They must be mapped
        before they are sent (the A record as ip, not as a dynamic keyword), and no field
        may end up mapped two ways."""
        prefix = "it-many-days"
        delete_indices(prefix + "*")
        try:
            http_days = copies(self.tmp, self.base, TYPED_DAYS, DAY, "typed-http")
            dns_base = os.path.join(self.tmp, "dns-base.pcap")
            editcap("-r", "-t", str(-DNS_TO_HTTP_DAY), DNS, dns_base, f"1-{DNS_PACKETS}")
            dns_days = copies(self.tmp, dns_base, TYPED_DAYS, DAY, "typed-dns")
            capture = os.path.join(self.tmp, "typed.pcap")
            mergecap(capture, [http_days, dns_days], concatenate=True)  # day 0 again after day 39
            packets = TYPED_DAYS * (BASE_PACKETS + DNS_PACKETS)
            status, stderr, _ = run_sampled(["-r", capture, "-q", "-X", f"espcap:node={ES_NODE}",
                                             "-X", f"espcap:index={prefix}"])
            self.assertEqual(status, 0, stderr)
            self.assertEqual(summary(stderr), (packets, packets, 0), stderr)
            self.assertEqual(count(prefix + "-*"), packets)
            counts = index_counts(prefix + "-*")
            self.assertEqual(len(counts), TYPED_DAYS)
            self.assertEqual(set(counts.values()), {BASE_PACKETS + DNS_PACKETS})
            self.assertEqual(fields_with_several_types(prefix + "-*"), {})
            caps = es("GET", f"/{prefix}-*/_field_caps?fields=layers.dns.dns_dns_a,layers.tcp.tcp_tcp_srcport")
            self.assertEqual(list(caps["fields"]["layers.dns.dns_dns_a"]), ["ip"])
            self.assertEqual(list(caps["fields"]["layers.tcp.tcp_tcp_srcport"]), ["long"])
        finally:
            delete_indices(prefix + "*")


if __name__ == "__main__":
    unittest.main()
