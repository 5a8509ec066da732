# SPDX-License-Identifier: GPL-2.0-or-later
"""Elasticsearch as it is deployed (issue 31): HTTPS with a CA of its own, users of the
file realm and the least-privilege roles of docs/security.md (tests/es-secure-roles.yml),
on the node `tests/es-server start --secure` runs (ESPCAP_SECURE_PORT, default 9205).

The setup step (espcap-setup, as the `setup` user) installs the templates once; the
sensor (cluster monitor only) then indexes with its password read from a 0600 file,
given with -X or in the preferences; the reader finds packets with espcap-pcap; a user
that lacks a privilege is told which, and to which role to add it."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from espcap_test import TEST_PCAPS, run_tshark, summary, tshark_env
from secure_node import CA_FILE, SecureNode, password, password_file

PORT = int(os.environ.get("ESPCAP_SECURE_PORT", "9205"))
PREFIX = "packets-secure"  # within the roles' packets*
HTTP = os.path.join(TEST_PCAPS, "test_http.pcap")  # 1268 packets, 188 of them HTTP
DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")  # 108 packets
PACKETS = f"{PREFIX}-*,-{PREFIX}-flows-*"
LONGEST_WAIT_SECONDS = 60


def tshark_count(pcap, display_filter):
    run = run_tshark(["-r", pcap, "-Y", display_filter, "-T", "fields", "-e", "frame.number"])
    return sum(1 for line in run.stdout.splitlines() if line.strip())


class TestSecuredNode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = SecureNode(PORT).start()
        cls.url = cls.node.url
        cls.tmp = tempfile.mkdtemp(prefix="espcap-secure-")
        os.chmod(cls.tmp, 0o700)
        cls.node.delete_prefix(PREFIX)
        # The sensor's password as a user keeps it: a file of their own, mode 0600.
        cls.sensor_password_file = os.path.join(cls.tmp, "sensor-password")
        with open(os.open(cls.sensor_password_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(password("sensor") + "\n")
        setup = subprocess.run(["espcap-setup", f"node={cls.url}", f"ca_file={CA_FILE}", "user=setup",
                                f"password_file={password_file('setup')}", f"index={PREFIX}", "flows=true"],
                               stderr=subprocess.PIPE, timeout=120, check=False)
        assert setup.returncode == 0, setup.stderr.decode(errors="replace")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        cls.node.delete_prefix(PREFIX)
        cls.node.stop()

    def connection(self, user="sensor", secret_file=None):
        return ["-X", f"espcap:node={self.url}", "-X", f"espcap:ca_file={CA_FILE}", "-X", f"espcap:user={user}",
                "-X", f"espcap:password_file={secret_file or password_file(user)}", "-X", f"espcap:index={PREFIX}"]

    def test_1_sensor_indexes_through_tls_with_its_password_from_a_file(self):
        run = run_tshark(["-r", HTTP, "-q", *self.connection(secret_file=self.sensor_password_file),
                          "-X", "espcap:flows=true"], cwd=self.tmp)
        text = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 0, text)
        packets, indexed, failed = summary(run.stderr)  # indexed counts the flow records too
        self.assertEqual((packets, failed), (1268, 0), text)
        self.assertNotIn(password("sensor"), text)
        self.assertEqual(self.node.count(PACKETS, {"term": {"file_name": HTTP}}), 1268)
        flows = self.node.count(f"{PREFIX}-flows-*")
        self.assertGreater(flows, 0)
        self.assertEqual(indexed, 1268 + flows, text)

    def test_2_preferences_under_a_private_home_give_the_password_file(self):
        home = os.path.join(self.tmp, "home")
        os.makedirs(os.path.join(home, ".config", "wireshark"))
        with open(os.path.join(home, ".config", "wireshark", "preferences"), "w") as f:
            f.write(f"espcap.node: {self.url}\nespcap.ca_file: {CA_FILE}\nespcap.user: sensor\n"
                    f"espcap.password_file: {self.sensor_password_file}\nespcap.index: {PREFIX}\n")
        env = dict(tshark_env(), HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"))
        run = subprocess.run(["tshark", "-r", DNS, "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, cwd=self.tmp, timeout=300, check=False)
        text = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 0, text)
        self.assertEqual(summary(run.stderr), (108, 108, 0), text)
        self.assertEqual(self.node.count(PACKETS, {"term": {"file_name": DNS}}), 108)

    def test_3_a_running_tshark_shows_no_secret_in_its_command_line(self):
        secret = password("sensor").encode()
        # A live capture that matches nothing and ends after 3 s: long enough to look at it.
        process = subprocess.Popen(["tshark", "-i", "lo", "-f", "udp port 9", "-a", "duration:3", "-q",
                                    *self.connection(secret_file=self.sensor_password_file)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=tshark_env(), cwd=self.tmp)
        cmdline = b""
        deadline = time.monotonic() + LONGEST_WAIT_SECONDS
        while b"password_file" not in cmdline and time.monotonic() < deadline and process.poll() is None:
            with open(f"/proc/{process.pid}/cmdline", "rb") as f:
                cmdline = f.read()
        _, stderr = process.communicate(timeout=LONGEST_WAIT_SECONDS)
        self.assertIn(b"password_file", cmdline)
        self.assertNotIn(secret, cmdline)
        self.assertNotIn(secret, stderr)
        self.assertEqual(process.returncode, 0, stderr.decode(errors="replace"))

    def test_4_espcap_index_passes_the_file_name_on(self):
        captures = os.path.join(self.tmp, "captures")
        os.makedirs(captures)
        shutil.copyfile(DNS, os.path.join(captures, "dns.pcap"))
        run = subprocess.run(["espcap-index", captures, "--", *self.connection(secret_file=self.sensor_password_file)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=tshark_env(), cwd=self.tmp,
                             timeout=300, check=False)
        text = run.stderr.decode(errors="replace") + run.stdout.decode(errors="replace")
        self.assertEqual(run.returncode, 0, text)
        self.assertNotIn(password("sensor"), text)
        self.assertIn("108 packets", text)
        # The copy's packets are test_dns.pcap's, already stored by test_2 or now: the same ids.
        copy = os.path.join(captures, "dns.pcap")
        self.assertEqual(self.node.count(PACKETS, {"terms": {"file_name": [DNS, copy]}}), 108)

    def test_4b_espcap_replay_signs_in_with_the_file(self):
        spool = os.path.join(self.tmp, "empty-spool")
        os.makedirs(spool, exist_ok=True)
        run = subprocess.run(["espcap-replay", f"node={self.url}", f"ca_file={CA_FILE}", "user=sensor",
                              f"password_file={self.sensor_password_file}", f"spool={spool}"],
                             stderr=subprocess.PIPE, timeout=120, check=False)
        text = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 0, text)
        self.assertIn("0 replayed", text)

    def test_5_reader_retrieves_exactly_tsharks_http_packets(self):
        if self.node.count(PACKETS, {"term": {"file_name": HTTP}}) != 1268:
            self.test_1_sensor_indexes_through_tls_with_its_password_from_a_file()
        out = os.path.join(self.tmp, "http.pcapng")
        run = subprocess.run(["espcap-pcap", f"node={self.url}", f"ca_file={CA_FILE}", "user=reader", "absolute_paths=true",
                              f"password_file={password_file('reader')}", f"index={PREFIX}",
                              f'query_dsl={{"bool":{{"filter":[{{"exists":{{"field":"layers.http"}}}},'
                              f'{{"term":{{"file_name":"{HTTP}"}}}}]}}}}', "-w", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, check=False)
        text = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 0, text)
        expected = tshark_count(HTTP, "http")
        self.assertEqual(expected, 188)
        self.assertEqual(tshark_count(out, "frame"), expected, text)

    def test_6_a_missing_privilege_is_named_with_its_role_and_nothing_is_lost(self):
        # monitor_only lacks every index privilege; on a prefix setup never ran for, the
        # template is the first thing it may not do.
        prefix = PREFIX + "-nosetup"
        self.node.delete_prefix(prefix)
        run = run_tshark(["-r", DNS, "-q", *self.connection(user="monitor_only"), "-X", f"espcap:index={prefix}"],
                         cwd=self.tmp)
        text = run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 1, text)
        # One line says it (the summary's "first error" repeats it).
        errors = [line for line in text.splitlines() if "manage_index_templates" in line and "first error" not in line]
        self.assertEqual(len(errors), 1, text)
        self.assertIn("add it to role espcap_monitor_only", errors[0])
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "espcap-dead-letter.ndjson")), text)
        spool = os.path.join(self.tmp, "espcap-spool")
        self.assertFalse([f for _, _, files in os.walk(spool) for f in files], text)
        self.assertEqual(self.node.count(f"{prefix}-*"), 0)

    def test_7_documents_refused_for_a_missing_privilege_stop_the_run_and_are_kept(self):
        # Templates in place (setup ran), but a sensor role lacks one index privilege:
        # the documents' refusal names it and the role, exit 1, each document kept in
        # the dead-letter file, nothing spooled, nothing stored.
        prefix = PREFIX + "-lacking"
        self.node.delete_prefix(prefix)
        setup = subprocess.run(["espcap-setup", f"node={self.url}", f"ca_file={CA_FILE}", "user=setup",
                                f"password_file={password_file('setup')}", f"index={prefix}"],
                               stderr=subprocess.PIPE, timeout=120, check=False)
        self.assertEqual(setup.returncode, 0, setup.stderr)
        for user, privilege in (("no_create_index", "auto_configure"), ("no_create_doc", "create_doc")):
            with self.subTest(user=user):
                work = tempfile.mkdtemp(dir=self.tmp)
                dead_letter = os.path.join(work, "dead-letter.ndjson")
                run = run_tshark(["-r", DNS, "-q", *self.connection(user=user), "-X", f"espcap:index={prefix}",
                                  "-X", f"espcap:dead_letter={dead_letter}",
                                  "-X", f"espcap:spool={os.path.join(work, 'spool')}"], cwd=work)
                text = run.stderr.decode(errors="replace")
                self.assertEqual(run.returncode, 1, text)
                said = [line for line in text.splitlines() if "the node refuses documents" in line]
                self.assertEqual(len(said), 1, text)
                self.assertIn(f"privilege {privilege} is missing", said[0])
                self.assertIn(f"add it to role espcap_{user}", said[0])
                packets, indexed, failed = summary(run.stderr)
                self.assertEqual((packets, indexed, failed), (108, 0, 108), text)
                with open(dead_letter) as kept:
                    self.assertEqual(sum(1 for _ in kept), 108)
                self.assertFalse([f for _, _, files in os.walk(os.path.join(work, "spool")) for f in files], text)
        self.assertEqual(self.node.count(f"{prefix}-*"), 0)
        self.node.delete_prefix(prefix)


if __name__ == "__main__":
    unittest.main()
