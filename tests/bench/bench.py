#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""espcap's benchmark (issue 7): one table, every row measured in the same run.

Called by tests/bench/run, which builds the plugin and makes tshark load it. Rows:
  1  tshark -r F -q                      no protocol tree: a floor, not a target
  2  espcap, serialization switched off  the dissection limit (full tree, tap called)
  3  espcap -X espcap:file=/dev/null     serialization
  4  tshark -r F -T ek > /dev/null       what users do today
  5  espcap into Elasticsearch           end to end, counts checked afterwards
  6  tshark -T ek | ancestor_loader.py   the Python pipeline espcap replaces
  7  espcap into Elasticsearch, `-X espcap:profile=compact` (docs/storage.md)
  8  espcap into Elasticsearch, `-X espcap:flows=true` (packets and flow records)
  9  espcap into Elasticsearch, `-X espcap:flows=only` (docs/flows.md)
 10  row 3 with `-X espcap:geoip=... -X espcap:asn=...`: the GeoIP and ASN lookups' cost,
     with databases (tests/geoip/make-test-databases --everywhere) where every address hits
Each row runs --reps times, rows interleaved within a repetition so that a change in
the machine's load hits every row alike; the table shows medians. Packets/s counts the
whole command (tshark's start-up included). Peak RSS comes from wait4(); for row 6 it
is tshark's plus the loader's.

Then the index size per document profile (--size runs only this part): each profile
indexes the capture into an empty node, the indices are force-merged to one segment,
and the table shows bytes on disk per packet, the ratio to the capture file, the
Elasticsearch JVM's CPU per document while indexing, the share of _source in
_disk_usage and the fields that take the most bytes.

With --retrieval (needs Elasticsearch; also part of a full run), a display filter
whose answer is about 10,000 packets of test_pcaps/bench's six captures: `espcap-pcap
filter=F -w` over those captures indexed, against `tshark -r FILE -Y F -w` on each file
(what a user does without espcap), both measured in the same run.

With --node-floor, each profile's documents are also loaded without espcap
(node_floor.py): the node's own cost per document, and so the most two profiles' rates
can differ where the node is the bottleneck.
"""
import argparse
import datetime
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import node_floor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH_PCAPS = os.path.join(ROOT, "test_pcaps", "bench")
TICKS = os.sysconf("SC_CLK_TCK")
FLOW_RECORDS = re.compile(rb", (\d+) flow records")
SUMMARY = re.compile(rb"espcap: (\d+) packets(?:, (\d+) indexed, (\d+) failed(?:, (\d+) already indexed)?)?")


class Measurement:
    def __init__(self, seconds, cpu_seconds, rss_kib, extra=None):
        self.seconds, self.cpu_seconds, self.rss_kib = seconds, cpu_seconds, rss_kib
        self.extra = extra or {}


def run_measured(commands, env=None):
    """Runs a pipeline (list of argv), stdout of the last to /dev/null. Returns
    (Measurement, stderr of each)."""
    start = time.monotonic()
    processes = []
    stderr_files = []
    previous_stdout = None
    for i, argv in enumerate(commands):
        err = tempfile.TemporaryFile()
        last = i == len(commands) - 1
        p = subprocess.Popen(argv, stdin=previous_stdout, stdout=subprocess.DEVNULL if last else subprocess.PIPE,
                             stderr=err, env=env)
        if previous_stdout is not None:
            previous_stdout.close()
        previous_stdout = p.stdout
        processes.append(p)
        stderr_files.append(err)
    cpu = 0.0
    rss = 0
    statuses = []
    for p in processes:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        statuses.append(p.returncode)
        cpu += usage.ru_utime + usage.ru_stime
        rss += usage.ru_maxrss
    seconds = time.monotonic() - start
    outputs = []
    for err in stderr_files:
        err.seek(0)
        outputs.append(err.read())
        err.close()
    for argv, code, out in zip(commands, statuses, outputs):
        if code != 0:
            raise SystemExit(f"bench: {' '.join(argv)} exited {code}:\n{out.decode(errors='replace')[-2000:]}")
    return Measurement(seconds, cpu, rss), outputs


# --- Elasticsearch -------------------------------------------------------------------

class Elasticsearch:
    def __init__(self, url, pid_file):
        self.url = url.rstrip("/")
        self.pid_file = pid_file

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, method=method, data=data,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=1800) as reply:
            return json.loads(reply.read() or b"null")

    def indices(self):
        return sorted(row["index"] for row in self.request("GET", "/_cat/indices/packets-*?format=json&h=index"))

    def reset(self):
        self.request("DELETE", "/packets-*?ignore_unavailable=true&allow_no_indices=true&expand_wildcards=all")

    def store_bytes(self, pattern):
        """Primary store size of the indices under `pattern`, after a refresh."""
        self.request("POST", f"/{pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true")
        stats = self.request("GET", f"/{pattern}/_stats/store?ignore_unavailable=true&allow_no_indices=true")
        return stats["_all"]["primaries"]["store"]["size_in_bytes"]

    def count(self):
        self.request("POST", "/packets-*/_refresh?ignore_unavailable=true&allow_no_indices=true")
        return self.request("GET", "/packets-*/_count?ignore_unavailable=true&allow_no_indices=true")["count"]

    def cpu_seconds(self):
        """CPU seconds the Elasticsearch JVM has used so far (utime + stime)."""
        with open(self.pid_file) as f:
            pid = f.read().strip()
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15 of stat


# --- rows ----------------------------------------------------------------------------

def row_floor(capture, packets, es):
    return run_measured([["tshark", "-r", capture, "-q"]])[0]


def row_dissection_limit(capture, packets, es):
    env = dict(os.environ, ESPCAP_BENCH_SKIP_SERIALIZE="1")
    m, (err,) = run_measured([["tshark", "-r", capture, "-q", "-X", "espcap:file=/dev/null"]], env=env)
    check_summary(err, packets, indexed=None)
    return m


def row_serialize(capture, packets, es):
    m, (err,) = run_measured([["tshark", "-r", capture, "-q", "-X", "espcap:file=/dev/null"]])
    check_summary(err, packets, indexed=None)
    return m


GEO_FOLDER = None  # set by main(): where the benchmark's GeoIP and ASN databases are kept


def geo_databases():
    """The City and ASN databases of row 10, made once (every address in them), and checked
    once to answer for every address of a sample: lookups that miss would cost less."""
    city, asn = os.path.join(GEO_FOLDER, "city.mmdb"), os.path.join(GEO_FOLDER, "asn.mmdb")
    if not os.path.exists(asn):
        os.makedirs(GEO_FOLDER, exist_ok=True)
        subprocess.run([os.path.join(ROOT, "tests", "geoip", "make-test-databases"), "--everywhere", GEO_FOLDER],
                       check=True)
        sample = os.path.join(BENCH_PCAPS, "1kxun.pcap")  # IPv4 and IPv6
        out = subprocess.run(["tshark", "-r", sample, "-q", "-X", "espcap:file=-", "-X", f"espcap:geoip={city}",
                              "-X", f"espcap:asn={asn}"], check=True, capture_output=True).stdout
        ends = [d[end] for d in map(json.loads, out.splitlines()) for end in ("source", "destination")
                if "ip" in d.get(end, {})]
        if not ends or any("geo" not in e or "as" not in e for e in ends):
            raise SystemExit("bench: row 10's databases do not answer for every address of " + sample)
    return city, asn


def row_serialize_geo(capture, packets, es):
    city, asn = geo_databases()
    m, (err,) = run_measured([["tshark", "-r", capture, "-q", "-X", "espcap:file=/dev/null",
                               "-X", f"espcap:geoip={city}", "-X", f"espcap:asn={asn}"]])
    check_summary(err, packets, indexed=None)
    return m


def row_tshark_ek(capture, packets, es):
    return run_measured([["tshark", "-r", capture, "-T", "ek"]])[0]


def row_espcap_es(capture, packets, es):
    es.reset()
    es_cpu = es.cpu_seconds()
    m, (err,) = run_measured([["tshark", "-r", capture, "-q", "-X", f"espcap:node={es.url}"]])
    m.extra["es_cpu"] = es.cpu_seconds() - es_cpu
    check_summary(err, packets, indexed=packets)
    check_count(es, packets, "row 5")
    return m


def row_ancestor(capture, packets, es):
    es.reset()
    es_cpu = es.cpu_seconds()
    m, (_, err) = run_measured([["tshark", "-r", capture, "-T", "ek"],
                                ["/usr/bin/python3", os.path.join(HERE, "ancestor_loader.py"), es.url]])
    m.extra["es_cpu"] = es.cpu_seconds() - es_cpu
    if f"{packets} indexed, 0 failed".encode() not in err:
        raise SystemExit(f"bench: row 6 did not index every packet: {err.decode(errors='replace')[-500:]}")
    check_count(es, packets, "row 6")
    return m


def row_espcap_es_compact(capture, packets, es):
    es.reset()
    es_cpu = es.cpu_seconds()
    m, (err,) = run_measured([["tshark", "-r", capture, "-q", "-X", f"espcap:node={es.url}",
                               "-X", "espcap:profile=compact"]])
    m.extra["es_cpu"] = es.cpu_seconds() - es_cpu
    check_summary(err, packets, indexed=packets)
    check_count(es, packets, "row 7")
    return m


def row_espcap_es_flows(capture, packets, es):
    es.reset()
    es_cpu = es.cpu_seconds()
    m, (err,) = run_measured([["tshark", "-r", capture, "-q", "-X", f"espcap:node={es.url}",
                               "-X", "espcap:flows=true"]])
    m.extra["es_cpu"] = es.cpu_seconds() - es_cpu
    flows = flow_records(err, "row 8")
    check_summary(err, packets, indexed=packets + flows)
    check_count(es, packets + flows, "row 8")
    # The flows index beside the packets index (the flows index is PREFIX-flows-*).
    m.extra["flows_share"] = es.store_bytes("packets-flows-*") / es.store_bytes("packets-1*,packets-2*")
    return m


def row_espcap_es_flows_only(capture, packets, es):
    es.reset()
    es_cpu = es.cpu_seconds()
    m, (err,) = run_measured([["tshark", "-r", capture, "-q", "-X", f"espcap:node={es.url}",
                               "-X", "espcap:flows=only"]])
    m.extra["es_cpu"] = es.cpu_seconds() - es_cpu
    flows = flow_records(err, "row 9")
    check_summary(err, packets, indexed=flows)
    check_count(es, flows, "row 9")
    return m


def flow_records(stderr, row):
    match = FLOW_RECORDS.search(stderr)
    if not match:
        raise SystemExit(f"bench: {row} wrote no flow records: {stderr.decode(errors='replace')[-500:]}")
    return int(match.group(1))


def check_summary(stderr, packets, indexed):
    match = SUMMARY.search(stderr)
    if not match or int(match.group(1)) != packets:
        raise SystemExit(f"bench: espcap did not see {packets} packets: {stderr.decode(errors='replace')[-500:]}")
    # "already indexed": a request retried after a timeout whose first try had landed.
    if indexed is not None and (int(match.group(2)) + int(match.group(4) or 0) != indexed or int(match.group(3)) != 0):
        raise SystemExit(f"bench: espcap did not index {indexed} packets: {match.group(0).decode()}")


def check_count(es, packets, row):
    stored = es.count()
    if stored != packets:
        raise SystemExit(f"bench: {row}: Elasticsearch holds {stored} documents, expected {packets}")


ROWS = [
    (1, "`tshark -r F -q` (no tree: floor)", row_floor),
    (2, "espcap, serialization off (dissection limit)", row_dissection_limit),
    (3, "espcap `file=/dev/null`", row_serialize),
    (4, "`tshark -r F -T ek > /dev/null`", row_tshark_ek),
    (5, "espcap into Elasticsearch", row_espcap_es),
    (6, "`tshark -T ek` \\| Python bulk loader", row_ancestor),
    (7, "espcap into Elasticsearch, `profile=compact`", row_espcap_es_compact),
    (8, "espcap into Elasticsearch, `flows=true`", row_espcap_es_flows),
    (9, "espcap into Elasticsearch, `flows=only`", row_espcap_es_flows_only),
    (10, "espcap `file=/dev/null`, `geoip=` and `asn=`", row_serialize_geo),
]
ES_ROWS = (5, 6, 7, 8, 9)


# --- index size per document profile --------------------------------------------------

# (name, espcap options, index.codec forced on the indices instead of the template's)
PROFILES = [
    ("full (default)", [], None),
    ("full, codec default (before)", [], "default"),
    ("compact", ["-X", "espcap:profile=compact"], None),
]
TOP_FIELDS = 4


class SizeResult:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


def measure_size(capture, packets, es, options, codec, indices):
    es.reset()
    if codec:
        # Settings given when an index is created override the template's; espcap
        # finds the index there and uses it.
        for index in indices:
            es.request("PUT", f"/{index}", {"settings": {"index.codec": codec}})
    es_cpu = es.cpu_seconds()
    _, (err,) = run_measured([["tshark", "-r", capture, "-q", "-X", f"espcap:node={es.url}", *options]])
    es_cpu = es.cpu_seconds() - es_cpu
    check_summary(err, packets, indexed=packets)
    check_count(es, packets, "size")
    es.request("POST", "/packets-*/_forcemerge?max_num_segments=1")
    store = es.request("GET", "/packets-*/_stats/store")["_all"]["primaries"]["store"]["size_in_bytes"]
    fields = {}
    for usage in es.request("POST", "/packets-*/_disk_usage?run_expensive_tasks=true").values():
        if not isinstance(usage, dict) or "fields" not in usage:
            continue  # the "_shards" member
        for name, field in usage["fields"].items():
            fields[name] = fields.get(name, 0) + field["total_in_bytes"]
    total = sum(fields.values()) or 1
    top = sorted(((b, n) for n, b in fields.items() if n != "_source"), reverse=True)[:TOP_FIELDS]
    return SizeResult(indices=es.indices(), store=store, es_cpu=es_cpu, source_share=fields.get("_source", 0) / total,
                      top=[(n, b / total) for b, n in top])


def report_sizes(capture, packets, es):
    size = os.path.getsize(capture)
    print(f"\n### Index size: {os.path.basename(capture)}, {packets:,} packets, {size:,} bytes\n")
    print("| profile | index bytes | bytes/packet | x capture | ES CPU µs/doc | `_source` | largest other fields |")
    print("|---|---:|---:|---:|---:|---:|---|")
    indices = []
    results = {}
    for name, options, codec in PROFILES:
        print(f"  size: {os.path.basename(capture)} {name}", file=sys.stderr)
        r = measure_size(capture, packets, es, options, codec, indices)
        indices = indices or r.indices
        results[name] = r
        top = ", ".join(f"{field} {share:.0%}" for field, share in r.top)
        print(f"| {name} | {r.store:,} | {r.store / packets:,.0f} | {r.store / size:.2f} | "
              f"{r.es_cpu / packets * 1e6:,.0f} | {r.source_share:.0%} | {top} |")
    print()
    full, before = results[PROFILES[0][0]], results[PROFILES[1][0]]
    print(f"- best_compression: index {full.store / before.store:.2f} x the default codec's, "
          f"ES CPU per document {full.es_cpu / before.es_cpu:.2f} x (indexing; the force merge is not counted)")
    for name, target in (("full (default)", 3.5), ("compact", 1.0)):
        ratio = results[name].store / size
        print(f"- {name} <= {target} x capture: {ratio:.2f} {'met' if ratio <= target else 'NOT met'}")
    es.reset()
    sys.stdout.flush()


def report_node_floor(capture, packets, es, reps):
    """bench --node-floor: each profile's documents loaded without espcap (node_floor.py)."""
    profiles = [(name, options) for name, options, codec in PROFILES if codec is None]

    def run_espcap(argv):
        _, (err,) = run_measured([argv])
        check_summary(err, packets, indexed=packets)

    results = {}
    for rep in range(reps):
        for name, options in profiles:
            print(f"  node floor: {os.path.basename(capture)} rep {rep + 1}/{reps} {name}", file=sys.stderr)
            results.setdefault(name, []).append(node_floor.measure(capture, es, options, run_espcap))
            check_count(es, packets, f"node floor, {name}")
    es.reset()
    print(f"\n### The node's own cost per document: {os.path.basename(capture)}, median of {reps}\n")
    print("espcap's NDJSON loaded by a minimal client into indices created beforehand with the run's mappings "
          "(tests/bench/node_floor.py): what the documents cost the node, with nothing of espcap's.\n")
    print("| profile | node CPU s | node CPU µs/doc | load s | indices | node CPU s creating them |")
    print("|---|---:|---:|---:|---:|---:|")
    cpu = {}
    for name, _ in profiles:
        cpu[name] = statistics.median(r.node_cpu for r in results[name])
        seconds = statistics.median(r.seconds for r in results[name])
        creation = statistics.median(r.creation_cpu for r in results[name])
        print(f"| {name} | {cpu[name]:.1f} | {cpu[name] / packets * 1e6:,.0f} | {seconds:.1f} | "
              f"{results[name][0].indices} | {creation:.1f} |")
    full, compact = (cpu[name] for name, _ in profiles)
    print(f"\n- compact / full, node CPU: {compact / full:.2f}; where the node alone is the bottleneck, "
          f"row 7 can run at most {full / compact:.2f} x row 5")
    sys.stdout.flush()


# --- espcap-pcap filter= against tshark -Y -------------------------------------------

RETRIEVAL_INDEX = "bench-retrieval"
# About 10,000 packets of test_pcaps/bench (TLS of tls2, many-protocols and 1kxun, the
# HTTP of the others); the narrowing leaves out the rest.
RETRIEVAL_FILTER = "tls || http"


def espcap_pcap_program():
    """tests/bench/run's build of espcap-pcap, else the one on PATH."""
    built = os.path.join(ROOT, "build-bench", "retrieve", "espcap-pcap")
    return built if os.path.exists(built) else "espcap-pcap"


def pcapng_packets(path):
    return packet_count(path) if os.path.exists(path) else 0


def report_retrieval(es, reps):
    files = sorted(os.path.join(BENCH_PCAPS, name) for name in os.listdir(BENCH_PCAPS))
    node = es.url.split("://", 1)[1]
    es.request("DELETE", f"/{RETRIEVAL_INDEX}-*?ignore_unavailable=true&allow_no_indices=true")
    for capture in files:
        run_measured([["tshark", "-r", capture, "-q", "-X", f"espcap:node={node}",
                       "-X", f"espcap:index={RETRIEVAL_INDEX}", "-X", "espcap:spool=off"]])
    es.request("POST", f"/{RETRIEVAL_INDEX}-*/_refresh")
    documents = es.request("GET", f"/{RETRIEVAL_INDEX}-*/_count")["count"]
    with tempfile.TemporaryDirectory(prefix="espcap-bench-retrieval-") as folder:
        answer = os.path.join(folder, "answer.pcapng")
        parts = [os.path.join(folder, f"tshark-{i}.pcapng") for i in range(len(files))]
        espcap_runs, tshark_runs, candidates = [], [], None
        for rep in range(reps):
            print(f"  retrieval rep {rep + 1}/{reps}", file=sys.stderr)
            m, (err,) = run_measured([[espcap_pcap_program(), f"node={node}", f"index={RETRIEVAL_INDEX}",
                                       "absolute_paths=true", f"filter={RETRIEVAL_FILTER}", "-w", answer]])
            espcap_runs.append(m)
            candidates = int(re.search(rb"(\d+) documents match", err).group(1))
            tshark_runs.append(run_measured(
                [["sh", "-c", " && ".join(f"tshark -r '{f}' -Y '{RETRIEVAL_FILTER}' -w '{p}'"
                                          for f, p in zip(files, parts))]])[0])
        packets = pcapng_packets(answer)
        expected = sum(pcapng_packets(p) for p in parts)
    es.request("DELETE", f"/{RETRIEVAL_INDEX}-*?ignore_unavailable=true&allow_no_indices=true")
    if packets != expected:
        raise SystemExit(f"bench: espcap-pcap wrote {packets} packets, tshark {expected}")
    espcap_s = statistics.median(m.seconds for m in espcap_runs)
    tshark_s = statistics.median(m.seconds for m in tshark_runs)
    print(f"\n### espcap-pcap `filter={RETRIEVAL_FILTER}` -w, {len(files)} captures of test_pcaps/bench "
          f"({documents:,} packets indexed), median of {reps}\n")
    print("| what | packets/s | s | CPU s | x tshark |")
    print("|---|---:|---:|---:|---:|")
    for title, runs, s in ((f"espcap-pcap (engine: {candidates:,} candidates)", espcap_runs, espcap_s),
                           ("`tshark -r FILE -Y F -w` per file", tshark_runs, tshark_s)):
        cpu = statistics.median(m.cpu_seconds for m in runs)
        print(f"| {title} | {packets / s:,.0f} | {s:.1f} | {cpu:.1f} | {tshark_s / s:.2f} |")
    print(f"\n- answer: {packets:,} packets, equal in number to tshark's")
    sys.stdout.flush()


# --- captures ------------------------------------------------------------------------

def packet_count(capture):
    out = subprocess.run(["capinfos", "-M", "-c", capture], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Number of packets:\s+(\d+)", out).group(1))


def bench_capture(cache, copies):
    path = os.path.join(cache, f"bench-{copies}.pcapng")
    if not os.path.exists(path):
        subprocess.run([os.path.join(ROOT, "scripts", "make-bench-capture"), path + ".part", str(copies)],
                       check=True, stdout=subprocess.DEVNULL)
        os.rename(path + ".part", path)
    return path


def callgrind_sample(cache):
    """The first 400 packets of every capture in test_pcaps/bench, 2400 in all: small
    enough for valgrind, and every kind of traffic of the bench capture is in it."""
    path = os.path.join(cache, "callgrind-sample.pcapng")
    if os.path.exists(path):
        return path
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for name in sorted(os.listdir(BENCH_PCAPS)):
            part = os.path.join(tmp, name + ".pcapng")
            subprocess.run(["editcap", "-F", "pcapng", "-r", os.path.join(BENCH_PCAPS, name), part,
                            "1-400"], check=True)
            parts.append(part)
        subprocess.run(["mergecap", "-a", "-F", "pcapng", "-w", path, *parts], check=True)
    return path


# --- callgrind -----------------------------------------------------------------------

def callgrind_ir(capture, toggles, env=None, options=()):
    """Instructions executed inside the toggled functions (inclusive), whole run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
                *[f"--toggle-collect={t}" for t in toggles],
                "tshark", "-r", capture, "-q", "-X", "espcap:file=/dev/null", *options]
        run = subprocess.run(argv, capture_output=True, env=env)
        match = re.search(rb"Collected : (\d+)", run.stderr)
        if run.returncode != 0 or not match:
            raise SystemExit(f"bench: callgrind failed:\n{run.stderr.decode(errors='replace')[-2000:]}")
        return int(match.group(1))


def measure_instructions(cache):
    sample = callgrind_sample(cache)
    packets = packet_count(sample)
    # The serializer: espcap's whole per-packet work (document written straight into the
    # batch, new fields handed over, flows), all of it under PacketPipeline::on_packet.
    # Not Session::on_packet: the compiler inlines it into the tap's callback, so a
    # toggle on its name never fires. The one-time start runs before, outside it.
    serializer = callgrind_ir(sample, ["espcap::PacketPipeline::on_packet*"])
    # Dissection and taps with serialization off: row 2's work per packet.
    dissection = callgrind_ir(sample, ["epan_dissect_run*"],
                              env=dict(os.environ, ESPCAP_BENCH_SKIP_SERIALIZE="1"))
    # Row 10's serializer: the same with every address looked up (each new one in the
    # databases, then in the cache).
    city, asn = geo_databases()
    geo = callgrind_ir(sample, ["espcap::PacketPipeline::on_packet*"],
                       options=["-X", f"espcap:geoip={city}", "-X", f"espcap:asn={asn}"])
    return packets, serializer / packets, dissection / packets, geo / packets


# --- report --------------------------------------------------------------------------

def mib(kib):
    return kib / 1024


def machine_line():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1).strip()
    except (OSError, AttributeError):
        pass
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return (f"{datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, {socket.gethostname()}: {cpu}, "
            f"{os.cpu_count()} cores, {mem:.0f} GiB, load average {load} at start; "
            f"{subprocess.run(['tshark', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}")


def report(capture, packets, reps, results):
    size = os.path.getsize(capture) / 2 ** 20
    print(f"\n### {os.path.basename(capture)}: {packets:,} packets, {size:.0f} MiB; median of {reps}\n")
    print("| row | what | packets/s | x row 2 | x row 4 | x row 6 | CPU s | peak RSS MiB | RSS - row 2 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    rate = {n: packets / statistics.median(m.seconds for m in ms) for n, ms in results.items()}
    rss = {n: max(m.rss_kib for m in ms) for n, ms in results.items()}
    cpu = {n: statistics.median(m.cpu_seconds for m in ms) for n, ms in results.items()}

    def ratio(n, base):
        return f"{rate[n] / rate[base]:.2f}" if base in rate else ""

    for number, title, _ in ROWS:
        if number not in results:
            continue
        delta = f"{mib(rss[number] - rss[2]):+.0f}" if 2 in rss else ""
        print(f"| {number} | {title} | {rate[number]:,.0f} | {ratio(number, 2)} | {ratio(number, 4)} | "
              f"{ratio(number, 6)} | {cpu[number]:.1f} | {mib(rss[number]):.0f} | {delta} |")
    print()
    for number in ES_ROWS:
        if number in results:
            es_cpu = statistics.median(m.extra["es_cpu"] for m in results[number])
            print(f"- row {number} CPU seconds: tshark{' + loader' if number == 6 else ''} {cpu[number]:.1f}, "
                  f"Elasticsearch's JVM {es_cpu:.1f}")
    checks = []
    if 2 in rate and 3 in rate:
        checks.append(("row 3 >= 0.75 x row 2", rate[3] / rate[2], 0.75))
    if 3 in rate and 4 in rate:
        checks.append(("row 3 >= 4 x row 4", rate[3] / rate[4], 4))
    if 5 in rate and 6 in rate:
        checks.append(("row 5 >= 3 x row 6", rate[5] / rate[6], 3))
    if 5 in rate and 7 in rate:
        checks.append(("row 7 (compact) >= 2 x row 5 (full)", rate[7] / rate[5], 2))
    if 5 in rate and 8 in rate:
        checks.append(("row 8 (flows=true) >= 0.9 x row 5", rate[8] / rate[5], 0.9))
    if 5 in rate and 9 in rate:
        checks.append(("row 9 (flows=only) >= 3 x row 5", rate[9] / rate[5], 3))
    for line, value, target in checks:
        print(f"- {line}: {value:.2f} {'met' if value >= target else 'NOT met'}")
    if 3 in rate and 10 in rate:
        # Measured in the same run, rows interleaved: the cost is what row 10 loses to row 3.
        cost = 1 - rate[10] / rate[3]
        print(f"- row 10 (GeoIP + ASN) costs <= 5% of row 3: packets/s {rate[10] / rate[3]:.3f} x row 3, "
              f"CPU s {cpu[10] / cpu[3]:.3f} x: {cost:.1%} {'met' if cost <= 0.05 else 'NOT met'}")
    if 8 in results:
        share = statistics.median(m.extra["flows_share"] for m in results[8])
        print(f"- row 8 flows index <= 5% of the packets index: {share:.2%} {'met' if share <= 0.05 else 'NOT met'}")
    for number in (3, 5):
        if number in rss and 2 in rss:
            over = mib(rss[number] - rss[2])
            print(f"- peak RSS row {number} - row 2 <= 100 MiB: {over:+.0f} MiB {'met' if over <= 100 else 'NOT met'}")


def row_numbers(text):
    """--rows: a comma-separated list of the benchmark's row numbers."""
    known = {r[0] for r in ROWS}
    try:
        rows = {int(n) for n in text.split(",")}
    except ValueError:
        rows = set()
    if not rows or not rows <= known:
        raise argparse.ArgumentTypeError(f"rows are numbers among {sorted(known)}, comma-separated: {text!r}")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--copies", type=int, default=2, help="bench capture copies (1 copy ~ 22k packets)")
    parser.add_argument("--large", action="store_true",
                        help="also rows 2, 3 and 5 once on a capture 10x larger (memory must stay flat)")
    parser.add_argument("--es-url", default=None, help="Elasticsearch for rows 5 and 6; without it they are skipped")
    parser.add_argument("--es-pid-file", default=None)
    parser.add_argument("--no-callgrind", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="one quick repetition on test_dns.pcap, no callgrind")
    parser.add_argument("--size", action="store_true",
                        help="only the index size per document profile (needs Elasticsearch)")
    parser.add_argument("--no-size", action="store_true", help="skip the index size section")
    parser.add_argument("--rows", default=None, type=row_numbers,
                        help="only these rows, e.g. 5,7 (the compact target, repeated with --reps); "
                             "no size section, no callgrind")
    parser.add_argument("--retrieval", action="store_true",
                        help="only espcap-pcap filter= against tshark -Y (needs Elasticsearch)")
    parser.add_argument("--node-floor", action="store_true",
                        help="also each profile's documents loaded without espcap: the node's own cost "
                             "(bench capture, --reps times)")
    parser.add_argument("--cache", default=os.path.join(ROOT, "build-bench", "captures"))
    args = parser.parse_args()

    os.makedirs(args.cache, exist_ok=True)
    global GEO_FOLDER
    GEO_FOLDER = os.path.join(args.cache, "geoip")
    es = Elasticsearch(args.es_url, args.es_pid_file) if args.es_url else None
    if args.smoke:
        captures = [os.path.join(ROOT, "test_pcaps", "test_dns.pcap")]
        args.reps, args.no_callgrind, args.large = 1, True, False
    else:
        captures = [bench_capture(args.cache, args.copies), os.path.join(ROOT, "test_pcaps", "test_http.pcap")]

    if args.node_floor and not es:
        raise SystemExit("bench: --node-floor needs Elasticsearch")
    print(f"## espcap benchmark\n\n{machine_line()}")
    if args.size:
        if not es:
            raise SystemExit("bench: --size needs Elasticsearch")
        for capture in captures:
            report_sizes(capture, packet_count(capture), es)
        return
    if args.retrieval:
        if not es:
            raise SystemExit("bench: --retrieval needs Elasticsearch")
        report_retrieval(es, args.reps)
        return
    chosen = args.rows or {r[0] for r in ROWS}
    if args.rows:
        args.no_size, args.no_callgrind, args.large = True, True, False
    plans = [(c, [r for r in ROWS if r[0] in chosen and (es or r[0] not in ES_ROWS)], args.reps) for c in captures]
    if args.large:
        large = bench_capture(args.cache, args.copies * 10)
        plans.append((large, [r for r in ROWS if r[0] in (2, 3) or (es and r[0] == 5)], 1))
    for capture, rows, reps in plans:
        packets = packet_count(capture)
        results = {}
        for rep in range(reps):
            for number, title, function in rows:
                print(f"  {os.path.basename(capture)} rep {rep + 1}/{reps} row {number}", file=sys.stderr)
                results.setdefault(number, []).append(function(capture, packets, es))
        report(capture, packets, reps, results)
        sys.stdout.flush()

    if args.node_floor:
        report_node_floor(captures[0], packet_count(captures[0]), es, args.reps)

    if es and not args.smoke and not args.rows:
        report_retrieval(es, args.reps)

    if es and not args.smoke and not args.no_size:
        for capture in captures:
            report_sizes(capture, packet_count(capture), es)

    if not args.no_callgrind:
        print("  callgrind (a few minutes)", file=sys.stderr)
        packets, serializer, dissection, geo = measure_instructions(args.cache)
        print(f"\n### Instructions per packet (valgrind --tool=callgrind, {packets:,}-packet sample)\n")
        print(f"- serializer (espcap's tap call: document written into the batch, new fields handed over): {serializer:,.0f} Ir/packet")
        print(f"- dissection with the tap, serialization off (row 2's work): {dissection:,.0f} Ir/packet")
        print(f"- by instructions, row 3 would run at {dissection / (dissection + serializer):.2f} x row 2")
        print(f"- GeoIP + ASN (row 10): {geo - serializer:,.0f} Ir/packet more, "
              f"{(geo - serializer) / (dissection + serializer):.1%} of row 3's work by instructions")


if __name__ == "__main__":
    main()
