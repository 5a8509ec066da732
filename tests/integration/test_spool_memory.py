# SPDX-License-Identifier: GPL-2.0-or-later
"""espcap's memory while a node is down and every packet goes to the spool: a queue that
kept batches, or state that grew per packet, would show here.

- CI: 219k packets (ten copies of the bench captures). tshark's RSS is sampled as it
  runs; over the second half of the run it grows by less than 16 MiB, and its peak stays
  within 128 MiB of plain `tshark -r` on the same file.
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
SAMPLE_SECONDS = 0.1


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


def plain_peak_kib(capture):
    run = subprocess.run(["/usr/bin/time", "-f", "%M", "tshark", "-r", capture], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=tshark_env(), check=True)
    return int(run.stderr.split()[-1])


def spool_everything(capture, spool, index):
    """(exit status, stderr, peak RSS KiB, [(seconds, RSS KiB)]) of a run whose node is down."""
    command = ["/usr/bin/time", "-f", "%M", "tshark", "-r", capture, "-q", "-X", f"espcap:node={UNREACHABLE_NODE}",
               "-X", f"espcap:index={index}", "-X", f"espcap:spool={spool}", "-X", "espcap:spool_max=8g"]
    with tempfile.TemporaryFile() as err:
        timer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=tshark_env())
        start = time.monotonic()
        samples = []
        tshark = None
        while timer.poll() is None:
            if tshark is None:  # /usr/bin/time's only child
                children = open(f"/proc/{timer.pid}/task/{timer.pid}/children").read().split()
                tshark = int(children[0]) if children else None
            rss = rss_kib(tshark) if tshark else None
            if rss:
                samples.append((time.monotonic() - start, rss))
            time.sleep(SAMPLE_SECONDS)
        err.seek(0)
        stderr = err.read()
    return timer.returncode, stderr, int(stderr.split()[-1]), samples


def slope(points):
    """Least-squares slope of (x, y) points."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


class SpoolMemoryCase(unittest.TestCase):
    def check_run(self, copies, index):
        with tempfile.TemporaryDirectory() as tmp:
            capture = build_bench_capture(tmp, copies)
            plain_kib = plain_peak_kib(capture)
            code, stderr, peak_kib, samples = spool_everything(capture, os.path.join(tmp, "spool"), index)
        packets, indexed, failed = summary(stderr)
        self.assertEqual(code, 3, stderr[-2000:])  # 3: everything spooled
        self.assertEqual((indexed, failed), (0, 0))
        self.assertIn(f"{packets} spooled".encode(), stderr)
        print(f"\n{packets}-packet spool run: peak RSS {peak_kib // 1024} MiB, plain tshark -r "
              f"{plain_kib // 1024} MiB (bound: {PEAK_OVER_PLAIN_KIB // 1024} MiB more)")
        self.assertLess(peak_kib - plain_kib, PEAK_OVER_PLAIN_KIB)
        return packets, samples


class TestSpoolMemory(SpoolMemoryCase):
    def test_memory_is_flat_over_the_second_half_of_219k_spooled_packets(self):
        packets, samples = self.check_run(10, "it-spool-memory")
        self.assertGreater(packets, 200000)
        duration = samples[-1][0]
        second_half = [(t, rss) for t, rss in samples if t >= duration / 2]
        self.assertGreater(len(second_half), 10, f"too few RSS samples: {samples}")
        growth_kib = slope(second_half) * (duration / 2)
        print(f"RSS over the second half ({duration / 2:.0f} s, {len(second_half)} samples): "
              f"{second_half[0][1] // 1024} to {second_half[-1][1] // 1024} MiB, fitted growth "
              f"{growth_kib / 1024:.1f} MiB (bound {SECOND_HALF_GROWTH_KIB // 1024} MiB)")
        self.assertLess(growth_kib, SECOND_HALF_GROWTH_KIB)


class TestMillionPacketSpool(SpoolMemoryCase):
    def test_peak_memory_while_a_million_packets_spool(self):
        packets, _ = self.check_run(46, "it-spool-big")
        self.assertGreater(packets, 1000000)


if __name__ == "__main__":
    unittest.main()
