# SPDX-License-Identifier: GPL-2.0-or-later
"""A capture that never ends, compressed into ten minutes: tcpreplay sends numbered packets
at a moderate rate over a veth pair inside a network namespace this test creates, dumpcap
captures them there, and tshark -M (session auto-reset) with espcap reads dumpcap's stream
while Elasticsearch is restarted twice. Every captured packet must be stored exactly once
across the resets and the outages, and tshark's memory must stay flat.

Wireshark 4.0's tshark itself grows by about 10 MB at every session reset (measured: -T ek
with -M 1000 on the bench capture peaks at 656 MB against 216 MB without -M; 4.4 and 4.6
peak at 176 and 191 MB, so -M there does what it should). So beside espcap's tshark a
control tshark reads the same packets (a second dumpcap on the same link) with the same
-M and writes `-T ek` to /dev/null: espcap's memory is flat when its RSS slope exceeds
the control's by less than the bound, and on a Wireshark whose resets do not leak both
slopes are flat. The two are compared reset by reset (RSS read as each prints
"resetting session"), not second by second: espcap's tshark falls behind while the node
is away and catches up later, so its resets come later than the control's.

Runs only from `tests/run --long` (ESPCAP_LONG_TESTS=1): it takes over ten minutes."""
import os
import re
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from espcap_test import ES_NODE, ES_URL, ROOT, count, delete_indices, es, summary, tshark_env
from netns_link import CapturePipe, NamespacedLink

ES_SERVER = os.path.join(ROOT, "tests", "es-server")
ES_PORT = ES_URL.rsplit(":", 1)[1]
REPLAYED = re.compile(rb"Actual: (\d+) packets")
RESET = b"resetting session"
PIPE_BYTES = 1 << 20  # /proc/sys/fs/pipe-max-size by default
PORT = 49999          # no dissector claims it: every packet is eth/ip/udp/data
IP_SRC_FIELD = "layers.ip.ip_ip_src"


def numbered_capture(path, total):
    """A pcap of `total` UDP packets; packet n comes from 10.a.b.c with a.b.c = n, so each
    one is recognisable in Elasticsearch by its source address."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        for n in range(total):
            payload = b"espcap-long %08d" % n
            udp = struct.pack("!HHHH", PORT, PORT, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0,
                             bytes([10, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF]), bytes([10, 255, 255, 254]))
            frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + udp
            f.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)


def source_number(address):
    _, a, b, c = (int(part) for part in address.split("."))
    return (a << 16) | (b << 8) | c


def stored_numbers(pattern):
    """{packet number: documents} over every document under `pattern`, read exactly with a
    composite aggregation (a page of 10000 source addresses at a time)."""
    numbers = {}
    after = None
    for _ in range(1000):  # 10 million addresses at most
        sources = [{"src": {"terms": {"field": IP_SRC_FIELD}}}]
        body = {"size": 0, "aggs": {"by_src": {"composite": {"size": 10000, "sources": sources}}}}
        if after:
            body["aggs"]["by_src"]["composite"]["after"] = after
        reply = es("POST", f"/{pattern}/_search", body)["aggregations"]["by_src"]
        for bucket in reply["buckets"]:
            numbers[source_number(bucket["key"]["src"])] = bucket["doc_count"]
        after = reply.get("after_key")
        if not reply["buckets"] or after is None:
            return numbers
    raise AssertionError("more source addresses than any capture of this test sends")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def capture_file(tshark_pid):
    """The temporary file tshark's dumpcap writes and tshark reads, or None: without -w it
    holds every captured packet for the whole run."""
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) != tshark_pid:
                continue
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if os.path.basename(target).startswith("wireshark_"):
                    return target
        except (OSError, ValueError, IndexError):
            continue  # a process that ended while we looked
    return None


def spooled_batches(spool):
    """Batch files waiting in the spool (its lock files stay)."""
    return sum(name.endswith(".ndjson.gz") for _, _, files in os.walk(spool) for name in files)


def slope(points):
    """Least-squares slope of [(t, y)]."""
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    return sum((t - mean_t) * (y - mean_y) for t, y in points) / sum((t - mean_t) ** 2 for t, _ in points)


class Restarts(threading.Thread):
    """Stops and starts this test's Elasticsearch at the given seconds of the run."""

    def __init__(self, start, at_seconds):
        super().__init__(daemon=True)
        self.start_time = start
        self.at_seconds = at_seconds
        self.outages = []   # (stopped at, answering again at), seconds into the run
        self.errors = []

    def run(self):
        for at in self.at_seconds:
            delay = self.start_time + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # a point in the schedule, not a wait for a condition
            down = time.monotonic() - self.start_time
            stop = subprocess.run([ES_SERVER, "stop", "--port", ES_PORT], capture_output=True, timeout=600)
            if stop.returncode != 0:
                self.errors.append(("stop", stop.stderr))
            # A stop that found no pid file stops nothing: the outage must be real.
            if subprocess.run([ES_SERVER, "status", "--port", ES_PORT]).returncode == 0:
                self.errors.append(("stop", b"still answering after stop: " + stop.stderr))
            start = subprocess.run([ES_SERVER, "start", "--port", ES_PORT], capture_output=True, timeout=600)
            # On a loaded machine the JVM can take longer than es-server waits for it
            # (180 s): only a node that never answers is an error.
            deadline = time.monotonic() + 600
            while subprocess.run([ES_SERVER, "status", "--port", ES_PORT]).returncode != 0:
                if time.monotonic() > deadline:
                    self.errors.append(("start", start.stderr))
                    break
                time.sleep(1)
            self.outages.append((round(down), round(time.monotonic() - self.start_time)))


