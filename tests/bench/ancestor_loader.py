#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The pipeline espcap replaces, for the benchmark: `tshark -T ek` piped into a Python
bulk loader built on the Elasticsearch Python client (Debian's python3-elasticsearch).

    tshark -r F -T ek | tests/bench/ancestor_loader.py http://127.0.0.1:9200 [chunk]

Each document goes to the index named by tshark's action line. tshark 4.0 writes a
"_type" there and repeats some keys in a document; Elasticsearch 8 refuses both, so
the action keeps only the index and the document goes through json.loads (a repeated
key keeps its last value), as the Python tool did. Prints the number of documents
Elasticsearch accepted (on stderr); exits 1 when any was refused.
"""
import json
import sys

import elasticsearch
from elasticsearch import helpers


def actions(lines):
    index = None
    for line in lines:
        if not line.strip():
            continue
        if line.startswith('{"index"'):
            index = json.loads(line)["index"]["_index"]
            continue
        yield {"_index": index, "_source": json.loads(line)}


def main():
    url = sys.argv[1]
    chunk = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    # Debian 12 ships the 7.17 client; it talks to an 8.x server as is (8.x still
    # answers 7.x-style requests for _bulk and sends the product header it checks).
    client = elasticsearch.Elasticsearch([url], timeout=120)
    indexed, errors = helpers.bulk(client, actions(sys.stdin), chunk_size=chunk, raise_on_error=False,
                                   stats_only=True)
    print(f"ancestor_loader: {indexed} indexed, {errors} failed (client {elasticsearch.__versionstr__})",
          file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
