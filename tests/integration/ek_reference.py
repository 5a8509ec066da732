# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark -T ek as the reference for espcap's documents.

tshark 4.0 writes duplicate keys (eth_eth_addr under eth.src and eth.dst); a reader
that merges them into one array, group after group, builds the document espcap
promises. tshark 4.4 and later merge them themselves, but list the values in the
protocol tree's order (docs/wireshark-versions.md): there such an array is compared
as a multiset. Strings are decoded as espcap encodes them: ill-formed UTF-8 becomes U+FFFD.
"""
import functools
import gzip
import hashlib
import json
import os
import re
import subprocess
import tempfile

from tool_environment import cache_dir, isolated

# Fields espcap adds to tshark's "timestamp" + "layers": the ancestor's, the interface,
# then the ECS copies (source.ip, destination.port, network.transport...; see
# tap/ecs_copies.h).
ESPCAP_FIELDS = ("sniff_timestamp", "sniff_date_utc", "file_name", "file_date_utc", "file_offset", "protocol",
                 "interface")
ECS_COPIES = ("source", "destination", "network")
# Which sensor saw the packet and the ECS event (tap/sensor_identity.h).
SENSOR_IDENTITY = ("observer", "labels", "event")

# tshark formats absolute times into a 20-byte buffer, so years past 9999 come out as
# garbage (corpus/pcapng-example has year 586524). espcap writes them in full.
_LONG_YEAR_TIME = re.compile(r"^\d{5,}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
# The garbage is whatever the buffer held: a backslash or a quote among it breaks the
# JSON line, so its seconds are blanked before parsing (only the first 16 characters
# are compared).
_LONG_YEAR_GARBAGE = re.compile(rb"(\d{5,}-\d\d-\d\dT\d\d:\d\d:)(.{1,8}?)(\.\d{9}Z\")", re.S)


@functools.lru_cache(maxsize=None)
def tshark_identity():
    """The first line of `tshark --version` on PATH: version and build, e.g.
    b"TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3)"."""
    return subprocess.run(["tshark", "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True,
                          env=isolated(os.environ)).stdout.split(b"\n", 1)[0]


def tshark_version():
    """(major, minor) of the tshark on PATH."""
    major, minor = re.search(rb"(\d+)\.(\d+)\.\d+", tshark_identity()).groups()
    return int(major), int(minor)


# Only the repository's captures are cached: the same files run after run, so the cache
# stays as large as they are; the tests' own cut, fuzzed and random files are not.
CACHED_CAPTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                               "test_pcaps") + os.sep


def reference_output(pcap, args):
    """stdout of `tshark -r pcap ARGS`. For a capture of test_pcaps/ it is kept in the
    reference cache (tool_environment.cache_dir()) under a key of this tshark's version
    line, the file's SHA-256 and the arguments: made once per tshark and capture, then read
    back by every later run on the machine, in any checkout."""
    if not os.path.realpath(pcap).startswith(CACHED_CAPTURES):
        return _tshark_output(pcap, args)
    with open(pcap, "rb") as capture:
        content = hashlib.sha256(capture.read()).hexdigest()
    key = hashlib.sha256(b"\0".join([tshark_identity(), content.encode(), *(a.encode() for a in args)])).hexdigest()
    path = os.path.join(cache_dir(), "tshark-reference", key[:2], key + ".gz")
    try:
        with gzip.open(path, "rb") as cached:
            return cached.read()
    except FileNotFoundError:
        pass
    output = _tshark_output(pcap, args)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=os.path.dirname(path), delete=False) as partial:
        partial.write(gzip.compress(output, compresslevel=1))
    os.replace(partial.name, path)  # whole or absent, however many tests write at once
    return output


def _tshark_output(pcap, args):
    # The exit status is not checked: on a damaged capture tshark writes what it read, then fails.
    return subprocess.run(["tshark", "-r", pcap, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          check=False, env=isolated(os.environ)).stdout


def _canonical(value):
    return json.dumps(value, sort_keys=True)


def merge_duplicate_keys(pairs):
    merged = {}
    for key, value in pairs:
        if key in merged:
            before = merged[key]
            before = before if isinstance(before, list) else [before]
            merged[key] = before + (value if isinstance(value, list) else [value])
        else:
            merged[key] = value
    return merged


def parse_ek_lines(raw_bytes):
    """Documents of an EK stream (action lines dropped), duplicate keys merged."""
    documents = []
    # Lines end at b"\n" only: str.splitlines() would also cut at the raw \x1c-\x1e,
    # \x85 or U+2028 that tshark leaves in some values.
    raw_bytes = _LONG_YEAR_GARBAGE.sub(rb"\g<1>??\g<3>", raw_bytes)
    for raw_line in raw_bytes.split(b"\n"):
        line = raw_line.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        # strict=False: tshark leaks raw control bytes in its long-year timestamps.
        doc = json.loads(line, object_pairs_hook=merge_duplicate_keys, strict=False)
        if "index" in doc or "create" in doc:
            continue
        documents.append(doc)
    return documents


def tshark_documents(pcap, extra_args=()):
    return parse_ek_lines(reference_output(pcap, ["-T", "ek", *extra_args]))


def tshark_file_offsets(pcap):
    """Each frame's byte offset in the file, as tshark shows it (frame.file_off)."""
    output = reference_output(pcap, ["-o", "frame.show_file_off:TRUE", "-T", "fields", "-e", "frame.file_off"])
    return [int(line) for line in output.decode().split()]


def without_espcap_fields(doc):
    return {k: v for k, v in doc.items() if k not in ESPCAP_FIELDS + ECS_COPIES + SENSOR_IDENTITY}


def differences(ours, reference, path="$"):
    """Paths where two parsed documents differ (empty when they are equal)."""
    if isinstance(ours, dict) and isinstance(reference, dict):
        found = []
        for key in sorted(set(ours) | set(reference)):
            if key not in ours:
                found.append(f"{path}.{key}: missing")
            elif key not in reference:
                found.append(f"{path}.{key}: not in tshark's document")
            else:
                found += differences(ours[key], reference[key], f"{path}.{key}")
        return found
    if isinstance(ours, list) and isinstance(reference, list) and len(ours) == len(reference):
        if tshark_version() >= (4, 4) and ours != reference and \
                sorted(map(_canonical, ours)) == sorted(map(_canonical, reference)):
            return []  # the same values; tshark lists them in tree order
        found = []
        for i, (a, b) in enumerate(zip(ours, reference)):
            found += differences(a, b, f"{path}[{i}]")
        return found
    if ours == reference:
        return []
    if isinstance(ours, str) and isinstance(reference, str) and _LONG_YEAR_TIME.match(ours) \
            and ours[:16] == reference[:16]:
        return []
    return [f"{path}: {ours!r} != tshark's {reference!r}"]
