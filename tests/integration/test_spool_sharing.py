# SPDX-License-Identifier: GPL-2.0-or-later
"""Several espcap processes sharing one spool folder (issue 13, item 7): two tshark runs
spooling at once keep the folder within spool_max together, every batch is on disk
(folder synced) before it counts as spooled, and two espcap-replay runs started at once
both end with exit 0 and every document stored once.

The node the runs spool for is down the way a stopped Elasticsearch is: nothing listens
on its port. The files are then moved to the folder of the test's Elasticsearch, as a
person would move a spool to another node, and replayed there."""
import gzip
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from espcap_test import ES_NODE, TEST_PCAPS, count, delete_indices, run_tshark, summary, tshark_env
from nginx_proxy import free_port

HTTP = os.path.join(TEST_PCAPS, "test_http.pcap")  # 1268 packets
HTTP_PACKETS = 1268
INDEX = "it-spool-shared"
# Small batches, so each run spools dozens of files and the bound falls between them.
SMALL_BATCHES = ["-X", "espcap:chunk=40", "-X", "espcap:timeout=1", "-X", "espcap:retry_seconds=1"]
SPOOLED = re.compile(rb"(\d+) spooled to ")
REPLAYED = re.compile(rb"(\d+) replayed \((\d+) indexed, (\d+) already indexed\), (\d+) failed; (\d+) files left")


def folder_bytes(folder):
    return sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder) if not name.startswith("."))


def documents_in(folder):
    documents = 0
    for name in os.listdir(folder):
        if name.endswith(".ndjson.gz"):
            with gzip.open(os.path.join(folder, name)) as f:
                documents += sum(1 for line in f if line.strip()) // 2
    return documents


def whole_calls(lines):
    """strace -f lines with each call interrupted by another thread put back together."""
    started, calls = {}, []
    for line in lines:
        thread, _, rest = line.partition(" ")
        if rest.endswith("<unfinished ...>"):
            started[thread] = rest[: -len("<unfinished ...>")].rstrip()
        elif rest.lstrip().startswith("<... ") and thread in started:
            calls.append(f"{thread} {started.pop(thread)}{rest.split('resumed>', 1)[1]}")
        else:
            calls.append(line)
    return calls


def finished(process, timeout=600):
    """(exit status, stderr) of a process started with stderr=PIPE, once it ends."""
    _, stderr = process.communicate(timeout=timeout)
    return process.returncode, stderr


def spool_run(spool, node, *more):
    """A tshark process spooling test_http.pcap for `node`, started now."""
    args = ["tshark", "-r", HTTP, "-q", "-X", f"espcap:node={node}", "-X", f"espcap:index={INDEX}",
            "-X", f"espcap:spool={spool}", "-X", "espcap:dead_letter=" + os.path.join(spool, "dead.ndjson"),
            *SMALL_BATCHES, *more]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=tshark_env())


