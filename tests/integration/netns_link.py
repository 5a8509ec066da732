"""A veth pair with both ends inside a network namespace the test creates, so frames
replayed onto one end (tcpreplay) reach only the other end and never another network."""
import os
import subprocess


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
