# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad usage and bad input: a clear error, a non-zero exit status, and no packet lost
or silently dropped."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

from espcap_test import (ES_NODE, CORPUS, TEST_PCAPS, build_bench_capture, count, delete_indices, es,
                         index_counts, run_tshark, summary, tshark_env, tshark_packet_count, wait_until)

DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")
HTTP = os.path.join(TEST_PCAPS, "test_http.pcap")


class TestBadOptions(unittest.TestCase):
    def assert_usage_error(self, args, *expected):
        delete_indices("it-usage-*")
        run = run_tshark(["-r", DNS, "-q", *args, "-X", "espcap:index=it-usage"])
        stderr = run.stderr.decode(errors="replace")
        self.assertNotEqual(run.returncode, 0, stderr)
        for text in expected:
            self.assertIn(text, stderr)
        self.assertEqual(count("it-usage-*"), 0)
        return stderr

    def test_unknown_key_is_named(self):
        stderr = self.assert_usage_error(["-X", "espcap:nodee=x"], "unknown option 'nodee'")
        self.assertEqual(len([l for l in stderr.splitlines() if "espcap" in l]), 1, stderr)

    def test_argument_without_equals(self):
        self.assert_usage_error(["-X", "espcap:node"], "'node' is not key=value")

    def test_bad_number(self):
        self.assert_usage_error(["-X", f"espcap:node={ES_NODE}", "-X", "espcap:chunk=ten"], "option 'chunk'")

    def test_bad_url(self):
        self.assert_usage_error(["-X", "espcap:node=ftp://127.0.0.1:9200"], "option 'node'", "http or https")

    def test_bad_filter(self):
        self.assert_usage_error(["-X", f"espcap:node={ES_NODE}", "-X", "espcap:filter=dns.nosuchfield == 1"],
                                "option 'filter'")

    def test_bad_preference(self):
        self.assert_usage_error(["-o", "espcap.chunk:0", "-X", f"espcap:node={ES_NODE}"], "option 'chunk'")

    def assert_refused_before_reading(self, x_options, key):
        """Exit status 1, one line naming the key, and no packet read (no summary line)."""
        args = ["-r", DNS, "-q"]
        for option in x_options:
            args += ["-X", option]
        run = run_tshark(args)
        stderr = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 1, stderr)
        lines = [line for line in stderr.splitlines() if "espcap" in line]
        self.assertEqual(len(lines), 1, stderr)
        self.assertIn(f"option '{key}'", lines[0])
        self.assertIsNone(summary(run), stderr)

    def test_index_prefixes_elasticsearch_refuses_stop_the_run_before_a_packet(self):
        # Issue 13 item 3: non-UTF-8 aborted tshark (exit 134) at the first packet; a tab
        # stopped it there with a libcurl error.
        for prefix in (b"caf\xe9", b"a\tb", b"a\x01b", b"Packets", b"a\"b", b".."):
            with self.subTest(prefix=prefix):
                self.assert_refused_before_reading([f"espcap:node={ES_NODE}".encode(), b"espcap:index=" + prefix],
                                                   "index")

    def test_empty_node_is_bad_usage(self):
        # Issue 13 item 11a: -X espcap:node= (an unset shell variable) turned espcap off, exit 0.
        self.assert_refused_before_reading(["espcap:node="], "node")

    def test_credentials_in_url_are_not_printed(self):
        stderr = self.assert_usage_error(["-X", "espcap:node=http://elastic:s3cret@127.0.0.1:9200"],
                                         "credentials")
        self.assertNotIn("s3cret", stderr)


class TestUnreachableNode(unittest.TestCase):
    def test_without_spool_clear_error_and_failure_status(self):
        run = run_tshark(["-r", HTTP, "-q", "-X", "espcap:node=127.0.0.1:1", "-X", "espcap:spool=off"],
                         timeout=120)
        stderr = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 2, stderr)
        self.assertIn("cannot reach Elasticsearch", stderr)
        packets, indexed, failed = summary(run)
        self.assertEqual(indexed, 0)
        self.assertEqual(failed, packets)  # nothing claimed, nothing silently dropped

    def test_with_spool_warns_and_keeps_everything(self):
        with tempfile.TemporaryDirectory() as spool:
            run = run_tshark(["-r", HTTP, "-q", "-X", "espcap:node=127.0.0.1:1", "-X", f"espcap:spool={spool}"],
                             timeout=120)
            stderr = run.stderr.decode(errors="replace")
            self.assertEqual(run.returncode, 3, stderr)  # 3: nothing lost, not indexed yet
            self.assertIn("warning: cannot reach Elasticsearch", stderr)
            self.assertEqual(summary(run), (1268, 0, 0))
            self.assertIn(f"1268 spooled to {spool}/127.0.0.1_1", stderr)
            self.assertTrue(os.listdir(os.path.join(spool, "127.0.0.1_1")))

    def test_a_run_that_never_spools_leaves_no_spool_folder(self):
        with tempfile.TemporaryDirectory() as cwd:
            delete_indices("it-nospool-*")
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-nospool"],
                             cwd=cwd)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(summary(run), (108, 108, 0))
            self.assertEqual(os.listdir(cwd), [])  # the default spool folder is made only when needed
            delete_indices("it-nospool-*")


