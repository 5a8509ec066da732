# SPDX-License-Identifier: GPL-2.0-or-later
"""espcap-pcap filter=: every display filter of display_filters.txt, and each protocol
its captures hold tested alone, answers exactly what `tshark -r ORIGINAL -Y FILTER`
selects: the same packets, byte for byte (bytes, nanosecond times, lengths, link type,
interface), each commented with its file and frame, or it is refused (exit 1) in
tshark's own words when tshark refuses it. The engine only narrows the candidates
(retrieve/filter_narrowing.h); the protocol filters check the fact that narrowing relies
on: a packet tshark finds protocol P in has P in its document.

tshark's selections are made once per tshark version, capture and filter and then read
from the reference cache (ek_reference.reference_output). Runs against Elasticsearch, or
OpenSearch with ESPCAP_ENGINE=opensearch. Measured 250-265 s per engine at load 5-9
(about 220 s of CPU: the tshark passes espcap-pcap makes over the candidate files).
"""
import collections
import concurrent.futures
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from ek_reference import reference_output
from espcap_test import (assert_engine_is_expected, ENGINE, ES_NODE, CORPUS, TEST_PCAPS, es, refresh, delete_indices,
                         run_tshark)
from test_retrieval import index, read_pcapng

INDEX = "it-dfilters"
NO_FILE_INDEX = "it-dfnofile"  # its document has no file
REPLACED_INDEX = "it-dfreplaced"
# Five captures: every filter costs espcap-pcap two tshark passes per candidate file,
# and tshark's reference one per file (cached). Together they hold IPv4 and IPv6, HTTP,
# DNS over both, mDNS, ICMPv6 neighbour discovery, IPv6 fragments, PPP, MPLS and ICMP
# errors quoting IP and UDP.
CAPTURES = [os.path.join(TEST_PCAPS, name) for name in ("test_dns.pcap", "test_http.pcap")] + \
    [os.path.join(CORPUS, name) for name in ("ipv6-fragmented-dns.pcap", "mpls-traceroute.pcap", "v6-http.pcap")]
FILTER_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "display_filters.txt")
CANDIDATES = re.compile(rb"espcap-pcap: (\d+) documents match")
WORKERS = 2


def listed_filters(path=FILTER_FILE):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def protocols_of(pcap):
    """Every protocol frame.protocols names in the capture."""
    lines = reference_output(pcap, ["-T", "fields", "-e", "frame.protocols"]).decode().split()
    return {name for line in lines for name in line.split(":")}


def all_filters():
    """The listed filters, then each protocol of the captures not listed alone."""
    listed = listed_filters()
    protocols = sorted(set().union(*(protocols_of(pcap) for pcap in CAPTURES)) - set(listed))
    return listed + protocols


