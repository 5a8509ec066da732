# SPDX-License-Identifier: GPL-2.0-or-later
"""The environment of every tshark, Wireshark and espcap program the tests start: a HOME
of their own, so a developer's preferences (an espcap.node in ~/.config/wireshark
switches espcap on in every tshark, reference runs included) never reach a result, and
TZ=UTC, so local times print the same on every machine."""
import atexit
import os
import shutil
import tempfile

_home = None
# Read before isolate_this_process() replaces HOME.
_CACHE = os.environ.get("ESPCAP_TEST_CACHE") or \
    os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "espcap")


def cache_dir():
    """Where tests keep what outlives a run (tshark's reference output): ESPCAP_TEST_CACHE,
    else ~/.cache/espcap of the HOME the tests were started with."""
    return _CACHE


def private_home():
    """An empty HOME made once per test process, removed when it ends."""
    global _home
    if _home is None:
        _home = tempfile.mkdtemp(prefix="espcap-test-home-")
        atexit.register(shutil.rmtree, _home, True)
    return _home


def isolated(environment):
    """`environment` with HOME private, TZ=UTC, and no variable pointing Wireshark at
    another configuration folder."""
    environment = dict(environment)
    environment.update(HOME=private_home(), TZ="UTC")
    for name in ("XDG_CONFIG_HOME", "WIRESHARK_CONFIG_DIR"):
        environment.pop(name, None)
    return environment


def isolate_this_process():
    """Every program this process starts, however it starts it, inherits the isolation."""
    isolated_environment = isolated(os.environ)
    os.environ.clear()
    os.environ.update(isolated_environment)