class TestWithoutEspcapOptions(unittest.TestCase):
    def test_plugin_stays_silent(self):
        run = run_tshark(["-r", DNS, "-c", "3"])
        self.assertEqual(run.returncode, 0)
        self.assertNotIn(b"espcap", run.stderr + run.stdout)
        self.assertEqual(len(run.stdout.splitlines()), 3)

    def test_plugin_is_listed(self):
        run = run_tshark(["-G", "plugins"])
        self.assertIn(b"espcap.so", run.stdout)


class TestOverlappingPrefixes(unittest.TestCase):
    def test_a_prefix_that_extends_another_gets_its_own_template(self):
        # "it-ovl-two-2015-08-14" matches both templates; the longer prefix must win.
        delete_indices("it-ovl-*")
        for prefix in ("it-ovl", "it-ovl-two"):
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:index={prefix}"])
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(summary(run), (108, 108, 0))
        self.assertEqual(count("it-ovl-two-*"), 108)
        self.assertEqual(count("it-ovl-2015-*"), 108)


class TestPreferences(unittest.TestCase):
    def test_o_preferences_work_and_x_wins(self):
        delete_indices("it-pref-*")
        run = run_tshark(["-r", DNS, "-q", "-o", f"espcap.node:{ES_NODE}", "-o", "espcap.index:it-pref-o",
                          "-X", "espcap:index=it-pref-x"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(index_counts("it-pref-*"), {"it-pref-x-2015-08-14": 108})

    def test_preferences_alone_turn_espcap_on(self):
        delete_indices("it-pref-*")
        run = run_tshark(["-r", DNS, "-q", "-o", f"espcap.node:{ES_NODE}", "-o", "espcap.index:it-pref-o"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(index_counts("it-pref-*"), {"it-pref-o-2015-08-14": 108})


class TestCompression(unittest.TestCase):
    """gzip=auto sends plain bodies to a node on this machine; gzip=true compresses."""

    @staticmethod
    def bytes_sent(stderr):
        match = re.search(rb", ([0-9.]+) (B|KiB|MiB) sent", stderr)
        return float(match.group(1)) * {b"B": 1, b"KiB": 1024, b"MiB": 1024 ** 2}[match.group(2)]

    def test_auto_sends_plain_bodies_to_loopback_and_true_compresses(self):
        sent = {}
        for gzip in ("auto", "true"):
            delete_indices(f"it-gzip-{gzip}-*")
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "out.ndjson")
                run = run_tshark(["-r", HTTP, "-q", "-X", f"espcap:node={ES_NODE}", "-X", f"espcap:gzip={gzip}",
                                  "-X", f"espcap:index=it-gzip-{gzip}", "-X", f"espcap:file={out}"])
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertEqual(summary(run), (1268, 1268, 0))
                sent[gzip] = self.bytes_sent(run.stderr), os.path.getsize(out)
        plain_sent, plain_file = sent["auto"]
        self.assertAlmostEqual(plain_sent / plain_file, 1.0, delta=0.01)  # the body as written, to 3 digits
        zipped_sent, zipped_file = sent["true"]
        self.assertLess(zipped_sent * 4, zipped_file)


class TestDumpWithoutNode(unittest.TestCase):
    def test_file_dash_writes_bulk_ndjson_to_stdout(self):
        run = run_tshark(["-r", DNS, "-q", "-X", "espcap:file=-"])
        self.assertEqual(run.returncode, 0, run.stderr)
        lines = run.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2 * 108)
        for action, document in zip(lines[0::2], lines[1::2]):
            self.assertEqual(set(json.loads(action)), {"create"})
            self.assertEqual(json.loads(action)["create"]["_index"], "packets-2015-08-14")
            self.assertIn("layers", json.loads(document))

    def test_file_is_accepted_by_the_bulk_api(self):
        delete_indices("it-dump-*")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "dns.ndjson")
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:file={path}", "-X", "espcap:index=it-dump"])
            self.assertEqual(run.returncode, 0, run.stderr)
            with open(path, "rb") as f:
                reply = es("POST", "/_bulk?refresh=true", f.read())
        self.assertFalse(reply["errors"])
        self.assertEqual(count("it-dump-*"), 108)


class TestFileOutput(unittest.TestCase):
    """Issue 13 item 2: file= keeps every run's documents, and a write error fails them."""

    def test_espcap_index_appends_every_capture_to_one_file(self):
        with tempfile.TemporaryDirectory() as folder:
            for name, pcap in (("a.pcap", DNS), ("b.pcap", HTTP)):
                shutil.copy(pcap, os.path.join(folder, name))
            out = os.path.join(folder, "all.ndjson")
            run = subprocess.run(["espcap-index", folder, "--", "-X", f"espcap:file={out}"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600, env=tshark_env())
            with open(out, "rb") as f:
                documents = [json.loads(line) for line in f.read().split(b"\n")[1::2]]
        output = run.stdout.decode()
        self.assertEqual(run.returncode, 0, output + run.stderr.decode())
        self.assertIn("1376 written to file", output.splitlines()[-1])
        self.assertEqual(len(documents), 108 + 1268)
        names = [os.path.basename(d["file_name"]) for d in documents]
        self.assertEqual((names.count("a.pcap"), names.count("b.pcap")), (108, 1268))

    def test_a_full_disk_fails_every_document_it_refuses(self):
        run = run_tshark(["-r", DNS, "-q", "-X", "espcap:file=/dev/full"])
        stderr = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 2, stderr)
        self.assertIn("108 packets, 0 written to file, 108 failed", stderr)
        self.assertIn("No space left on device", stderr)

    def test_a_full_disk_beside_a_node_is_counted_apart(self):
        delete_indices("it-fullfile-*")
        run = run_tshark(["-r", DNS, "-q", "-X", "espcap:file=/dev/full", "-X", f"espcap:node={ES_NODE}",
                          "-X", "espcap:index=it-fullfile"])
        stderr = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 2, stderr)
        self.assertEqual(summary(run), (108, 108, 0))
        self.assertIn("0 written to file, 108 not written to file", stderr)
        self.assertEqual(count("it-fullfile-*"), 108)

    def test_espcap_index_stops_at_a_full_disk(self):
        with tempfile.TemporaryDirectory() as folder:
            for name in ("a.pcap", "b.pcap"):
                shutil.copy(DNS, os.path.join(folder, name))
            run = subprocess.run(["espcap-index", folder, "--", "-X", "espcap:file=/dev/full"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, env=tshark_env())
        output = run.stdout.decode()
        self.assertEqual(run.returncode, 2, output)
        self.assertIn("108 failed; stopped, 1 file not indexed", output.splitlines()[-1])


class TestFilterOption(unittest.TestCase):
    def test_only_matching_packets_are_indexed(self):
        delete_indices("it-filter-*")
        wanted = "http.request"
        expected = len(run_tshark(["-r", HTTP, "-Y", wanted, "-T", "fields", "-e", "frame.number"]).stdout.split())
        self.assertGreater(expected, 0)
        run = run_tshark(["-r", HTTP, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-filter",
                          "-X", f"espcap:filter={wanted}"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(summary(run), (expected, expected, 0))
        self.assertEqual(count("it-filter-*"), expected)
        self.assertEqual(count("it-filter-*", {"exists": {"field": "layers.http.http_http_request"}}), expected)


class TestRejectedDocuments(unittest.TestCase):
    def test_rejections_fail_the_run_and_name_the_reason(self):
        delete_indices("it-reject-*")
        es("PUT", "/it-reject-2015-08-14", {"mappings": {"dynamic": "strict", "properties": {}}})
        with tempfile.TemporaryDirectory() as tmp:
            dead_letter = os.path.join(tmp, "dead.ndjson")
            run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-reject",
                              "-X", "espcap:template=false", "-X", f"espcap:dead_letter={dead_letter}"])
            with open(dead_letter) as f:
                kept = [json.loads(line) for line in f]
        stderr = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 2, stderr)
        self.assertEqual(summary(run), (108, 0, 108))
        self.assertIn("strict_dynamic_mapping_exception", stderr)
        self.assertIn(f"108 kept in {dead_letter}", stderr)
        self.assertEqual(len(kept), 108)
        self.assertTrue(all(k["status"] == 400 and "strict_dynamic_mapping" in k["error"] for k in kept))
        self.assertEqual(sorted(int(k["document"]["layers"]["frame"]["frame_frame_number"]) for k in kept),
                         list(range(1, 109)))