def espcap_pcap(*args):
    return subprocess.run(["espcap-pcap", f"node={ES_NODE}", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=300, check=False)


class Reference:
    """tshark's own answers for the captures: every packet as `tshark -w` writes it, by
    frame number, and the frames `-Y FILTER` selects; both from the reference cache."""

    def __init__(self, directory):
        self.packets = {}
        for pcap in CAPTURES:
            whole = os.path.join(directory, os.path.basename(pcap) + ".all.pcapng")
            with open(whole, "wb") as f:
                f.write(reference_output(pcap, ["-F", "pcapng", "-w", "-"]))
            self.packets[pcap] = read_pcapng(whole)[0]

    @staticmethod
    def frames(pcap, display_filter):
        out = reference_output(pcap, ["-Y", display_filter, "-T", "fields", "-e", "frame.number"])
        return [int(line) for line in out.split()]

    def selection(self, display_filter):
        """(packets, Counter of 'FILE frame N') that tshark selects in all captures."""
        rows, sources = [], collections.Counter()
        for pcap in CAPTURES:
            for frame in self.frames(pcap, display_filter):
                rows.append(self.packets[pcap][frame - 1])
                sources[f"espcap-pcap: {pcap} frame {frame}"] += 1
        return rows, sources


def tshark_refusal(display_filter):
    """tshark's words for a filter it does not compile, or None."""
    with tempfile.NamedTemporaryFile(suffix=".pcap") as empty:
        empty.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
        empty.flush()
        run = run_tshark(["-r", empty.name, "-Y", display_filter])
    if run.returncode == 0:
        return None
    return [line for line in run.stderr.decode(errors="replace").splitlines() if line.startswith("tshark: ")][0][8:]


class TestDisplayFilters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        assert_engine_is_expected()
        cls.tmp = tempfile.mkdtemp(prefix="espcap-dfilters-")
        delete_indices(f"{INDEX},{INDEX}-*")
        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            reference = pool.submit(Reference, cls.tmp)
            cls.documents = sum(pool.map(lambda pcap: index(pcap, INDEX), CAPTURES))
            cls.reference = reference.result()
        refresh(f"{INDEX}-*")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def answer(self, number, display_filter):
        """espcap-pcap's and tshark's answers to one filter, and how long espcap-pcap took."""
        out = os.path.join(self.tmp, f"answer-{number}.pcapng")
        started = time.monotonic()
        run = espcap_pcap(f"index={INDEX}", "absolute_paths=true", f"filter={display_filter}", "count=true",
                          "-w", out)
        took = time.monotonic() - started
        got = read_pcapng(out) if os.path.exists(out) else ([], [])
        if os.path.exists(out):
            os.remove(out)
        refusal = tshark_refusal(display_filter) if run.returncode == 1 else None
        expected = self.reference.selection(display_filter) if refusal is None else ([], collections.Counter())
        return run, got, expected, refusal, took

    def test_each_filter_selects_the_packets_tshark_selects(self):
        filters = all_filters()
        self.assertGreaterEqual(len(filters), 100)
        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            answers = list(pool.map(self.answer, range(len(filters)), filters))
        selecting = refused = candidates = 0
        for display_filter, (run, (rows, comments), (expected, sources), refusal, took) in zip(filters, answers):
            with self.subTest(filter=display_filter):
                stderr = run.stderr.decode(errors="replace")
                if refusal is not None:
                    # Refused as tshark refuses it, with nothing searched or written.
                    self.assertEqual(run.returncode, 1, stderr)
                    self.assertIn(refusal, stderr)
                    self.assertEqual(run.stdout, b"")
                    refused += 1
                    continue
                self.assertEqual(run.returncode, 0, stderr)
                self.assertEqual(run.stdout.decode().strip(), str(len(expected)))
                self.assertEqual(len(rows), len(expected))
                self.assertTrue(sorted(rows) == sorted(expected), "the packets differ from tshark's")
                named = collections.Counter(c.split(" (offset")[0] for cs in comments for c in cs)
                self.assertEqual(named, sources)
                found = CANDIDATES.search(run.stderr)
                candidates += int(found.group(1)) if found else 0
                selecting += bool(expected)
        print(f"\n{len(filters)} filters on {ENGINE}: {selecting} select packets, {refused} refused; "
              f"{candidates} candidates in all (without narrowing: {len(filters) - refused} x {self.documents}); "
              f"espcap-pcap took {sum(a[4] for a in answers):.0f} s in all", flush=True)
        self.assertGreater(selecting, len(filters) * 3 // 4)  # most filters select something

    def test_a_filter_combines_with_a_query(self):
        # protocol:dns leaves out the ICMP errors that quote DNS and mDNS (its own
        # protocol, with dns fields); filter= keeps the queries among the rest.
        run = espcap_pcap(f"index={INDEX}", "absolute_paths=true", "list=true", "query=protocol:dns",
                          "filter=dns.flags.response == 0")
        self.assertEqual(run.returncode, 0, run.stderr)
        got = {(line.rsplit(" frame ", 1)[0].split("  ")[-1], int(line.rsplit(" frame ", 1)[1]))
               for line in run.stdout.decode().splitlines()}
        expected = {(pcap, frame) for pcap in CAPTURES
                    for frame in Reference.frames(pcap, "dns.flags.response == 0 && !icmp && !icmpv6 && !mdns")}
        self.assertEqual(got, expected)
        self.assertGreater(len(got), 0)

    def test_the_narrowing_reads_fewer_documents_and_says_so(self):
        run = espcap_pcap(f"index={INDEX}", "absolute_paths=true", "count=true", "filter=icmp && ip.src == 12.0.0.0/8")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn(b"narrows the search to packets that may hold icmp and ip.src", run.stderr)
        icmp_packets = sum(len(Reference.frames(pcap, "icmp")) for pcap in CAPTURES)
        self.assertEqual(int(CANDIDATES.search(run.stderr).group(1)), icmp_packets)
        run = espcap_pcap(f"index={INDEX}", "absolute_paths=true", "count=true", "filter=!dns")
        self.assertIn(b"does not narrow the search: every document is a candidate", run.stderr)
        self.assertEqual(int(CANDIDATES.search(run.stderr).group(1)), self.documents)

    def test_a_wrong_filter_is_refused_in_wireshark_s_words(self):
        for display_filter, words in (("tcp.port ==", "Unexpected end of filter expression"),
                                      ("foo.bar == 1", "foo.bar"), ("dns) || (frame", "was unexpected")):
            run = espcap_pcap(f"index={INDEX}", f"filter={display_filter}", "count=true")
            self.assertEqual(run.returncode, 1, run.stderr)
            self.assertIn(words, run.stderr.decode())
            self.assertEqual(run.stdout, b"")

    def test_a_replaced_capture_is_reported_not_filtered(self):
        # The filter pass finds nothing of test_dns.pcap's in test_http.pcap; the check
        # pass that follows says why.
        copy = os.path.join(self.tmp, "replaced.pcap")
        shutil.copyfile(os.path.join(TEST_PCAPS, "test_dns.pcap"), copy)
        try:
            index(copy, REPLACED_INDEX)
            refresh(f"{REPLACED_INDEX}-*")
            shutil.copyfile(os.path.join(TEST_PCAPS, "test_http.pcap"), copy)
            run = espcap_pcap(f"index={REPLACED_INDEX}", "absolute_paths=true", "filter=dns", "count=true")
            self.assertEqual(run.returncode, 2, run.stderr)
            self.assertIn(f"not delivered: 108 packets from {copy}: changed since it was indexed".encode(), run.stderr)
        finally:
            delete_indices(f"{REPLACED_INDEX}-*")

    def test_documents_without_a_file_are_refused_only_when_they_are_candidates(self):
        hit = es("POST", f"/{INDEX}-*/_search", {"size": 1, "query": {"term": {"protocol": "dns"}}})
        document = hit["hits"]["hits"][0]["_source"]
        document.pop("file_name", None)
        try:
            es("PUT", f"/{NO_FILE_INDEX}/_doc/1?refresh=true", document)
            # A DNS packet over UDP: a candidate of filter=dns, refused rather than guessed.
            run = espcap_pcap(f"index={NO_FILE_INDEX}", "filter=dns", "count=true")
            self.assertEqual(run.returncode, 1, run.stderr)
            self.assertIn(b"filter= cannot be decided for 1 document from live captures", run.stderr)
            # Not a candidate of filter=tcp: the answer is exact without it.
            run = espcap_pcap(f"index={NO_FILE_INDEX}", "filter=tcp", "count=true")
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stdout, b"0\n")
        finally:
            delete_indices(NO_FILE_INDEX)


if __name__ == "__main__":
    unittest.main()
