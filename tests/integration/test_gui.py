# SPDX-License-Identifier: GPL-2.0-or-later
"""Wireshark's Tools > Export to Elasticsearch and Tools > Open from Elasticsearch,
driven in a real Wireshark (Qt) on a virtual X display (Xvfb) against the real
Elasticsearch.

The menu is picked with the keyboard through xdotool. The other cases start the same
menu callback through ESPCAP_GUI_EXPORT once the file is loaded, and read what the
result window showed from ESPCAP_GUI_RESULT_FILE. Screenshots go to build/artifacts
(or $ESPCAP_ARTIFACTS_DIR). Budget: about 2 minutes, 6 at most (ctest TIMEOUT 360)."""
import glob
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import screenshot
from espcap_test import ES_NODE, ROOT, TEST_PCAPS, count, delete_indices, es, refresh, run_tshark, tshark_env

HTTP = os.path.join(TEST_PCAPS, "test_http.pcap")
HTTP_PACKETS = 1268
DNS = os.path.join(TEST_PCAPS, "test_dns.pcap")
ARTIFACTS = os.environ.get("ESPCAP_ARTIFACTS_DIR", os.path.join(ROOT, "build", "artifacts"))
WINDOW_TITLE = "Export to Elasticsearch"
STARTUP_SECONDS = 60
EXPORT_SECONDS = 90


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class VirtualDisplay:
    """An Xvfb server on the first free display number (Xvfb picks it: -displayfd)."""

    def __enter__(self):
        read_end, write_end = os.pipe()
        self.server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_end)
        with os.fdopen(read_end) as numbers:
            self.name = ":" + numbers.readline().strip()
        return self

    def __exit__(self, *_):
        self.server.terminate()
        self.server.wait(timeout=30)

    def xdotool(self, *args):
        run = subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": self.name},
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30, check=False)
        return run.stdout.decode().split()

    def windows_named(self, title):
        return self.xdotool("search", "--onlyvisible", "--name", title)

    def topmost_window(self):
        """The window on top of the stacking order (xwininfo lists the top one first)."""
        run = subprocess.run(["xwininfo", "-display", self.name, "-root", "-children"], stdout=subprocess.PIPE,
                             check=True, timeout=30)
        lines = run.stdout.decode().splitlines()
        first_child = lines[[i for i, line in enumerate(lines) if line.strip().endswith("children:")][0] + 1]
        return first_child.split()[0]

    def wait_for_new_top_window(self, what, *known):
        """A window (a menu, say) that opened on top of the `known` ones."""
        def new_on_top():
            top = self.topmost_window()
            return top if top not in known else None
        return wait_until(new_on_top, 10, what)

    def save(self, png_name, window="root"):
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = os.path.join(ARTIFACTS, png_name)
        screenshot.capture(self.name, path, window)
        return path


class Wireshark:
    """wireshark -r FILE on `display`, with its own configuration folder, so personal
    preferences (an espcap.node, say) cannot change what the test sees."""

    def __init__(self, display, args, auto_export=None, auto_open=None):
        self.display = display
        self.home = tempfile.mkdtemp(prefix="espcap-gui-")
        self.result_file = os.path.join(self.home, "results.txt")
        # TMPDIR: the answers of Open from Elasticsearch land in the test's own folder.
        env = {**tshark_env(), "DISPLAY": display.name, "WIRESHARK_CONFIG_DIR": self.home,
               "XDG_RUNTIME_DIR": self.home, "ESPCAP_GUI_RESULT_FILE": self.result_file, "TMPDIR": self.home}
        env.pop("ESPCAP_GUI_EXPORT", None)
        env.pop("ESPCAP_GUI_OPEN", None)
        if auto_export:
            env["ESPCAP_GUI_EXPORT"] = auto_export
        if auto_open is not None:
            env["ESPCAP_GUI_OPEN"] = "\t".join(auto_open)
        self.log = open(os.path.join(self.home, "wireshark.log"), "wb")
        # Started in its own folder: the default spool and dead-letter paths are relative.
        self.process = subprocess.Popen(["wireshark", *args], env=env, cwd=self.home, stdout=self.log,
                                        stderr=self.log)

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def wait_for_main_window(self, file_name):
        return wait_until(lambda: self.display.windows_named(file_name), STARTUP_SECONDS,
                          f"Wireshark's window for {file_name}")[0]

    def texts_shown(self):
        """Every text espcap showed in a window, oldest first."""
        if not os.path.exists(self.result_file):
            return []
        with open(self.result_file, encoding="utf-8") as shown:
            return [block.strip("\n") for block in shown.read().split("\n----\n") if block.strip()]

    def log_text(self):
        """What Wireshark printed on stdout and stderr so far."""
        with open(os.path.join(self.home, "wireshark.log"), encoding="utf-8", errors="replace") as log:
            return log.read()

    def wait_for_results(self, how_many):
        return wait_until(lambda: len(self.texts_shown()) >= how_many and self.texts_shown(), EXPORT_SECONDS,
                          f"{how_many} espcap result text(s)")


