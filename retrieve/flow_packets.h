// SPDX-License-Identifier: GPL-2.0-or-later
// From a flow record to its packets (espcap-pcap flow=ID or community_id=VALUE): the
// flow records say which file holds each flow's packets and where (flow.file_offsets),
// so the packets come back without packet documents, as with flows=only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "packet_search.h"

namespace espcap::retrieve {

struct FlowQuery {
    std::string flow_id;       // flow=: one record's _id
    std::string community_id;  // community_id=: every record of that Community ID
    bool empty() const { return flow_id.empty() && community_id.empty(); }
};

// What one flow record says about where its packets are.
struct FlowRecord {
    std::string id, index, community_id, file_name;
    std::string start_epoch;  // event.start as frame.time_epoch prints it: the first packet's time
    std::uint64_t packets = 0;  // network.packets: how many the flow had
    std::vector<std::uint64_t> file_offsets;
    bool offsets_complete = true;  // false: a long flow's record lists its first packets only
};

// The search body for the records `query` names (both keys: records matching both).
std::string flow_search_body(const FlowQuery &query, std::size_t most_records);

// Reads the records of a search reply. False with `error` set when it is not one.
bool parse_flow_hits(const std::string &reply, std::vector<FlowRecord> &records, std::string &error);

// "2015-07-30T05:22:30.289854000Z" as "1438233750.289854000"; "" when it is not such a time.
std::string epoch_of_iso_time(const std::string &iso);

// The packets the records point to, each located by its file offset; the first packet of
// each flow carries the flow's start time, so a file that changed since is noticed.
std::vector<IndexedPacket> flow_packets(const std::vector<FlowRecord> &records);

struct FlowSearchOutcome {
    std::vector<FlowRecord> records;
    std::string error;
    bool query_refused = false;
};

// Searches PREFIX-flows-* (and PREFIX-flows for daily=false). Never throws.
FlowSearchOutcome find_flows(exporter::HttpClient &http, const Endpoint &node, const std::string &index_prefix,
                             const FlowQuery &query);

}  // namespace espcap::retrieve
