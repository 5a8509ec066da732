# SPDX-License-Identifier: GPL-2.0-or-later
"""espcap's memory while a node is down and every packet goes to the spool: a queue that
kept batches, or state that grew per packet, would show here.

- CI: 219k packets (ten copies of the bench captures). Its peak RSS stays within 128 MiB
  of plain `tshark -r` on the same file, and its RSS slope does too: tshark itself grows
  with every packet it reads (frame data, conversations), so both runs are sampled and,
  over the second half of each (the last 5% left out: freeing at the end), espcap's run
  may grow by at most 16 MiB more than plain tshark's.
- tests/run --long: the same bound on the peak over a million packets."""
import os
import subprocess
import tempfile
import time
import unittest

from espcap_test import build_bench_capture, summary, tshark_env

UNREACHABLE_NODE = "127.0.0.1:9"  # discard port: nothing answers, so every batch is spooled
PEAK_OVER_PLAIN_KIB = 128 * 1024
SECOND_HALF_GROWTH_KIB = 16 * 1024
SAMPLE_SECONDS = 0.02  # a fast machine reads the 219k packets in 2 s: enough samples for a slope


def rss_kib(pid):
    """VmRSS of a running process, or None once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


def sampled_run(command):
    """(exit status, stderr, peak RSS KiB, [(seconds, RSS KiB)]) of `command` under
    /usr/bin/time, its RSS sampled every SAMPLE_SECONDS."""
    with tempfile.TemporaryFile() as err:
        timer = subprocess.Popen(["/usr/bin/time", "-f", "%M", *command], stdout=subprocess.DEVNULL, stderr=err,
                                 env=tshark_env())
        start = time.monotonic()
        samples = []
        child = None
        while timer.poll() is None:
            if child is None:  # /usr/bin/time's only child
                try:
                    with open(f"/proc/{timer.pid}/task/{timer.pid}/children") as children:
                        child = int(children.read().split()[0])
                except (FileNotFoundError, IndexError):
                    pass
            rss = rss_kib(child) if child else None
            if rss:
                samples.append((time.monotonic() - start, rss))
            time.sleep(SAMPLE_SECONDS)
        err.seek(0)
        stderr = err.read()
    return timer.returncode, stderr, int(stderr.split()[-1]), samples


def second_half_growth_kib(samples):
    """RSS growth over the second half of a run (least-squares slope times its length),
    the last 5% left out."""
    duration = samples[-1][0]
    window = [(t, rss) for t, rss in samples if duration * 0.5 <= t <= duration * 0.95]
    if len(window) < 10:
        raise AssertionError(f"too few RSS samples in the second half: {len(window)} of {len(samples)}")
    return slope(window) * (window[-1][0] - window[0][0])


def slope(points):
    """Least-squares slope of (x, y) points."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


class SpoolMemoryCase(unittest.TestCase):
    def check_run(self, copies, index):
        """(packets, plain tshark's samples, espcap's samples) after the peak check."""
        with tempfile.TemporaryDirectory() as tmp:
            capture = build_bench_capture(tmp, copies)
            plain_code, _, plain_kib, plain_samples = sampled_run(["tshark", "-r", capture])
            self.assertEqual(plain_code, 0)
            code, stderr, peak_kib, samples = sampled_run(
                ["tshark", "-r", capture, "-q", "-X", f"espcap:node={UNREACHABLE_NODE}", "-X", f"espcap:index={index}",
                 "-X", f"espcap:spool={os.path.join(tmp, 'spool')}", "-X", "espcap:spool_max=8g"])
        packets, indexed, failed = summary(stderr)
        self.assertEqual(code, 3, stderr[-2000:])  # 3: everything spooled
        self.assertEqual((indexed, failed), (0, 0))
        self.assertIn(f"{packets} spooled".encode(), stderr)
        print(f"\n{packets}-packet spool run: peak RSS {peak_kib // 1024} MiB, plain tshark -r "
              f"{plain_kib // 1024} MiB (bound: {PEAK_OVER_PLAIN_KIB // 1024} MiB more)")
        self.assertLess(peak_kib - plain_kib, PEAK_OVER_PLAIN_KIB)
        return packets, plain_samples, samples


class TestSpoolMemory(SpoolMemoryCase):
    def test_memory_grows_as_plain_tshark_does_over_219k_spooled_packets(self):
        packets, plain_samples, samples = self.check_run(10, "it-spool-memory")
        self.assertGreater(packets, 200000)
        plain_growth, growth = second_half_growth_kib(plain_samples), second_half_growth_kib(samples)
        print(f"RSS growth over the second half: espcap's run {growth / 1024:.1f} MiB, plain tshark -r "
              f"{plain_growth / 1024:.1f} MiB (bound: {SECOND_HALF_GROWTH_KIB // 1024} MiB more)")
        self.assertLess(growth - plain_growth, SECOND_HALF_GROWTH_KIB)


class TestMillionPacketSpool(SpoolMemoryCase):
    def test_peak_memory_while_a_million_packets_spool(self):
        packets, _, _ = self.check_run(46, "it-spool-big")
        self.assertGreater(packets, 1000000)


if __name__ == "__main__":
    unittest.main()