def documents_by_id(pattern):
    """{_id: _source} of every document under `pattern` (fewer than 10000)."""
    refresh(pattern)
    reply = es("POST", f"/{pattern}/_search?size=10000", {"query": {"match_all": {}}})
    return {hit["_id"]: hit["_source"] for hit in reply["hits"]["hits"]}


def field(text, label):
    """The value after 'label:' in a result text."""
    for line in text.splitlines():
        if line.startswith(label + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no '{label}:' line in:\n{text}")


class TestGuiExport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("wireshark", "Xvfb", "xdotool", "xwd", "xwininfo"):
            if shutil.which(tool) is None:
                raise AssertionError(f"{tool} is missing: run scripts/install-deps")

    def setUp(self):
        self.display = VirtualDisplay().__enter__()
        self.addCleanup(self.display.__exit__)

    def open_wireshark(self, args, auto_export=None):
        wireshark = Wireshark(self.display, args, auto_export)
        self.addCleanup(wireshark.close)
        return wireshark

    def test_menu_exports_every_packet_and_a_second_export_adds_nothing(self):
        delete_indices("it-gui-all-*")
        wireshark = self.open_wireshark(["-r", HTTP, "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-gui-all"])
        main_window = wireshark.wait_for_main_window("test_http.pcap")
        time.sleep(1)  # the packet list is drawn after the window appears
        # Loading and showing the file dissects every packet; none of that is indexed.
        self.assertEqual(count("it-gui-all-*"), 0)
        # Tools (Alt+T), sorted by name: ... Export to Elasticsearch, Lua, Open from
        # Elasticsearch. Up from the first entry wraps around to the last.
        self.display.xdotool("windowfocus", "--sync", main_window)
        before = self.display.topmost_window()
        self.display.xdotool("key", "alt+t")
        tools_menu = self.display.wait_for_new_top_window("the Tools menu", before)
        self.display.xdotool("key", "Up", "Up", "Up", "Right")
        submenu = self.display.wait_for_new_top_window("the Export to Elasticsearch submenu", before, tools_menu)
        time.sleep(0.5)  # drawn
        self.display.save("gui-menu-screen.png")
        self.display.save("gui-menu.png", submenu)
        self.display.xdotool("key", "Return")  # "All Packets"

        text = wireshark.wait_for_results(1)[0]
        self.assertTrue(text.startswith("Export complete."), text)
        self.assertEqual(field(text, "Packets"), f"all {HTTP_PACKETS} packets")
        self.assertEqual(field(text, "Indexed"), str(HTTP_PACKETS))
        self.assertEqual(field(text, "Failed"), "0")
        self.assertEqual(field(text, "Indices"), "it-gui-all-2015-07-30")
        self.assertIn(f"espcap: {HTTP_PACKETS} packets, {HTTP_PACKETS} indexed, 0 failed", text)
        self.assertEqual(count("it-gui-all-*"), HTTP_PACKETS)
        result_window = wait_until(lambda: self.display.windows_named(WINDOW_TITLE), 10, "the result window")[-1]
        time.sleep(0.5)
        self.display.save("gui-result.png", result_window)

        wireshark.close()

        # The same file again from a second Wireshark: the ids repeat, nothing is added.
        # Two exports are asked for at once; the second must be turned away politely.
        again = self.open_wireshark(["-r", HTTP, "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-gui-all"],
                                    auto_export="all,all")
        refused, result = again.wait_for_results(2)
        self.assertIn("already running", refused)
        self.assertEqual(field(result, "Indexed"), "0")
        self.assertEqual(field(result, "Already indexed"), str(HTTP_PACKETS))
        self.assertEqual(count("it-gui-all-*"), HTTP_PACKETS)

    def test_displayed_packets_only(self):
        # test_http.pcap has no DNS packet; its HTTP packets are a proper subset.
        delete_indices("it-gui-shown-*")
        shown = run_tshark(["-r", HTTP, "-Y", "http", "-T", "fields", "-e", "frame.number"]).stdout.decode().split()
        self.assertGreater(len(shown), 0)
        self.assertLess(len(shown), HTTP_PACKETS)
        wireshark = self.open_wireshark(["-r", HTTP, "-Y", "http", "-X", f"espcap:node={ES_NODE}",
                                         "-X", "espcap:index=it-gui-shown"], auto_export="displayed")
        text = wireshark.wait_for_results(1)[0]
        self.assertEqual(field(text, "Packets"),
                         f"the {len(shown)} displayed of {HTTP_PACKETS} packets (display filter: http)")
        self.assertEqual(field(text, "Indexed"), str(len(shown)))
        self.assertEqual(count("it-gui-shown-*"), len(shown))
        # Exactly the frames tshark's filter shows, not just as many.
        self.assertEqual(count("it-gui-shown-*", {"terms": {"layers.frame.frame_frame_number": shown}}), len(shown))

    def test_without_a_node_the_user_is_asked_for_one(self):
        delete_indices("it-gui-ask-*")
        wireshark = self.open_wireshark(["-r", HTTP, "-X", "espcap:index=it-gui-ask"], auto_export="all")
        dialog = wait_until(lambda: self.display.windows_named(WINDOW_TITLE), STARTUP_SECONDS, "the node dialog")[0]
        time.sleep(0.5)
        self.display.save("gui-ask-node.png", dialog)
        # The OK button has the focus; click into the text field (it ends at the right edge).
        width = int(dict(line.split("=") for line in self.display.xdotool("getwindowgeometry", "--shell", dialog))["WIDTH"])
        self.display.xdotool("mousemove", "--window", dialog, str(width - 30), "22", "click", "1")
        self.display.xdotool("type", ES_NODE)
        self.display.xdotool("key", "Return")
        text = wireshark.wait_for_results(1)[0]
        self.assertEqual(field(text, "Elasticsearch"), f"http://{ES_NODE}", text)
        self.assertEqual(field(text, "Indexed"), str(HTTP_PACKETS), text)
        self.assertEqual(count("it-gui-ask-*"), HTTP_PACKETS)

    def test_unreachable_node_is_explained(self):
        spool = tempfile.mkdtemp(prefix="espcap-gui-spool-")
        self.addCleanup(shutil.rmtree, spool, True)
        # As in tshark, the documents wait in the spool for the node to come back...
        spooling = self.open_wireshark(["-r", HTTP, "-X", "espcap:node=127.0.0.1:1", "-X", f"espcap:spool={spool}"],
                                       auto_export="all")
        text = spooling.wait_for_results(1)[0]
        self.assertTrue(text.startswith("Export incomplete"), text)
        self.assertIn("could not be reached", text)
        self.assertIn("cannot reach Elasticsearch", text)
        self.assertEqual(field(text, "Spooled"), str(HTTP_PACKETS))
        self.assertIn(f"documents wait in {spool}", text)
        spooling.close()
        # ...and without a spool, nothing is exported and the window says why.
        stopped = self.open_wireshark(["-r", HTTP, "-X", "espcap:node=127.0.0.1:1", "-X", "espcap:spool=off"],
                                      auto_export="all")
        text = stopped.wait_for_results(1)[0]
        self.assertTrue(text.startswith("Nothing was exported."), text)
        self.assertIn("cannot reach Elasticsearch", text)
        self.assertIn("Edit > Preferences > Protocols > espcap", text)

    def test_flow_records_are_those_tshark_writes(self):
        # One pipeline for both: with flows=true the export writes the flow records a
        # tshark run writes for the same file, and packets name their flows alike.
        delete_indices("it-gui-fl-*")
        delete_indices("it-tshark-fl-*")
        run = run_tshark(["-r", HTTP, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-tshark-fl",
                          "-X", "espcap:flows=true"])
        self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
        tshark_flows = documents_by_id("it-tshark-fl-flows-*")
        self.assertGreater(len(tshark_flows), 0)
        wireshark = self.open_wireshark(["-r", HTTP, "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-gui-fl",
                                         "-X", "espcap:flows=true"], auto_export="all")
        text = wireshark.wait_for_results(1)[0]
        self.assertTrue(text.startswith("Export complete."), text)
        self.assertEqual(field(text, "Flow records"), str(len(tshark_flows)))
        self.assertIn(f"{len(tshark_flows)} flow records", text)
        self.assertEqual(count("it-gui-fl-2*"), HTTP_PACKETS)
        self.assertEqual(documents_by_id("it-gui-fl-flows-*"), tshark_flows)
        with_flow = {"exists": {"field": "network.community_id"}}
        self.assertGreater(count("it-gui-fl-2*", with_flow), 0)
        self.assertEqual(count("it-gui-fl-2*", with_flow), count("it-tshark-fl-2*", with_flow))

    def test_displayed_packets_only_count_in_flows(self):
        # Flows of the displayed packets: the rows of tshark's conversation table under
        # the same display filter (test_http.pcap is TCP alone).
        delete_indices("it-gui-flshown-*")
        table = run_tshark(["-r", HTTP, "-q", "-z", "conv,tcp,http"]).stdout.decode()
        frames = sorted(int(line.split()[9]) for line in table.splitlines() if " <-> " in line)
        self.assertGreater(len(frames), 0)
        wireshark = self.open_wireshark(["-r", HTTP, "-Y", "http", "-X", f"espcap:node={ES_NODE}",
                                         "-X", "espcap:index=it-gui-flshown", "-X", "espcap:flows=true"],
                                        auto_export="displayed")
        text = wireshark.wait_for_results(1)[0]
        self.assertEqual(field(text, "Flow records"), str(len(frames)), text)
        flows = documents_by_id("it-gui-flshown-flows-*").values()
        self.assertEqual(sorted(flow["network"]["packets"] for flow in flows), frames)
        self.assertEqual(sum(frames), count("it-gui-flshown-2*"))

    def test_warnings_are_shown_in_the_result_window(self):
        # An http.host the index maps as an IP address: the node refuses the mapping, a
        # warning tshark prints on stderr. In Wireshark nobody reads stderr.
        delete_indices("it-gui-warn-*")
        es("PUT", "/it-gui-warn-2015-07-30", {"mappings": {"properties": {"layers": {"properties": {
            "http": {"properties": {"http_http_host": {"type": "ip"}}}}}}}})
        wireshark = self.open_wireshark(["-r", HTTP, "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-gui-warn"],
                                        auto_export="all")
        text = wireshark.wait_for_results(1)[0]
        self.assertTrue(text.startswith("Export finished with errors."), text)
        self.assertIn("Warnings:", text)
        warnings = text.split("Warnings:\n", 1)[1]
        self.assertIn("it-gui-warn-2015-07-30: layers.http.http_http_host is already mapped as ip, not keyword",
                      warnings)
        # The summary line, through the same reporter, still ends the text.
        self.assertTrue(text.splitlines()[-1].startswith(f"espcap: {HTTP_PACKETS} packets"), text)
        self.assertNotIn("already mapped", wireshark.log_text())


OPEN_TITLE = "Open from Elasticsearch"
WIRESHARK_WITHOUT_FILE = "The Wireshark Network Analyzer"


def iso_utc(epoch_ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_ms // 1000)) + f".{epoch_ms % 1000:03d}Z"


def frame_times(pcap, display_filter=None):
    """Each frame's frame.time_epoch as tshark prints it, sorted: what identifies a packet
    across the original capture and the answer."""
    args = ["-r", pcap, "-T", "fields", "-e", "frame.time_epoch"] + (["-Y", display_filter] if display_filter else [])
    run = run_tshark(args)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    return sorted(run.stdout.decode().split())


def capinfos_packets(pcap):
    run = subprocess.run(["capinfos", "-M", "-c", "-T", "-r", pcap], stdout=subprocess.PIPE, check=True, timeout=60)
    return int(run.stdout.decode().split("\t")[-1])


class TestGuiOpen(unittest.TestCase):
    """Tools > Open from Elasticsearch: test_dns.pcap indexed by tshark, searched from
    Wireshark's dialog, the answer opened as a capture."""

    @classmethod
    def setUpClass(cls):
        for tool in ("wireshark", "Xvfb", "xdotool", "xwd", "xwininfo", "capinfos", "espcap-pcap"):
            if shutil.which(tool) is None:
                raise AssertionError(f"{tool} is missing: run scripts/install-deps")
        delete_indices("it-gui-open*")
        run = run_tshark(["-r", DNS, "-q", "-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-gui-open"])
        assert run.returncode == 0, run.stderr.decode(errors="replace")
        refresh("it-gui-open*")
        cls.times = frame_times(DNS)
        assert count("it-gui-open*") == len(cls.times)

    def setUp(self):
        self.display = VirtualDisplay().__enter__()
        self.addCleanup(self.display.__exit__)

    def open_wireshark(self, auto_open=None, node=ES_NODE):
        wireshark = Wireshark(self.display, ["-X", f"espcap:node={node}", "-X", "espcap:index=it-gui-open"],
                              auto_open=auto_open)
        self.addCleanup(wireshark.close)
        return wireshark

    def time_range(self, first, last):
        """from/to in milliseconds between packets: first..last-1 (0-based) are inside."""
        def between(before, after):
            return (int(float(before) * 1000) + int(float(after) * 1000)) // 2
        return between(self.times[first - 1], self.times[first]), between(self.times[last - 1], self.times[last])

    def open_tools_menu(self, main_window):
        """Alt+T, again while Wireshark is still too busy starting up to open the menu."""
        for _ in range(3):
            self.display.xdotool("windowfocus", "--sync", main_window)
            before = self.display.topmost_window()
            self.display.xdotool("key", "alt+t")
            try:
                return self.display.wait_for_new_top_window("the Tools menu", before)
            except AssertionError:
                self.display.xdotool("key", "Escape")
        raise AssertionError("the Tools menu did not open")

    def accept_dialog(self):
        """OK in the dialog the test hook opened (OK has the focus once the dialog has)."""
        dialog = wait_until(lambda: self.display.windows_named(OPEN_TITLE), STARTUP_SECONDS, "the search dialog")[0]
        time.sleep(0.5)  # drawn
        self.display.xdotool("windowfocus", "--sync", dialog)
        self.display.xdotool("key", "Return")

    def answers(self, wireshark):
        return glob.glob(os.path.join(wireshark.home, "espcap-search-*.pcapng"))

    def test_menu_search_opens_the_answer_in_wireshark(self):
        display_filter = "dns.flags.response == 1"
        start_ms, end_ms = self.time_range(10, 90)
        expected = frame_times(DNS, f"{display_filter} && frame.time_epoch >= {start_ms / 1000:.3f} && "
                                    f"frame.time_epoch < {end_ms / 1000:.3f}")
        in_range = frame_times(DNS, f"frame.time_epoch >= {start_ms / 1000:.3f} && "
                                    f"frame.time_epoch < {end_ms / 1000:.3f}")
        self.assertGreater(len(expected), 0)
        self.assertLess(len(expected), len(in_range))

        wireshark = self.open_wireshark()
        main_window = wireshark.wait_for_main_window(WIRESHARK_WITHOUT_FILE)
        time.sleep(1)  # the welcome page is drawn after the window appears
        self.open_tools_menu(main_window)
        # The Tools menu is sorted by name; Up from its first entry wraps to the last, ours.
        self.display.xdotool("key", "Up", "Return")
        dialog = wait_until(lambda: self.display.windows_named(OPEN_TITLE), 30, "the search dialog")[0]
        time.sleep(0.5)  # drawn
        # The OK button has the focus; click into the first field (its right end), then Tab on.
        geometry = dict(line.split("=") for line in self.display.xdotool("getwindowgeometry", "--shell", dialog))
        self.display.xdotool("mousemove", "--window", dialog, str(int(geometry["WIDTH"]) - 30), "22", "click", "1")
        self.display.xdotool("type", display_filter)
        self.display.xdotool("key", "Tab")
        self.display.xdotool("type", iso_utc(start_ms))
        self.display.xdotool("key", "Tab")
        self.display.xdotool("type", iso_utc(end_ms))
        time.sleep(0.5)
        self.display.save("gui-open-dialog.png", dialog)
        self.display.xdotool("key", "Return")

        answer_window = wait_until(lambda: self.display.windows_named("espcap-search-"), 90,
                                   "Wireshark's window for the answer")[0]
        [answer] = self.answers(wireshark)
        self.assertIn(os.path.basename(answer), self.display.xdotool("getwindowname", answer_window)[0])
        self.assertEqual(os.stat(answer).st_mode & 0o777, 0o600)
        got = frame_times(answer)
        self.assertEqual(got, expected)  # what tshark -Y selects in the original, within the range
        self.assertLess(len(got), len(in_range))
        self.assertEqual(capinfos_packets(answer), len(got))
        text = wireshark.wait_for_results(1)[0]
        self.assertTrue(text.startswith("Packets found"), text)
        self.assertIn(f"{len(got)} of {len(in_range)} packets written to {answer}", text)
        # Only the answer is left in the folder: the secret files (none here) are gone.
        self.assertEqual(glob.glob(os.path.join(wireshark.home, "espcap-secret-*")), [])
        self.display.xdotool("windowsize", "--sync", answer_window, "1100", "640")  # room for the screenshot
        time.sleep(2)  # the packet list is drawn after the title changes
        self.display.save("gui-open-result.png", answer_window)
        # Every packet came: the capture is the whole answer, no espcap window stays open.
        wait_until(lambda: not self.display.windows_named(OPEN_TITLE), 10, "the progress window to close")
        # Quitting Wireshark (Ctrl+Q) removes the answer.
        self.display.xdotool("windowfocus", "--sync", answer_window)
        self.display.xdotool("key", "ctrl+q")
        wait_until(lambda: wireshark.process.poll() is not None, 30, "Wireshark to quit")
        self.assertFalse(os.path.exists(answer))

    def test_nothing_found_is_said(self):
        # A day years before the capture: no packet.
        wireshark = self.open_wireshark(auto_open=("dns", "2001-01-01", "2001-01-02"))
        self.accept_dialog()
        text = wireshark.wait_for_results(1)[0]
        self.assertTrue(text.startswith("Nothing found"), text)
        self.assertIn("From:           2001-01-01", text)
        self.assertEqual(self.answers(wireshark), [])  # an empty answer is not kept

    def test_unreachable_node_is_explained(self):
        wireshark = self.open_wireshark(auto_open=("dns", "2001-01-01", ""), node="127.0.0.1:1")
        self.accept_dialog()
        text = wireshark.wait_for_results(1)[0]
        self.assertTrue(text.startswith("The search failed"), text)
        self.assertIn("http://127.0.0.1:1 does not answer as Elasticsearch", text)
        self.assertIn("Elasticsearch:  127.0.0.1:1", text)

    def test_secrets_are_never_shown_and_their_files_are_removed(self):
        # espcap-pcap gets the password as password_file= (a 0600 file), never as text.
        # Whether or not that espcap-pcap reads the key yet, the secret appears nowhere.
        secret = "s3cret-never-shown"
        wireshark = Wireshark(self.display, ["-X", f"espcap:node={ES_NODE}", "-X", "espcap:index=it-gui-open",
                                             "-X", "espcap:user=analyst", "-X", f"espcap:password={secret}",
                                             "-X", f"espcap:api_key={secret}"],
                              auto_open=("dns", "2001-01-01", "2001-01-02"))
        self.addCleanup(wireshark.close)
        self.accept_dialog()
        text = wireshark.wait_for_results(1)[0]
        self.assertNotIn(secret, text)
        self.assertNotIn(secret, wireshark.log_text())
        self.assertEqual(glob.glob(os.path.join(wireshark.home, "espcap-secret-*")), [])

    def test_a_form_without_a_search_is_refused_before_anything_runs(self):
        wireshark = self.open_wireshark(auto_open=("", "", ""))
        self.accept_dialog()
        text = wireshark.wait_for_results(1)[0]
        self.assertTrue(text.startswith("Nothing was searched: give a display filter, a time range"), text)


if __name__ == "__main__":
    unittest.main()