@unittest.skipUnless(os.environ.get("ESPCAP_LONG_TESTS") == "1", "long run: tests/run --long")
@unittest.skipUnless(os.geteuid() == 0, "needs root for the namespace, dumpcap and tests/es-server")
class TestCaptureThatNeverEnds(unittest.TestCase):
    RATE = int(os.environ.get("ESPCAP_LONG_RATE_PPS", "300"))
    SECONDS = int(os.environ.get("ESPCAP_LONG_SECONDS", "600"))
    RESET_EVERY = int(os.environ.get("ESPCAP_LONG_RESET_PACKETS", "5000"))
    # Flat: after the last outage, espcap's gap to tshark alone changes by less than one
    # allocator block (8 MiB) over the remaining resets (at least four: 20,000 packets,
    # so a leak of 400 bytes a packet fails).
    MAX_STEADY_CHANGE_KIB = 8 * 1024

    def test_every_packet_once_and_memory_flat_across_resets_and_outages(self):
        index = "it-long"
        delete_indices(f"{index}-*")
        total = self.RATE * self.SECONDS
        with tempfile.TemporaryDirectory() as tmp, NamespacedLink("espcap-long", ("lv0", "lv1")) as link:
            capture = os.path.join(tmp, "numbered.pcap")
            numbered_capture(capture, total)
            spool = os.path.join(tmp, "spool")
            at_reset = {"tshark": [], "control": []}  # (time.monotonic(), KiB) at each reset
            pids = {}

            def on_reset(name):
                def on_line(stream, line):
                    if stream == "tshark" and RESET in line:
                        try:
                            at_reset[name].append((time.monotonic(), rss_kib(pids[name])))
                        except (OSError, AssertionError, KeyError):
                            pass  # the process is ending
                return on_line
            # dumpcap stops by itself after the last packet; a lost packet leaves it waiting.
            # tshark shares two loaded cores with everything else: a big kernel buffer and
            # pipe let dumpcap ride out its slow moments without dropping. tshark's input
            # stays open after dumpcap ends: the capture goes on.
            dumpcap_args = ["-f", f"udp port {PORT}", "-B", "256", "-c", str(total)]
            pipe = CapturePipe(link, "lv1", ["-q", "-M", str(self.RESET_EVERY), "-X", f"espcap:node={ES_NODE}",
                                             "-X", f"espcap:index={index}", "-X", f"espcap:spool={spool}",
                                             "-X", "espcap:retry_seconds=5"],
                               dumpcap_args, env=tshark_env(), pipe_bytes=PIPE_BYTES, keep_input_open=True,
                               on_line=on_reset("tshark"))
            # The control: the same packets through tshark alone, same -M, the tree built
            # and written as EK JSON, no espcap.
            control_pipe = CapturePipe(link, "lv1", ["-M", str(self.RESET_EVERY), "-T", "ek"], dumpcap_args,
                                       env=tshark_env(), pipe_bytes=PIPE_BYTES, keep_input_open=True,
                                       on_line=on_reset("control"))
            with pipe, control_pipe:
                reader, control = pipe.reader, control_pipe.reader
                pids.update(tshark=reader.pid, control=control.pid)
                pipe.wait_until_capturing()
                control_pipe.wait_until_capturing()

                replay = subprocess.Popen(link.run("tcpreplay", "-i", "lv0", f"--pps={self.RATE}", capture),
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                start = time.monotonic()
                restarts = Restarts(start, [self.SECONDS * 0.2, self.SECONDS * 0.5])
                restarts.start()
                rss = []  # (seconds into the run, KiB)
                control_rss = []
                spill = None
                spill_bytes = 0
                next_sample = start
                while replay.poll() is None and time.monotonic() < start + self.SECONDS * 2 + 120:
                    rss.append((time.monotonic() - start, rss_kib(reader.pid)))
                    control_rss.append((rss[-1][0], rss_kib(control.pid)))
                    spill = spill or capture_file(reader.pid)
                    if spill and os.path.exists(spill):
                        spill_bytes = os.path.getsize(spill)
                    next_sample += 1
                    time.sleep(max(0.0, next_sample - time.monotonic()))
                replay_out, replay_err = replay.communicate(timeout=60)
                pipe.end_capture(timeout=30)  # packets lost: stopped to read its counts
                # The capture goes on (tshark's input stays open) until the node is back and
                # tshark has emptied the spool by itself, as a capture that never ends would.
                restarts.join(timeout=1300)
                control_pipe.end_capture(timeout=30)
                control_pipe.close_input()
                control.wait(timeout=300)
                deadline = time.monotonic() + 300
                while spooled_batches(spool) and time.monotonic() < deadline:
                    time.sleep(1)
                pipe.close_input()
                reader.wait(timeout=900)
            err = pipe.stderr
            # tshark leaves its capture file behind when its input pipe ends.
            if spill and os.path.exists(spill):
                os.remove(spill)
            left_in_spool = spooled_batches(spool)

        sent = int(REPLAYED.search(replay_out).group(1))
        received, dropped = pipe.counts()
        packets, indexed, failed = summary(err["tshark"])
        resets = err["tshark"].count(RESET)
        half = [point for point in rss if point[0] >= self.SECONDS / 2]
        kib_per_s = slope(half)
        control_kib_per_s = slope([point for point in control_rss if point[0] >= self.SECONDS / 2])
        # espcap's own memory: its gap to the control at the same reset. While the node is
        # away the gap grows in steps (batches waiting, gzip and spool buffers, up to their
        # bounds); once the node is back for good it must not grow any more. Allocators
        # move in blocks (Wireshark's are 8 MiB), so "flat" is a change of less than one.
        pairs = list(zip(at_reset["tshark"], at_reset["control"]))
        back_for_good = start + (restarts.outages[-1][1] if restarts.outages else 0) + 10
        steady = [ours[1] - theirs[1] for ours, theirs in pairs if ours[0] > back_for_good]
        steady_change_kib = steady[-1] - steady[0] if len(steady) >= 2 else float("nan")
        report = (f"sent {sent}, received {received}, dropped {dropped}; espcap {packets} packets, "
                  f"{indexed} indexed, {failed} failed; {resets} session resets; outages {restarts.outages}; "
                  f"RSS KiB start {rss[0][1]}, middle {rss[len(rss) // 2][1]}, end {rss[-1][1]}, "
                  f"max {max(k for _, k in rss)}; slope over second half {kib_per_s:.2f} KiB/s "
                  f"(tshark alone's {control_kib_per_s:.2f}, whose RSS KiB went {control_rss[0][1]} to "
                  f"{control_rss[-1][1]}); KiB at each reset, espcap's {[k for _, k in at_reset['tshark']]}, "
                  f"tshark alone's {[k for _, k in at_reset['control']]}; after the node was back for good "
                  f"espcap's gap went {steady[:1]} to {steady[-1:]} over {len(steady)} resets "
                  f"(bound {self.MAX_STEADY_CHANGE_KIB} KiB); tshark's capture file {spill}: {spill_bytes} bytes; "
                  f"{left_in_spool} files left in the spool; restart errors {restarts.errors}\n"
                  + err["tshark"][-1500:].decode("utf-8", "replace"))
        print("\n" + report)
        self.assertEqual(replay.returncode, 0, replay_err)
        self.assertEqual(restarts.errors, [], report)
        self.assertEqual(len(restarts.outages), 2)
        self.assertEqual(sent, total)
        self.assertEqual((received, dropped), (total, 0), report)
        self.assertGreaterEqual(resets, total // self.RESET_EVERY - 1, report)
        self.assertEqual((packets, failed, left_in_spool), (received, 0, 0), report)
        self.assertEqual(count(f"{index}-*"), received)
        numbers = stored_numbers(f"{index}-*")
        missing = sorted(set(range(total)) - set(numbers))
        twice = sorted(n for n, docs in numbers.items() if docs != 1)
        self.assertEqual((missing[:20], twice[:20], len(numbers)), ([], [], total))
        self.assertGreaterEqual(len(steady), 4, report)
        self.assertLess(abs(steady_change_kib), self.MAX_STEADY_CHANGE_KIB, report)
        delete_indices(f"{index}-*")


if __name__ == "__main__":
    unittest.main()
