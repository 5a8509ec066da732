# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers for espcap's integration tests: run tshark with the plugin, talk to
the real Elasticsearch that tests/es-server started, and read tshark's own counts."""
import glob
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import tool_environment

# Before anything starts a program: no test inherits the developer's HOME or time zone.
tool_environment.isolate_this_process()

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Every capture the tests read is in the checkout (test_pcaps/README.md says where each
# came from): espcap's own two in test_pcaps/, the corpus, bench and broken ones below it.
TEST_PCAPS = os.path.join(ROOT, "test_pcaps")
CORPUS = os.path.join(TEST_PCAPS, "corpus")
BENCH = os.path.join(TEST_PCAPS, "bench")
BROKEN = os.path.join(TEST_PCAPS, "broken")
# ESPCAP_ENGINE=opensearch points the same tests at the OpenSearch tests/run starts.
ENGINE = os.environ.get("ESPCAP_ENGINE", "elasticsearch")
ES_URL = os.environ.get("ESPCAP_OS_URL", "http://127.0.0.1:9210") if ENGINE == "opensearch" \
    else os.environ.get("ESPCAP_ES_URL", "http://127.0.0.1:9200")
ES_NODE = ES_URL.split("://", 1)[1]

SUMMARY = re.compile(r"^espcap: (\d+) packets(?:, (\d+) indexed, (\d+) failed)?.*$", re.M)


def own_captures():
    """espcap's own captures: the *.pcap files directly in test_pcaps/."""
    return sorted(glob.glob(os.path.join(TEST_PCAPS, "*.pcap")))


def tshark_env():
    env = tool_environment.isolated(os.environ)
    # Tests can point tshark at a staged plugin (a sanitizer build, say).
    if os.environ.get("ESPCAP_TEST_PLUGIN_DIR"):
        env["WIRESHARK_PLUGIN_DIR"] = os.environ["ESPCAP_TEST_PLUGIN_DIR"]
    return env


def run_tshark(args, timeout=600, **kwargs):
    """tshark's CompletedProcess; when espcap options are given, `.stats` holds espcap's
    stats file (the run's counts as a dict), or None when espcap wrote none."""
    with tempfile.TemporaryDirectory(prefix="espcap-test-stats-") as folder:
        stats_path = os.path.join(folder, "stats.json")
        texts = [os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args]
        wants_stats = any(t.startswith("espcap:") for t in texts) and \
            not any(t.startswith("espcap:stats_file=") for t in texts)
        extra = ["-X", f"espcap:stats_file={stats_path}"] if wants_stats else []
        run = subprocess.run(["tshark", *args, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=tshark_env(), timeout=timeout, check=False, **kwargs)
        run.stats = read_stats_file(stats_path) if wants_stats else None
    return run


def read_stats_file(path):
    """espcap's stats file as a dict, or None when there is none."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def summary(run_or_stderr):
    """(packets, indexed, failed) of an espcap run, or None when espcap did not report.
    Given run_tshark's result, from its stats file; given stderr bytes (or a run without
    one), from the summary line. indexed and failed are None when no node was given."""
    stats = getattr(run_or_stderr, "stats", None)
    if stats is not None:
        if not stats["sent_to_node"]:
            return stats["packets"], None, None
        return stats["packets"], stats["indexed"], stats["failed"]
    stderr_bytes = getattr(run_or_stderr, "stderr", run_or_stderr)
    match = SUMMARY.search(stderr_bytes.decode("utf-8", "replace"))
    if not match:
        return None
    return tuple(int(g) if g is not None else None for g in match.groups())


def wait_until(condition, seconds, what, every=0.2):
    """Returns as soon as condition() is true; fails the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


CAPINFOS_PACKETS = re.compile(rb"^Number of packets:\s+(\d+)\s*$", re.M)


def tshark_packet_count(pcap):
    """Packets tshark can read from the file (all of them up to any damage). capinfos reads
    them with the same library and dissects nothing; it counts up to the damage and says
    so with a non-zero exit, which is why its status is not checked."""
    run = subprocess.run(["capinfos", "-c", "-M", pcap], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=tshark_env(), timeout=600, check=False)
    match = CAPINFOS_PACKETS.search(run.stdout)
    return int(match.group(1)) if match else 0


def build_bench_capture(directory, copies):
    """A capture of `copies` time-shifted copies of test_pcaps/bench (~22k packets each)."""
    path = os.path.join(directory, f"bench-{copies}.pcapng")
    subprocess.run([os.path.join(ROOT, "scripts", "make-bench-capture"), path, str(copies)],
                   check=True, stdout=subprocess.DEVNULL)
    return path


GEOIP_NETWORKS = os.path.join(ROOT, "tests", "geoip", "networks.json")


def make_geo_databases(directory):
    """The test GeoIP (City) and ASN databases written into `directory`
    (tests/geoip/make-test-databases); returns (city path, asn path, their values as
    tests/geoip/networks.json gives them)."""
    subprocess.run([os.path.join(ROOT, "tests", "geoip", "make-test-databases"), directory], check=True)
    with open(GEOIP_NETWORKS, encoding="utf-8") as f:
        networks = json.load(f)
    return os.path.join(directory, "city.mmdb"), os.path.join(directory, "asn.mmdb"), networks


def es(method, path, body=None):
    data = None
    headers = {}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(ES_URL + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        # Say what the engine answered: a bare "500 Internal Server Error" explains nothing.
        detail = error.read().decode("utf-8", "replace")[:2000]
        raise AssertionError(f"{method} {path}: HTTP {error.code}: {detail}") from None


def delete_indices(pattern):
    es("DELETE", f"/{pattern}?ignore_unavailable=true&allow_no_indices=true&expand_wildcards=all")


def refresh(pattern):
    es("POST", f"/{pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true")


def count(pattern, query=None):
    refresh(pattern)
    reply = es("POST", f"/{pattern}/_count?ignore_unavailable=true&allow_no_indices=true",
               {"query": query} if query else None)
    return reply["count"] if reply else 0


def index_counts(pattern):
    refresh(pattern)
    reply = es("GET", f"/_cat/indices/{pattern}?format=json&h=index,docs.count") or []
    return {row["index"]: int(row["docs.count"]) for row in reply}


def fields_with_several_types(pattern):
    """{field: [types]} for every field that indices under `pattern` map differently: a
    field espcap mapped in one index and the engine mapped dynamically in another."""
    reply = es("GET", f"/{pattern}/_field_caps?fields=layers.*&ignore_unavailable=true") or {"fields": {}}
    return {name: sorted(types) for name, types in reply["fields"].items() if len(types) > 1}


def all_sources(pattern, size=10000):
    """Every document's _source under `pattern` (the tests keep each under 10000)."""
    refresh(pattern)
    reply = es("POST", f"/{pattern}/_search?size={size}", {"query": {"match_all": {}}})
    return [hit["_source"] for hit in reply["hits"]["hits"]]


def assert_engine_is_expected():
    """The node at ES_NODE runs the engine ESPCAP_ENGINE names (a suite per engine must
    not quietly test the other one)."""
    distribution = es("GET", "/")["version"].get("distribution", "elasticsearch")
    assert distribution == ENGINE, f"ESPCAP_ENGINE={ENGINE} but the node runs {distribution}"