class TestSharedSpoolFolder(unittest.TestCase):
    def setUp(self):
        delete_indices(INDEX + "*")
        self.tmp = tempfile.mkdtemp()
        self.down = f"127.0.0.1:{free_port()}"  # nothing listens: a stopped node
        self.folder = os.path.join(self.tmp, "spool", self.down.replace(":", "_"))

    def tearDown(self):
        shutil.rmtree(self.tmp)
        delete_indices(INDEX + "*")

    def spool_everything(self):
        """One run's whole spool: (bytes, documents) in its folder."""
        run = spool_run(os.path.join(self.tmp, "spool"), self.down)
        _, stderr = run.communicate(timeout=300)
        self.assertEqual(run.returncode, 3, stderr)
        self.assertIn(f"{HTTP_PACKETS} spooled".encode(), stderr)
        return folder_bytes(self.folder), documents_in(self.folder)

    def test_two_runs_spooling_at_once_keep_the_folder_within_spool_max(self):
        whole, _ = self.spool_everything()
        shutil.rmtree(os.path.join(self.tmp, "spool"))
        # Room for three quarters of one run: each run alone would keep to it, and two runs
        # counting only their own writes would fill one and a half times as much.
        bound = whole * 3 // 4
        runs = [spool_run(os.path.join(self.tmp, "spool"), self.down, "-X", f"espcap:spool_max={bound}")
                for _ in range(2)]
        results = [finished(run) for run in runs]
        held = folder_bytes(self.folder)
        self.assertLessEqual(held, bound, f"{held} bytes in the folder, spool_max {bound}")
        self.assertGreater(held, bound // 2)
        spooled_total = 0
        for status, stderr in results:
            packets, indexed, failed = summary(stderr)
            spooled = int(SPOOLED.search(stderr).group(1)) if SPOOLED.search(stderr) else 0
            self.assertEqual((packets, indexed), (HTTP_PACKETS, 0), stderr)
            self.assertEqual(spooled + failed, packets, stderr)  # what did not fit is dead-lettered
            self.assertEqual(status, 2, stderr)
            spooled_total += spooled
        self.assertIn(b"is full", results[0][1] + results[1][1])
        self.assertEqual(documents_in(self.folder), spooled_total)  # what they said they kept is there

    def test_every_spooled_batch_is_synced_into_its_folder(self):
        if shutil.which("strace") is None:
            self.skipTest("strace is not installed")
        trace = os.path.join(self.tmp, "strace.txt")
        run = subprocess.run(["strace", "-f", "-qq", "-o", trace, "-e", "trace=openat,fsync,rename,renameat,renameat2,close",
                              "tshark", "-r", os.path.join(TEST_PCAPS, "test_dns.pcap"), "-q",
                              "-X", f"espcap:node={self.down}", "-X", f"espcap:index={INDEX}",
                              "-X", "espcap:spool=" + os.path.join(self.tmp, "spool"), *SMALL_BATCHES],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=tshark_env(), timeout=300)
        self.assertEqual(run.returncode, 3, run.stderr)
        with open(trace) as f:
            calls = whole_calls(f.read().splitlines())
        folder_fds = set()  # fds open on the spool folder itself (one process: threads share them)
        renamed, synced_after_rename = 0, 0
        pending = set()  # threads that renamed a batch into the folder and have not synced it yet
        for call in calls:
            thread = call.split()[0]
            opened = re.search(r'openat\(AT_FDCWD, "([^"]+)", [^)]*O_DIRECTORY[^)]*\)\s+= (\d+)', call)
            if opened and os.path.normpath(opened.group(1)) == os.path.normpath(self.folder):
                folder_fds.add(opened.group(2))
            closed = re.search(r"close\((\d+)\)\s+= 0", call)
            if closed:
                folder_fds.discard(closed.group(1))
            if re.search(r'rename(at2?)?\(.*"[^"]+\.ndjson\.gz"(, \w+)?\)\s+= 0', call):
                renamed += 1
                pending.add(thread)
            synced = re.search(r"fsync\((\d+)\)\s+= 0", call)
            if synced and thread in pending and synced.group(1) in folder_fds:
                synced_after_rename += 1
                pending.discard(thread)
        self.assertGreater(renamed, 1)
        self.assertEqual(synced_after_rename, renamed, "a batch renamed into the folder was not synced there")

    def test_two_replays_at_once_both_succeed_and_store_each_document_once(self):
        _, documents = self.spool_everything()
        self.assertEqual(documents, HTTP_PACKETS)
        # The spool moves to the folder of the node that is up.
        spool = os.path.join(self.tmp, "replay")
        shutil.move(self.folder, os.path.join(spool, ES_NODE.replace(":", "_")))
        replays = [subprocess.Popen(["espcap-replay", f"node={ES_NODE}", f"spool={spool}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=tshark_env())
                   for _ in range(2)]
        results = [finished(replay) for replay in replays]
        indexed = duplicates = 0
        for status, stderr in results:
            self.assertEqual(status, 0, stderr)
            found = REPLAYED.search(stderr)
            self.assertIsNotNone(found, stderr)
            _, done, again, failed, left = (int(g) for g in found.groups())
            self.assertEqual((failed, left), (0, 0), stderr)
            indexed += done
            duplicates += again
        self.assertEqual((indexed, duplicates), (HTTP_PACKETS, 0), results)  # each file sent by one of them
        self.assertEqual(count(INDEX + "*"), HTTP_PACKETS)


if __name__ == "__main__":
    unittest.main()
