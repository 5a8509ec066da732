# SPDX-License-Identifier: GPL-2.0-or-later
"""A veth pair with both ends inside a network namespace the test creates, so frames
replayed onto one end (tcpreplay) reach only the other end and never another network;
and the live capture on it: dumpcap in the namespace piping into tshark `-i -`."""
import fcntl
import os
import re
import signal
import subprocess
import threading
import time

DROPPED = re.compile(rb"Packets received/dropped on interface '[^']+': (\d+)/(\d+)")


class NamespacedLink:
    """with NamespacedLink("espcap-rate", ("rv0", "rv1")) as link:
           subprocess.run(link.run("tcpreplay", "-i", "rv0", ...))"""

    def __init__(self, name_prefix, ends):
        self.ns = f"{name_prefix}-{os.getpid()}"
        self.ends = ends

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.ip("link", "add", self.ends[0], "type", "veth", "peer", "name", self.ends[1])
        for end in self.ends:
            self.ip("link", "set", end, "up")
        return self

    def ip(self, *args):
        subprocess.run(["ip", "-n", self.ns, *args], check=True)

    def run(self, *args):
        """The command line that runs `args` inside the namespace."""
        return ["ip", "netns", "exec", self.ns, *args]

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.ns], check=False)


class CapturePipe:
    """dumpcap captures `interface` inside `link`'s namespace and writes its stream into
    tshark reading `-i -`, which treats it as a live capture.

    Why a pipe and not tshark -i: the veth ends exist only inside the namespace, and the
    pipe makes a slow reader visible. A reader slower than the link fills the pipe, then
    dumpcap's buffer (-B), then the kernel drops; dumpcap's count at the end of the
    capture ("Packets received/dropped on interface") says how many, which is what the
    live tests assert on.

        with CapturePipe(link, "rv1", ["-q", "-X", "espcap:..."], ["-f", "tcp", "-c", "100"]) as pipe:
            pipe.wait_until_capturing()
            ... tcpreplay onto the other end ...
            pipe.end_capture(timeout=30)   # dumpcap stops by -c, else on SIGINT
            pipe.reader.wait(timeout=900)  # tshark ends with its input
        received, dropped = pipe.counts()
        pipe.stderr["tshark"]

    Leaving the block always stops both processes (SIGINT, then SIGKILL) and joins the
    threads that collect their stderr, so a failed assertion leaves nothing running.
    `keep_input_open`: the test holds tshark's input open after dumpcap ends (a capture
    that goes on) and closes it with close_input(). `on_line(name, line)` sees each
    stderr line ("dumpcap" or "tshark") as it arrives."""

    def __init__(self, link, interface, tshark_args, dumpcap_args=(), env=None, pipe_bytes=None,
                 keep_input_open=False, on_line=None):
        self.link = link
        self.interface = interface
        self.tshark_args = list(tshark_args)
        self.dumpcap_args = list(dumpcap_args)
        self.env = env
        self.pipe_bytes = pipe_bytes
        self.keep_input_open = keep_input_open
        self.on_line = on_line
        self.stderr = {"dumpcap": b"", "tshark": b""}
        self.reader = self.capturer = None
        self.threads = []

    def __enter__(self):
        self.reader = subprocess.Popen(["tshark", "-i", "-", *self.tshark_args], stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env)
        try:
            if self.pipe_bytes:
                fcntl.fcntl(self.reader.stdin.fileno(), fcntl.F_SETPIPE_SZ, self.pipe_bytes)
            self.capturer = subprocess.Popen(
                self.link.run("dumpcap", "-i", self.interface, *self.dumpcap_args, "-q", "-w", "-"),
                stdout=self.reader.stdin, stderr=subprocess.PIPE)
        except BaseException:
            self._stop(self.reader)
            raise
        if not self.keep_input_open:
            self.reader.stdin.close()  # tshark's input ends when dumpcap's output does
        self.threads = [threading.Thread(target=self._collect, args=("dumpcap", self.capturer.stderr)),
                        threading.Thread(target=self._collect, args=("tshark", self.reader.stderr))]
        for thread in self.threads:
            thread.start()
        return self

    def _collect(self, name, stream):
        for line in stream:
            if self.on_line:
                self.on_line(name, line)
            self.stderr[name] += line

    def capturing(self):
        return b"Capturing on" in self.stderr["dumpcap"]

    def wait_until_capturing(self, timeout=30):
        """dumpcap says "Capturing on" before it has opened the interface and set its
        filter; both are done a moment later, well within a second."""
        deadline = time.monotonic() + timeout
        while not self.capturing() and self.capturer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)

    def end_capture(self, timeout=30):
        """Waits `timeout` seconds for dumpcap to end by itself (-c), then stops it as
        Ctrl-C does, so that it still prints its counts."""
        try:
            self.capturer.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.capturer.send_signal(signal.SIGINT)
            self.capturer.wait(timeout=600)

    def close_input(self):
        if not self.reader.stdin.closed:
            self.reader.stdin.close()

    def counts(self):
        """(received, dropped) from dumpcap's end-of-capture line, or None before it."""
        match = DROPPED.search(self.stderr["dumpcap"])
        return (int(match.group(1)), int(match.group(2))) if match else None

    @staticmethod
    def _stop(process):
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __exit__(self, *exc):
        # dumpcap first: its end closes tshark's input, and tshark then ends by itself.
        self._stop(self.capturer)
        self.close_input()
        self._stop(self.reader)
        for thread in self.threads:
            thread.join(timeout=60)
        for process in (self.capturer, self.reader):
            process.stderr.close()
