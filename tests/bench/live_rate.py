#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The highest live rate held with no packet dropped, by tshark alone, by tshark writing
every field (-T ek) and by tshark with espcap, side by side (issue 18). Run as root with the plugin installed (or under
tests/bench/run's staging) and an Elasticsearch at --node:

    tests/bench/live_rate.py --node 127.0.0.1:9200 [--seconds 5] [--rates 2000,4000,...]

For each rate, tcpreplay sends test_http.pcap in a loop for --seconds over a veth pair
inside a network namespace of this script's own; dumpcap captures the other end and
pipes its stream into tshark, which reads it as a live capture: with `-q` alone, with
`-T ek` into /dev/null, with espcap writing to /dev/null, and with espcap sending to the
node (with a spool, as a live capture should run). A
reader slower than the link fills the pipe, then dumpcap's buffer, and the kernel drops:
dumpcap's end-of-capture count says how many. Rates are tried from low to high, the
modes interleaved at each rate so that the machine's load hits all alike. Every run is
bounded by --seconds of traffic and a timeout; traffic stays inside the namespace.

Prints a Markdown table and, per mode, the highest rate with zero drops.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from netns_link import CapturePipe, NamespacedLink  # noqa: E402

CAPTURE = os.path.join(ROOT, "test_pcaps", "test_http.pcap")
SENT = re.compile(rb"Actual: (\d+) packets")
SUMMARY = re.compile(rb"espcap: (\d+) packets, (\d+) indexed, (\d+) failed")


def one_run(link, rate, seconds, tshark_args):
    """(sent, received, dropped, tshark's stderr) for one replay at `rate` packets/s."""
    # dumpcap stops by itself after the last packet; one that never arrives leaves it waiting.
    with CapturePipe(link, "rv1", tshark_args, ["-f", "tcp", "-B", "16", "-c", str(rate * seconds)]) as pipe:
        pipe.wait_until_capturing()
        replay = subprocess.run(link.run("tcpreplay", "-i", "rv0", f"--pps={rate}", f"--limit={rate * seconds}",
                                         "--loop=0", CAPTURE), capture_output=True, timeout=seconds * 20 + 60)
        pipe.end_capture(timeout=30)
        pipe.reader.wait(timeout=1800)
    sent = int(SENT.search(replay.stdout).group(1)) if SENT.search(replay.stdout) else 0
    received, dropped = pipe.counts() or (0, -1)
    return sent, received, dropped, pipe.stderr["tshark"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--node", default="127.0.0.1:9200")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rates", default="1000,2000,4000,8000,16000,32000")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("live_rate: needs root (network namespace, dumpcap)")
    rates = [int(rate) for rate in args.rates.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, NamespacedLink("espcap-bench-rate", ("rv0", "rv1")) as link:
        # tshark -q builds no protocol tree unless a tap asks for one; espcap needs every
        # field, so -T ek (the whole tree written out, as the Python ancestor read it) shows
        # what dissecting every field costs by itself.
        modes = {"tshark alone": ["-q"],
                 "tshark -T ek": ["-T", "ek"],
                 # espcap's own work without a node: what is left is the node's share of the CPU
                 "tshark + espcap to /dev/null": ["-q", "-X", "espcap:file=/dev/null"],
                 "tshark + espcap": ["-q", "-X", f"espcap:node={args.node}", "-X", "espcap:index=bench-rate",
                                     "-X", f"espcap:spool={tmp}/spool", "-X", "espcap:retry_seconds=5"]}
        for rate in rates:
            row = {"rate": rate}
            for mode, tshark_args in modes.items():
                print(f"live_rate: {rate} packets/s, {mode}", file=sys.stderr)
                sent, received, dropped, tshark_err = one_run(link, rate, args.seconds, tshark_args)
                summary = SUMMARY.search(tshark_err)
                to_node = any(arg.startswith("espcap:node=") for arg in tshark_args)
                if to_node and (not summary or int(summary.group(1)) != received or int(summary.group(3))):
                    raise SystemExit(f"live_rate: espcap did not take every captured packet: {tshark_err[-600:]!r}")
                row[mode] = (sent, received, dropped)
            rows.append(row)
    delete = urllib.request.Request(f"http://{args.node}/bench-rate-*?ignore_unavailable=true", method="DELETE")
    urllib.request.urlopen(delete, timeout=120).close()
    print(f"\n{os.path.basename(CAPTURE)} looped for {args.seconds} s per rate; drops from dumpcap's count\n")
    print("| packets/s | sent | " + " | ".join(f"{mode}: received / dropped" for mode in modes) + " |")
    print("|---:|---:|" + "---:|" * len(modes))
    for row in rows:
        sent = row[next(iter(modes))][0]
        print(f"| {row['rate']:,} | {sent:,} | " +
              " | ".join(f"{row[mode][1]:,} / {row[mode][2]:,}" for mode in modes) + " |")
    print()
    for mode in modes:
        held = [row["rate"] for row in rows if row[mode][2] == 0 and row[mode][1] == row[mode][0]]
        print(f"- {mode}: highest rate with no drop {max(held):,} packets/s" if held
              else f"- {mode}: dropped at every rate tried")


if __name__ == "__main__":
    main()
