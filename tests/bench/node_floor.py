# SPDX-License-Identifier: GPL-2.0-or-later
"""The node's own cost per document, without espcap in the way (bench --node-floor).

For a document profile: espcap indexes the capture once, unmeasured, writing its bulk
NDJSON beside (`file=`); the indices are then deleted and created again with the
mappings that run gave them, and the NDJSON is loaded by a minimal client (three
connections, like espcap's `senders`) while the node's CPU is measured. Nothing else
runs: no dissection, no mapping updates, no index created during the load. What a
profile costs the node here is the least any client could make it cost, so the ratio
of two profiles is the most their rates can differ where the node is the bottleneck.
"""
import http.client
import json
import os
import queue
import tempfile
import threading
import time
import urllib.parse

CONNECTIONS = 3
# A request closes at this many documents or bytes, whichever comes first.
REQUEST_DOCUMENTS = 1000
REQUEST_BYTES = 5 * 1024 * 1024


class FloorResult:
    def __init__(self, indices, creation_cpu, node_cpu, seconds):
        self.indices, self.creation_cpu = indices, creation_cpu
        self.node_cpu, self.seconds = node_cpu, seconds


def bulk_requests(ndjson_path):
    """The file's action and document lines, grouped into request bodies."""
    lines, size = [], 0
    with open(ndjson_path, "rb") as f:
        for action in f:
            document = f.readline()
            lines += (action, document)
            size += len(action) + len(document)
            if len(lines) >= 2 * REQUEST_DOCUMENTS or size >= REQUEST_BYTES:
                yield b"".join(lines)
                lines, size = [], 0
    if lines:
        yield b"".join(lines)


def load(url, ndjson_path):
    """Posts the file with CONNECTIONS requests in flight. Returns the documents the
    node refused (0 when all were indexed)."""
    target = urllib.parse.urlsplit(url)
    bodies = queue.Queue(maxsize=2 * CONNECTIONS)
    refused = []
    failures = []

    def sender():
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=1800)
        while (body := bodies.get()) is not None:
            if failures:
                continue  # keep taking bodies, so that the reader never waits on a full queue
            try:
                connection.request("POST", "/_bulk?filter_path=items.*.status", body=body,
                                   headers={"Content-Type": "application/x-ndjson"})
                reply = json.loads(connection.getresponse().read())
                refused.append(sum(1 for item in reply["items"] for result in item.values()
                                   if result["status"] >= 300))
            except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
                failures.append(error)

    threads = [threading.Thread(target=sender) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for body in bulk_requests(ndjson_path):
        bodies.put(body)
    for _ in threads:
        bodies.put(None)
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"bench: node floor: a bulk request failed: {failures[0]!r}")
    return sum(refused)


def measure(capture, es, options, run_espcap):
    """`run_espcap(argv)` runs tshark and checks its summary (bench.py's helpers); the
    caller counts the documents loaded."""
    with tempfile.TemporaryDirectory() as tmp:
        ndjson = os.path.join(tmp, "bulk.ndjson")
        es.reset()
        run_espcap(["tshark", "-r", capture, "-q", "-X", f"espcap:node={es.url}", "-X", f"espcap:file={ndjson}",
                    *options])
        mappings = es.request("GET", "/packets-*/_mapping")
        # espcap raises an index's field limit when its fields need it; the index made
        # again needs the same room.
        limits = es.request("GET", "/packets-*/_settings/index.mapping.total_fields.limit?flat_settings=true")
        es.reset()
        before_creation = es.cpu_seconds()
        for index, body in mappings.items():
            es.request("PUT", f"/{index}", {"mappings": body["mappings"], "settings": limits[index]["settings"]})
        before_load = es.cpu_seconds()
        start = time.monotonic()
        refused = load(es.url, ndjson)
        result = FloorResult(len(mappings), before_load - before_creation, es.cpu_seconds() - before_load,
                             time.monotonic() - start)
    if refused:
        raise SystemExit(f"bench: node floor: the node refused {refused} documents")
    return result