class TestDirectoryMode(unittest.TestCase):
    """espcap-index, the ancestor's --dir: one tshark per capture file, sorted, with a
    line per file."""

    def test_folder_with_three_captures_one_truncated(self):
        delete_indices("it-dir-*")
        with tempfile.TemporaryDirectory() as folder:
            os.makedirs(os.path.join(folder, "sub"))
            shutil.copy(DNS, os.path.join(folder, "a-dns.pcap"))
            shutil.copy(os.path.join(CORPUS, "1000-requests-one-dropped-response.pcap.gz"),
                        os.path.join(folder, "sub", "b-gzipped.pcap.gz"))
            with open(HTTP, "rb") as f, open(os.path.join(folder, "c-cut.pcap"), "wb") as out:
                out.write(f.read()[:300000])
            with open(os.path.join(folder, "notes.txt"), "w") as f:
                f.write("not a capture\n")
            files = [os.path.join(folder, n) for n in ("a-dns.pcap", "c-cut.pcap", "sub/b-gzipped.pcap.gz")]
            readable = [tshark_packet_count(f) for f in files]
            run = subprocess.run(["espcap-index", folder, "--", "-X", f"espcap:node={ES_NODE}",
                                  "-X", "espcap:index=it-dir"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 timeout=600, env=tshark_env())
        output = run.stdout.decode()
        self.assertEqual(run.returncode, 0, output + run.stderr.decode())
        lines = output.splitlines()
        self.assertEqual([line.split(":")[0] for line in lines[:3]], files)  # sorted, one line each
        for line, packets in zip(lines, readable):
            self.assertIn(f": {packets} packets, {packets} indexed, 0 failed", line)
        self.assertIn("capture damaged", lines[1])
        self.assertTrue(lines[3].startswith(f"espcap-index: 3 of 3 files, {sum(readable)} packets, "
                                            f"{sum(readable)} indexed, 0 failed"), lines[3])
        self.assertEqual(count("it-dir-*"), sum(readable))

    def test_stops_at_the_first_failure(self):
        with tempfile.TemporaryDirectory() as folder:
            for name in ("a.pcap", "b.pcap"):
                shutil.copy(DNS, os.path.join(folder, name))
            run = subprocess.run(["espcap-index", folder, "--", "-X", "espcap:node=127.0.0.1:1",
                                  "-X", "espcap:spool=off"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 timeout=300, env=tshark_env())
        output = run.stdout.decode()
        self.assertEqual(run.returncode, 2, output)
        self.assertIn("stopped, 1 file not indexed", output)

    def test_bad_usage(self):
        run = subprocess.run(["espcap-index", "/nonexistent/folder"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(run.returncode, 1)
        self.assertIn(b"no such file or folder", run.stderr)


class TestInterruptedRead(unittest.TestCase):
    def test_sigint_indexes_everything_read_so_far(self):
        delete_indices("it-sigint-*")
        with tempfile.TemporaryDirectory() as tmp:
            big = build_bench_capture(tmp, 2)
            total = tshark_packet_count(big)
            tshark = subprocess.Popen(["tshark", "-r", big, "-q", "-X", f"espcap:node={ES_NODE}",
                                       "-X", "espcap:index=it-sigint"],
                                      stderr=subprocess.PIPE, env=tshark_env())
            # Interrupt once the read is under way: its first documents are stored.
            wait_until(lambda: tshark.poll() is not None or count("it-sigint-*") > 0, 120,
                       "the first documents of it-sigint")
            tshark.send_signal(signal.SIGINT)
            _, stderr = tshark.communicate(timeout=300)
        packets, indexed, failed = summary(stderr)
        self.assertLess(packets, total, "the read should have been interrupted")
        self.assertGreater(packets, 0)
        self.assertEqual((indexed, failed), (packets, 0))
        self.assertEqual(count("it-sigint-*"), packets)


if __name__ == "__main__":
    unittest.main()
