# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 27: what a replay sends, and who can read what espcap writes.

A spool file is a bulk body sent with the run's credentials, so a replay sends only
espcap's own actions into espcap's own indices, from files only its user could have
written (docs/spool-and-safety.md); anything else is set aside, never fatal. Files
with packet contents are created readable by their owner alone, whatever the umask."""
import gzip
import json
import os
import stat
import subprocess
import tempfile
import unittest

from espcap_test import ES_NODE, TEST_PCAPS, count, delete_indices, es, refresh, run_tshark, summary
from hostile_server import HostileServer
from nginx_proxy import free_port

DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")  # 108 packets: one bulk request
DNS_PACKETS = 108
VICTIM = "it-safety-victim"
INDEX = "it-safety"
FILE_STEM = "00000000000000000001-1-0"  # sorts before anything espcap writes
REPLAY_FAILED = 2  # espcap-replay's exit status when something could not be delivered
MIB = 1024 * 1024
FAST_GIVE_UP = ["-X", "espcap:timeout=1", "-X", "espcap:retry_seconds=1"]


def replay(spool):
    return subprocess.run(["espcap-replay", f"node={ES_NODE}", f"spool={spool}"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, check=False)


def spool_folder(spool):
    return os.path.join(spool, ES_NODE.replace(":", "_"))


def write_spool_file(spool, body, mappings=None):
    """A spool file written by hand, as anyone who can write the folder could."""
    folder = spool_folder(spool)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, FILE_STEM + ".ndjson.gz")
    with open(path, "wb") as f:
        f.write(gzip.compress(body))
    if mappings is not None:
        with open(os.path.join(folder, FILE_STEM + ".mappings.json.gz"), "wb") as f:
            f.write(gzip.compress(mappings))
    return path


def our_document(index, doc_id):
    return (json.dumps({"create": {"_index": index, "_id": doc_id}}, separators=(",", ":")) + "\n" +
            json.dumps({"layers": {"frame": {"frame_frame_number": "1"}}}) + "\n").encode()


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class TestReplayRefuses(unittest.TestCase):
    def setUp(self):
        delete_indices(f"{VICTIM},{INDEX}-*")
        self.tmp = tempfile.TemporaryDirectory()
        self.spool = self.tmp.name

    def tearDown(self):
        delete_indices(f"{VICTIM},{INDEX}-*")
        self.tmp.cleanup()

    def test_a_hand_written_spool_file_of_deletes_leaves_the_victim_whole(self):
        """Issue 27 item 2: two delete lines (a "pair", as the old check saw it) for an
        unrelated index deleted both its documents (exit 3)."""
        for doc_id in ("1", "2"):
            es("PUT", f"/{VICTIM}/_doc/{doc_id}", {"secret": doc_id})
        refresh(VICTIM)
        self.assertEqual(count(VICTIM), 2)
        path = write_spool_file(self.spool, b'{"delete":{"_index":"%s","_id":"1"}}\n'
                                            b'{"delete":{"_index":"%s","_id":"2"}}\n' % (VICTIM.encode(),
                                                                                         VICTIM.encode()))
        run = replay(self.spool)
        text = run.stderr.decode(errors="replace")
        self.assertEqual(count(VICTIM), 2, text)
        self.assertEqual(run.returncode, REPLAY_FAILED, text)
        self.assertIn("refused", text)
        self.assertIn("not an action espcap writes", text)
        self.assertFalse(os.path.exists(path), text)
        self.assertTrue(os.path.exists(path + ".refused"), text)
        self.assertIn("0 files left", text)

    def test_a_spooled_mappings_file_that_is_not_ours_is_set_aside_without_an_abort(self):
        """Issue 27 item 3: a registry_summary that is not JSON made espcap-replay die
        with `terminate called ... parse_error` (exit 134), and the file stayed."""
        mappings = json.dumps({"index_prefix": INDEX, "alias_target_types": {}, "registry_summary": "not json",
                               "fields": {f"{INDEX}-2015-07-30": [["layers.frame.frame_frame_number", "long"]]}})
        path = write_spool_file(self.spool, our_document(f"{INDEX}-2015-07-30", "c0ffee-1"), mappings.encode())
        run = replay(self.spool)
        text = run.stderr.decode(errors="replace")
        self.assertLess(run.returncode, 4, text)
        self.assertEqual(run.returncode, REPLAY_FAILED, text)
        self.assertNotIn("terminate called", text)
        self.assertIn("registry_summary is not JSON", text)
        self.assertTrue(os.path.exists(path + ".refused"), text)
        self.assertTrue(os.path.exists(os.path.join(spool_folder(self.spool), FILE_STEM + ".mappings.json.gz.refused")))
        self.assertEqual(count(f"{INDEX}-*"), 0, text)

    def test_a_file_others_may_write_is_refused_and_one_of_ours_still_goes(self):
        path = write_spool_file(self.spool, our_document(f"{INDEX}-2015-07-30", "c0ffee-1"))
        os.chmod(path, 0o666)
        run = replay(self.spool)
        text = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, REPLAY_FAILED, text)
        self.assertIn("writable by other users (mode 0666)", text)
        self.assertEqual(count(f"{INDEX}-*"), 0, text)

        os.rename(path + ".refused", path)  # a person looked at it and made it theirs
        os.chmod(path, 0o600)
        run = replay(self.spool)
        text = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 0, text)
        self.assertEqual(count(f"{INDEX}-*"), 1, text)


class TestFilesArePrivate(unittest.TestCase):
    def setUp(self):
        self.umask = os.umask(0o022)  # the usual one: files 0644 unless espcap says otherwise

    def tearDown(self):
        os.umask(self.umask)

    def test_a_dead_letter_file_made_under_umask_022_has_mode_0600(self):
        """Issue 27 item 5: the dead-letter file, with packet contents, was 0644."""
        with tempfile.TemporaryDirectory() as tmp, HostileServer(bulk="reject_all") as server:
            dead_letter = os.path.join(tmp, "dead.ndjson")
            output = os.path.join(tmp, "out.ndjson")
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={server.node}", "-X",
                              f"espcap:dead_letter={dead_letter}", "-X", f"espcap:file={output}", *FAST_GIVE_UP],
                             cwd=tmp)
            text = run.stderr.decode(errors="replace")
            self.assertEqual(summary(run.stderr), (DNS_PACKETS, 0, DNS_PACKETS), text)
            self.assertEqual(mode_of(dead_letter), 0o600, text)
            self.assertEqual(mode_of(output), 0o600, text)

    def test_a_full_dead_letter_file_counts_the_rest_as_failed_and_says_so(self):
        with tempfile.TemporaryDirectory() as tmp, HostileServer(bulk="reject_all") as server:
            dead_letter = os.path.join(tmp, "dead.ndjson")
            with open(dead_letter, "wb") as f:  # an earlier run's lines, near 1 MiB: the bound's smallest
                f.write(b"x" * (MIB - 100))
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={server.node}", "-X",
                              f"espcap:dead_letter={dead_letter}", "-X", "espcap:dead_letter_max=1m",
                              *FAST_GIVE_UP], cwd=tmp)
            text = run.stderr.decode(errors="replace")
            self.assertEqual(run.returncode, 2, text)
            self.assertEqual(summary(run.stderr), (DNS_PACKETS, 0, DNS_PACKETS), text)
            self.assertIn(f"(not kept: dead-letter file '{dead_letter}' is full (dead_letter_max {MIB} bytes))", text)
            self.assertLessEqual(os.path.getsize(dead_letter), MIB, text)

    @unittest.skipUnless(os.geteuid() == 0, "the refusal concerns root")
    def test_as_root_the_relative_default_dead_letter_file_is_not_written(self):
        with tempfile.TemporaryDirectory() as tmp, HostileServer(bulk="reject_all") as server:
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={server.node}", *FAST_GIVE_UP], cwd=tmp)
            text = run.stderr.decode(errors="replace")
            self.assertEqual(run.returncode, 2, text)
            self.assertEqual(summary(run.stderr), (DNS_PACKETS, 0, DNS_PACKETS), text)
            self.assertIn("running as root, the default dead_letter=espcap-dead-letter.ndjson", text)
            self.assertEqual(os.listdir(tmp), [], text)

    def test_spool_folders_are_0700_and_spool_files_0600(self):
        with tempfile.TemporaryDirectory() as tmp:
            spool = os.path.join(tmp, "spool")
            node = f"127.0.0.1:{free_port()}"  # nothing listens: everything is spooled
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={node}", "-X", f"espcap:spool={spool}",
                              "-X", f"espcap:dead_letter={os.path.join(tmp, 'dead.ndjson')}", *FAST_GIVE_UP],
                             cwd=tmp)
            text = run.stderr.decode(errors="replace")
            self.assertEqual(run.returncode, 3, text)
            folder = os.path.join(spool, node.replace(":", "_"))
            self.assertEqual(mode_of(spool), 0o700, text)
            self.assertEqual(mode_of(folder), 0o700, text)
            files = os.listdir(folder)
            self.assertTrue(any(name.endswith(".ndjson.gz") for name in files), files)
            for name in files:
                self.assertEqual(mode_of(os.path.join(folder, name)), 0o600, name)


if __name__ == "__main__":
    unittest.main()
