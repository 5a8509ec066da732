// SPDX-License-Identifier: GPL-2.0-or-later
// gzip for request bodies: NDJSON of packets shrinks five- to tenfold, which is what
// matters on a link to a remote cluster.
#pragma once

#include <string>
#include <string_view>

namespace espcap::exporter {

// Fast compression (libdeflate, level 1: twice zlib's speed at level 1, and smaller):
// the sender compresses while Elasticsearch waits for the next batch.
std::string gzip_compress(std::string_view data);

// Inflates a gzip member into `out`. Returns false (with `error` set) on damaged data
// or when the result would exceed `max_size`, so a corrupt file cannot exhaust memory.
bool gzip_decompress(std::string_view data, std::size_t max_size, std::string &out, std::string &error);

}  // namespace espcap::exporter
