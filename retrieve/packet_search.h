// SPDX-License-Identifier: GPL-2.0-or-later
// Finds every packet document that matches a query, page after page, and reads from
// each what is needed to find the packet again in its capture file.
//
// Elasticsearch 7.10+ pages through a point in time (POST INDEX/_pit) sorted on
// _shard_doc; OpenSearch 2.x through its own point in time (POST
// INDEX/_search/point_in_time) sorted on _id. Either way each page continues with
// search_after, so there is no 10,000-hit window and the set of matches cannot shift
// while it is read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "options.h"

namespace espcap::exporter {
class HttpClient;
struct SearchEngine;
}  // namespace espcap::exporter

namespace espcap::retrieve {

struct PacketQuery {
    std::string lucene;  // query=: a Lucene query string
    std::string dsl;     // query_dsl=: the JSON of a query clause
    std::string from;    // from=: timestamp >= this (epoch milliseconds or an ISO 8601 date)
    std::string to;      // to=: timestamp < this
    bool everything = false;  // with none of the above, every document (filter= decides)
    std::string narrowing;    // a query clause (JSON text) a hit must also match; filter_narrowing.h
};

// What a document says about its packet.
struct IndexedPacket {
    std::string id, index;
    std::string file_name;  // empty for live documents
    bool has_file_offset = false;
    std::uint64_t file_offset = 0;
    std::string time_epoch;  // "secs.nnnnnnnnn", as frame.time_epoch
    std::string frame_len, cap_len, frame_number;
    std::string source, destination, protocol;  // source.ip, destination.ip, protocol: for list=
    // Why the document cannot name its packet (a frame fact that is not a number, a
    // negative offset...); empty when it can. Such a packet is reported, never looked
    // for: its values would otherwise reach tshark's filter.
    std::string malformed;
};

// Hits asked for per page. A reply with more is not a reply to our search.
constexpr std::size_t kHitsPerPage = 5000;
// The reply size a page of hits may reach: each hit is its ids, a file name of at most
// kMaxFileNameBytes (capture_location.h) and a few frame facts.
constexpr std::size_t kMaxPageReplyBytes = kHitsPerPage * 8 * 1024;

// The search body's "query" member as JSON text, or "" with `error` set when the query
// DSL is not a JSON object.
std::string search_query_json(const PacketQuery &query, std::string &error);

// The index names to search for index=PREFIX: its daily indices, and PREFIX itself
// (daily=false) when that index exists.
std::string index_pattern(const std::string &index_prefix, bool undated_index_exists);

// The members of _source the search asks for.
const std::vector<std::string> &source_members();

// Reads one page of hits, checking each hit's frame facts (see IndexedPacket::malformed).
// Returns false with `error` set, and `out` unchanged, on a reply that is not a search
// reply or holds more than kHitsPerPage hits. `last_sort` receives the last hit's sort values (JSON text), "" if none.
bool parse_hits_page(const std::string &reply, std::vector<IndexedPacket> &out, std::string &last_sort,
                     std::string &pit_id, std::string &error);

struct SearchOutcome {
    std::vector<IndexedPacket> packets;
    std::string error;           // empty on success
    bool query_refused = false;  // the node answered 400: the query or dates are wrong
    bool too_many = false;       // more than max_packets documents match: none are returned
};

// Runs the whole search against `node`, reading at most `max_packets` documents (more
// is an error, `too_many`). Never throws.
SearchOutcome find_packets(exporter::HttpClient &http, const Endpoint &node, const exporter::SearchEngine &engine,
                           const std::string &index_prefix, const PacketQuery &query, std::size_t max_packets);

}  // namespace espcap::retrieve
