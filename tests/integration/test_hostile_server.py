# SPDX-License-Identifier: GPL-2.0-or-later
"""A broken or hostile server (hostile_server.py, on 127.0.0.1): espcap neither crashes
nor hangs past its timeouts, never counts a document as indexed without the server's
confirmation, and never shows a credential anywhere."""
import base64
import gzip
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import unittest

from espcap_test import ES_URL, TEST_PCAPS, count, delete_indices, summary, tshark_env
from hostile_server import HostileServer, basic_authorization

DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")  # 108 packets: one bulk request
DNS_PACKETS = 108
# Short timeouts keep each run to seconds: a request waits at most 1 s, and a batch is
# retried for 2 s, plus one back-off sleep of at most 8 s.
FAST_GIVE_UP = ["-X", "espcap:timeout=1", "-X", "espcap:retry_seconds=2"]
TRACE = ["-X", "espcap:trace=true"]  # also prints what the server sent, through its own paths
LONGEST_RUN_SECONDS = 40  # generous for a loaded 2-core CI machine or a sanitizer build
SPOOLED = re.compile(rb"(\d+) spooled")


def run_measured(args, cwd, timeout=120):
    """tshark's exit status, stdout, stderr, wall seconds and peak RSS in MiB."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(["tshark", *args], stdout=out, stderr=err, cwd=cwd, env=tshark_env())
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        _, wait_status, usage = os.wait4(process.pid, 0)  # this child's own peak RSS
        killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(wait_status)
        seconds = time.monotonic() - started
        if seconds >= timeout:
            raise AssertionError(f"tshark still running after {timeout} s: it hangs")
        out.seek(0)
        err.seek(0)
        return process.returncode, out.read(), err.read(), seconds, usage.ru_maxrss / 1024


def delivery_counts(stderr):
    """(packets, indexed, failed, spooled) from the summary line; spooled is 0 when absent."""
    parsed = summary(stderr)
    if parsed is None:
        raise AssertionError("no summary line in: " + stderr.decode(errors="replace"))
    packets, indexed, failed = parsed
    spooled = SPOOLED.search(stderr)
    return packets, indexed, failed, int(spooled.group(1)) if spooled else 0


class TestBrokenBulkReplies(unittest.TestCase):
    """Each reply below leaves the documents unconfirmed: they must all end up failed
    (dead-lettered) or spooled, none indexed, within the timeouts."""

    def check_nothing_confirmed(self, bulk, extra_args=()):
        with tempfile.TemporaryDirectory() as tmp, HostileServer(bulk=bulk) as server:
            dead_letter = os.path.join(tmp, "dead.ndjson")
            status, _, stderr, seconds, peak_mib = run_measured(
                ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", "-X", f"espcap:dead_letter={dead_letter}",
                 *FAST_GIVE_UP, *TRACE, *extra_args], cwd=tmp)
            text = stderr.decode(errors="replace")
            self.assertGreater(server.bulk_requests, 0, text)
            packets, indexed, failed, spooled = delivery_counts(stderr)
            self.assertEqual(packets, DNS_PACKETS, text)
            self.assertEqual(indexed, 0, text)
            self.assertEqual(indexed + failed + spooled, packets, text)
            self.assertEqual(status, 2 if failed else 3 if spooled else 0, text)  # 2: lost, 3: in the spool
            self.assertLess(seconds, LONGEST_RUN_SECONDS, text)
            self.assertNotIn("Segmentation", text)
            return text, peak_mib

    def test_garbage_instead_of_http(self):
        self.check_nothing_confirmed("garbage")

    def test_connection_closed_half_way_through_the_reply(self):
        self.check_nothing_confirmed("half_close")

    def test_200_with_a_body_that_is_not_json(self):
        text, _ = self.check_nothing_confirmed("malformed_200")
        self.assertIn("unconfirmed reply", text)  # trace

    def test_200_with_fewer_items_than_documents(self):
        text, _ = self.check_nothing_confirmed("wrong_items")
        self.assertIn("unconfirmed reply", text)

    def test_reply_that_never_comes(self):
        self.check_nothing_confirmed("silent")

    def test_reply_that_trickles_for_ever(self):
        self.check_nothing_confirmed("trickle")

    def test_413_for_every_request_however_small(self):
        text, _ = self.check_nothing_confirmed("always_413")
        self.assertIn("413", text)

    def test_429_for_ever_without_a_spool(self):
        text, _ = self.check_nothing_confirmed("always_429", ["-X", "espcap:spool=off"])
        self.assertIn("108 failed (108 kept in", text)
        self.assertIn("gave up after retrying", text)

    def test_100_mb_reply_is_not_buffered(self):
        with tempfile.TemporaryDirectory() as tmp:
            _, _, _, _, baseline_mib = run_measured(["-r", DNS, "-q", "-X", "espcap:file=/dev/null"], cwd=tmp)
        text, peak_mib = self.check_nothing_confirmed("huge_200", ["-X", "espcap:timeout=20"])
        self.assertIn("the reply is longer than", text)
        if os.environ.get("ESPCAP_TSHARK_SANITIZED"):
            return  # ASan keeps freed memory in quarantine: peak RSS says nothing there
        # The reply is cut at 10 MiB (8 MiB + 2 KiB per document of chunk=1000); reading
        # all of it would take 100-200 MiB more than the same run without a node.
        self.assertLess(peak_mib - baseline_mib, 64, f"peak RSS {peak_mib:.0f} MiB, without a node {baseline_mib:.0f} MiB")


class TestNodeThatNeverAnswers(unittest.TestCase):
    def test_silent_node_stops_the_run_within_the_timeout(self):
        with tempfile.TemporaryDirectory() as tmp, HostileServer(bulk="silent", probe="silent") as server:
            status, _, stderr, seconds, _ = run_measured(
                ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", *FAST_GIVE_UP], cwd=tmp)
        text = stderr.decode(errors="replace")
        self.assertNotEqual(status, 0, text)
        self.assertIn("cannot reach Elasticsearch", text)
        packets, indexed, failed, spooled = delivery_counts(stderr)
        self.assertEqual(indexed, 0, text)
        self.assertEqual(indexed + failed + spooled, packets, text)
        self.assertLess(seconds, LONGEST_RUN_SECONDS, text)


def spooled_documents(spool_folder):
    """Documents in the spool files of one folder, read back from the files."""
    documents = 0
    for name in os.listdir(spool_folder):
        if name.endswith(".ndjson.gz"):
            with gzip.open(os.path.join(spool_folder, name)) as f:
                documents += sum(1 for line in f if line.strip()) // 2
    return documents


class TestAnsweringButFailingAtStart(unittest.TestCase):
    """Issue 13 item 4: a node that answers but fails at start is unavailable, as it
    would be mid-run: the run spools instead of stopping. Only a refusal (401, 403, an
    untrusted certificate) stops it: TestNoCredentialInAnyOutput.test_wrong_password and
    test_delivery.TestTlsAndAuthentication."""

    def check_spooled(self, **behaviour):
        with tempfile.TemporaryDirectory() as tmp, HostileServer(**behaviour) as server:
            # Named: as root, the default (relative) spool is not written (issue 27).
            status, _, stderr, seconds, _ = run_measured(
                ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", "-X",
                 f"espcap:spool={os.path.join(tmp, 'espcap-spool')}", *FAST_GIVE_UP], cwd=tmp)
            text = stderr.decode(errors="replace")
            self.assertEqual(status, 3, text)
            self.assertNotIn("stopping", text)
            self.assertEqual(delivery_counts(stderr), (DNS_PACKETS, 0, 0, DNS_PACKETS), text)
            self.assertEqual(server.bulk_requests, 0, text)  # nothing went before its template and fields
            folder = os.path.join(tmp, "espcap-spool", server.node.replace(":", "_"))
            self.assertEqual(spooled_documents(folder), DNS_PACKETS)
            self.assertLess(seconds, LONGEST_RUN_SECONDS, text)
            return text

    def test_503_while_the_node_starts(self):
        text = self.check_spooled(probe="status_503")
        self.assertIn("HTTP 503", text)

    def test_template_install_gets_500(self):
        text = self.check_spooled(template="status_500")
        self.assertIn("HTTP 500", text)

    def test_template_install_times_out(self):
        self.check_spooled(template="silent")

    def test_mapping_calls_get_502_from_a_proxy(self):
        # Sent anyway, the batch would map its fields dynamically once the node is back.
        self.check_spooled(mapping="status_502")


class TestDefinitiveAnswerAtStart(unittest.TestCase):
    """Issue 31: a 4xx at start other than 401, 403, 408 and 429 says the server is no
    node we can use; waiting will not change that, so nothing is spooled."""

    def test_405_to_everything_stops_the_run_with_nothing_spooled(self):
        with tempfile.TemporaryDirectory() as tmp, HostileServer(probe="status_405_everywhere") as server:
            status, _, stderr, seconds, _ = run_measured(
                ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", *FAST_GIVE_UP], cwd=tmp)
            text = stderr.decode(errors="replace")
            self.assertEqual(status, 1, text)
            self.assertIn("HTTP 405", text)
            self.assertIn("GET /", server.requests)
            self.assertFalse(os.path.exists(os.path.join(tmp, "espcap-spool")) and any(
                files for _, _, files in os.walk(os.path.join(tmp, "espcap-spool"))), text)
            self.assertFalse(os.path.exists(os.path.join(tmp, "espcap-dead-letter.ndjson")), text)
            self.assertEqual(server.bulk_requests, 0, text)
            self.assertLess(seconds, LONGEST_RUN_SECONDS, text)


class TestDeepMappingReply(unittest.TestCase):
    def test_a_mapping_reply_200000_levels_deep_is_an_error_not_a_crash(self):
        """Issue 27: a node answering GET /INDEX/_mapping with 200,000 nested objects
        (about 4 MB) killed tshark with SIGSEGV. Now the mapping is said unreadable, the
        fields map dynamically and every document is delivered."""
        with tempfile.TemporaryDirectory() as tmp, HostileServer(mapping="deep") as server:
            status, _, stderr, seconds, _ = run_measured(
                ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", *FAST_GIVE_UP], cwd=tmp)
            mapping_reads = [r for r in server.requests if r.startswith("GET ") and r.endswith("/_mapping")]
        text = stderr.decode(errors="replace")
        self.assertTrue(mapping_reads, text)  # the deep reply was sent
        self.assertEqual(status, 0, text)
        self.assertIn("nested more than", text)
        self.assertEqual(delivery_counts(stderr), (DNS_PACKETS, DNS_PACKETS, 0, 0), text)
        self.assertLess(seconds, LONGEST_RUN_SECONDS, text)


class TestLostReply(unittest.TestCase):
    def test_documents_stored_by_a_request_whose_reply_was_lost_count_as_indexed(self):
        """Issue 13 item 11: the bulk request reaches Elasticsearch, its reply is lost;
        the retry gets 409 for every document, which this run stored itself."""
        delete_indices("it-lost-*")
        with tempfile.TemporaryDirectory() as tmp, HostileServer(forward=ES_URL, drop_bulk_replies=1) as server:
            status, _, stderr, _, _ = run_measured(
                ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", "-X", "espcap:index=it-lost"], cwd=tmp)
            bulk_requests = server.bulk_requests
        text = stderr.decode(errors="replace")
        self.assertEqual(bulk_requests, 2, text)  # the lost one and its retry
        self.assertEqual(status, 0, text)
        self.assertEqual(delivery_counts(stderr), (DNS_PACKETS, DNS_PACKETS, 0, 0), text)
        self.assertNotIn("already indexed", text)
        self.assertEqual(count("it-lost-*"), DNS_PACKETS)
        delete_indices("it-lost-*")


class TestNodeGoneWhileMapping(unittest.TestCase):
    def test_no_batch_goes_before_its_fields_are_mapped(self):
        """The node goes down for a moment as espcap reads a new index's mapping. Sent
        once the node is back, the batch would map its fields dynamically (numbers held
        in strings as keyword), and day indices would disagree on types: the batch waits
        in the spool until the fields are mapped."""
        with tempfile.TemporaryDirectory() as tmp, \
                HostileServer(bulk="accept_all", mapping="down_at_first_read") as server:
            status, _, stderr, seconds, _ = run_measured(
                ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", *FAST_GIVE_UP], cwd=tmp)
            requests = list(server.requests)
        text = stderr.decode(errors="replace")
        self.assertEqual(status, 0, text)
        self.assertEqual(delivery_counts(stderr)[:3], (DNS_PACKETS, DNS_PACKETS, 0), text)
        first_bulk = next(i for i, r in enumerate(requests) if r.startswith("POST /_bulk"))
        mapped = [i for i, r in enumerate(requests) if r.startswith("PUT /") and r.endswith("/_mapping")]
        self.assertTrue(mapped and mapped[0] < first_bulk, requests)
        self.assertLess(seconds, LONGEST_RUN_SECONDS, text)


class TestNoCredentialInAnyOutput(unittest.TestCase):
    """A distinctive password and API key must not appear in stdout, stderr (trace on),
    or any file the run leaves behind (dead-letter file, spool files, gzipped or not), in
    clear or in base64."""
    USER = "espcap-tester"
    PASSWORD = "Pw-harden-7Zq4!x"
    API_KEY = base64.b64encode(b"keyid-harden:ApiKey-harden-9Xw2").decode()

    def forbidden(self):
        return [self.PASSWORD.encode(), self.API_KEY.encode(), b"ApiKey-harden-9Xw2",
                basic_authorization(self.USER, self.PASSWORD).split()[1].encode()]

    def assert_nowhere(self, directory, *outputs):
        for secret in self.forbidden():
            for output in outputs:
                self.assertNotIn(secret, output)
            for folder, _, files in os.walk(directory):
                for name in files:
                    with open(os.path.join(folder, name), "rb") as f:
                        content = f.read()
                    if content[:2] == b"\x1f\x8b":  # spool files are gzipped
                        content = gzip.decompress(content)
                    self.assertNotIn(secret, content, f"in {name}")

    def run_against(self, credentials, args, bulk="reject_all"):
        with tempfile.TemporaryDirectory() as tmp, HostileServer(bulk=bulk, credentials=credentials) as server:
            # The dead-letter file and spool folder land where we search (named: as root,
            # the relative defaults are not written).
            status, stdout, stderr, _, _ = run_measured(
                ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", "-X", "espcap:file=-", *FAST_GIVE_UP, *TRACE,
                 "-X", f"espcap:dead_letter={os.path.join(tmp, 'espcap-dead-letter.ndjson')}",
                 "-X", f"espcap:spool={os.path.join(tmp, 'espcap-spool')}", *args], cwd=tmp)
            self.assert_nowhere(tmp, stdout, stderr)
            files = [os.path.relpath(os.path.join(folder, name), tmp)
                     for folder, _, names in os.walk(tmp) for name in names]
            return status, stdout, stderr.decode(errors="replace"), files

    def test_password_accepted_then_every_document_refused(self):
        status, stdout, stderr, files = self.run_against(
            basic_authorization(self.USER, self.PASSWORD),
            ["-X", f"espcap:user={self.USER}", "-X", f"espcap:password={self.PASSWORD}"])
        self.assertEqual(status, 2, stderr)
        self.assertIn("mapper_parsing_exception", stderr)
        self.assertIn("espcap-dead-letter.ndjson", files)  # the file searched holds the documents
        self.assertEqual(stdout.count(b'"create"'), DNS_PACKETS)

    def test_password_accepted_then_node_busy_so_documents_spooled(self):
        status, _, stderr, files = self.run_against(
            basic_authorization(self.USER, self.PASSWORD),
            ["-X", f"espcap:user={self.USER}", "-X", f"espcap:password={self.PASSWORD}"], bulk="always_429")
        self.assertIn(status, (2, 3), stderr)  # 3 with the spool; 2 where there is none
        if status == 3:
            self.assertTrue([f for f in files if f.startswith("espcap-spool")], files)  # the files searched

    def assert_shown_safely(self, stderr, dead_letter):
        """Issue 13 item 8: what the server sent is escaped and redacted on the terminal
        and in the dead-letter file."""
        for control in (b"\x1b", b"\x07", b"\r", b"\x00", b"\x9b"):  # raw, or U+009B in UTF-8
            self.assertNotIn(control, stderr)
        self.assertIn(b"\\x1b]0;owned\\x07", stderr)  # shown, as text
        self.assertIn(b"[redacted]", stderr)
        with open(dead_letter, "rb") as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), DNS_PACKETS)
        for line in lines:
            error = json.loads(line)["error"]
            self.assertIn("[redacted]", error)
            self.assertNotIn("\x1b", error)

    def test_reply_echoing_the_password_is_redacted_and_escaped(self):
        for bulk in ("echo_request", "echo_in_items"):
            with self.subTest(bulk=bulk), tempfile.TemporaryDirectory() as tmp, \
                    HostileServer(bulk=bulk, credentials=basic_authorization(self.USER, self.PASSWORD)) as server:
                dead_letter = os.path.join(tmp, "dead.ndjson")
                status, stdout, stderr, _, _ = run_measured(
                    ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", "-X", f"espcap:dead_letter={dead_letter}",
                     "-X", f"espcap:user={self.USER}", "-X", f"espcap:password={self.PASSWORD}", *FAST_GIVE_UP],
                    cwd=tmp)
                self.assertIn("authorization", server.bulk_headers)  # the reply quoted it
                self.assert_nowhere(tmp, stdout, stderr)
                self.assertEqual(status, 2, stderr)
                self.assert_shown_safely(stderr, dead_letter)

    def test_reply_echoing_the_api_key_is_redacted_and_escaped(self):
        with tempfile.TemporaryDirectory() as tmp, \
                HostileServer(bulk="echo_request", credentials="ApiKey " + self.API_KEY) as server:
            dead_letter = os.path.join(tmp, "dead.ndjson")
            status, stdout, stderr, _, _ = run_measured(
                ["-r", DNS, "-q", "-X", f"espcap:node={server.node}", "-X", f"espcap:dead_letter={dead_letter}",
                 "-X", f"espcap:api_key={self.API_KEY}", *FAST_GIVE_UP, *TRACE], cwd=tmp)
            self.assert_nowhere(tmp, stdout, stderr)
            self.assertEqual(status, 2, stderr)
            self.assert_shown_safely(stderr, dead_letter)

    def test_wrong_password(self):
        status, _, stderr, _ = self.run_against(
            basic_authorization(self.USER, "the-right-one"),
            ["-o", f"espcap.user:{self.USER}", "-o", f"espcap.password:{self.PASSWORD}"])
        self.assertNotEqual(status, 0, stderr)
        self.assertIn("authentication failed", stderr)

    def test_api_key_accepted_then_every_document_refused(self):
        status, _, stderr, files = self.run_against("ApiKey " + self.API_KEY, ["-X", f"espcap:api_key={self.API_KEY}"])
        self.assertEqual(status, 2, stderr)
        self.assertIn("espcap-dead-letter.ndjson", files)

    def test_wrong_api_key(self):
        status, _, stderr, _ = self.run_against("ApiKey c29tZXRoaW5nLWVsc2U=", ["-X", f"espcap:api_key={self.API_KEY}"])
        self.assertNotEqual(status, 0, stderr)
        self.assertIn("authentication failed", stderr)


if __name__ == "__main__":
    unittest.main()
