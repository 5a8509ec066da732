// SPDX-License-Identifier: GPL-2.0-or-later
#include "flow_packets.h"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "bounded_json.h"
#include "http_client.h"

namespace espcap::retrieve {
namespace {

using nlohmann::json;

// More records than this for one query is refused rather than read in pages: one
// Community ID names a handful of flows, one id a single record.
constexpr std::size_t kMostFlowRecords = 10000;
// A flow search reply is hits > hit > _source > flow > file_offsets: a few levels.
constexpr int kMaxReplyDepth = 16;

const json *member(const json &object, const char *name) {
    if (!object.is_object()) return nullptr;
    const auto found = object.find(name);
    return found == object.end() ? nullptr : &*found;
}

std::string string_at(const json *object, const char *name) {
    const json *value = object ? member(*object, name) : nullptr;
    return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

}  // namespace

std::string flow_search_body(const FlowQuery &query, std::size_t most_records) {
    json filters = json::array();
    if (!query.flow_id.empty()) filters.push_back({{"ids", {{"values", json::array({query.flow_id})}}}});
    if (!query.community_id.empty()) filters.push_back({{"term", {{"network.community_id", query.community_id}}}});
    return json{{"size", most_records},
                {"query", {{"bool", {{"filter", filters}}}}},
                {"_source", {"file_name", "network.community_id", "network.packets", "event.start", "flow.file_offsets",
                             "flow.file_offsets_complete"}},
                {"sort", json::array({{{"@timestamp", "asc"}}})}}
        .dump();
}

std::string epoch_of_iso_time(const std::string &iso) {
    std::tm tm{};
    char fraction[16] = {0};
    int consumed = 0;
    if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%9[0-9]Z%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, fraction, &consumed) != 7 ||
        static_cast<std::size_t>(consumed) != iso.size())
        return "";
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    std::string nanos(fraction);
    nanos.resize(9, '0');
    return std::to_string(static_cast<long long>(timegm(&tm))) + "." + nanos;
}

bool parse_flow_hits(const std::string &reply_text, std::vector<FlowRecord> &records, std::string &error) {
    json reply;
    std::string problem;
    const bool parsed = exporter::parse_bounded_json(reply_text, kMaxReplyDepth, reply, problem);
    const json *hits = parsed ? member(reply, "hits") : nullptr;
    hits = hits != nullptr ? member(*hits, "hits") : nullptr;
    if (hits == nullptr || !hits->is_array()) {
        error = "the flow search reply has no hits" + (parsed ? "" : " (" + problem + ")");
        return false;
    }
    for (const json &hit : *hits) {
        FlowRecord record;
        record.id = string_at(&hit, "_id");
        record.index = string_at(&hit, "_index");
        const json *source = member(hit, "_source");
        record.file_name = string_at(source, "file_name");
        const json *network = source ? member(*source, "network") : nullptr;
        record.community_id = string_at(network, "community_id");
        if (const json *packets = network ? member(*network, "packets") : nullptr;
            packets != nullptr && packets->is_number_unsigned())
            record.packets = packets->get<std::uint64_t>();
        const json *event = source ? member(*source, "event") : nullptr;
        record.start_epoch = epoch_of_iso_time(string_at(event, "start"));
        const json *flow = source ? member(*source, "flow") : nullptr;
        const json *offsets = flow ? member(*flow, "file_offsets") : nullptr;
        if (offsets != nullptr && offsets->is_array()) {
            for (const json &offset : *offsets)
                if (offset.is_number_unsigned()) record.file_offsets.push_back(offset.get<std::uint64_t>());
        }
        const json *complete = flow ? member(*flow, "file_offsets_complete") : nullptr;
        // A record without offsets (no file, or written before they existed) cannot be read back.
        record.offsets_complete =
            !record.file_offsets.empty() && !(complete != nullptr && complete->is_boolean() && !complete->get<bool>());
        records.push_back(std::move(record));
    }
    return true;
}

std::vector<IndexedPacket> flow_packets(const std::vector<FlowRecord> &records) {
    std::vector<IndexedPacket> packets;
    for (const FlowRecord &record : records) {
        for (std::size_t i = 0; i < record.file_offsets.size(); ++i) {
            IndexedPacket packet;
            packet.id = record.id;
            packet.index = record.index;
            packet.file_name = record.file_name;
            packet.has_file_offset = true;
            packet.file_offset = record.file_offsets[i];
            if (i == 0) packet.time_epoch = record.start_epoch;
            packets.push_back(std::move(packet));
        }
    }
    return packets;
}

FlowSearchOutcome find_flows(exporter::HttpClient &http, const Endpoint &node, const std::string &index_prefix,
                             const FlowQuery &query) {
    FlowSearchOutcome outcome;
    const std::string flows = index_prefix + "-flows";
    const std::string url =
        node.url() + "/" + flows + "," + flows + "-*/_search?ignore_unavailable=true&allow_no_indices=true";
    const exporter::HttpResponse reply = http.post(url, flow_search_body(query, kMostFlowRecords), "application/json");
    if (!reply.reached() || reply.status != 200) {
        outcome.error = "the flow search failed: " +
                        (reply.reached() ? "HTTP " + std::to_string(reply.status) : reply.transport_error);
        outcome.query_refused = reply.reached() && reply.status == 400;
        return outcome;
    }
    if (!parse_flow_hits(reply.body, outcome.records, outcome.error)) return outcome;
    if (outcome.records.size() >= kMostFlowRecords)
        outcome.error = "more than " + std::to_string(kMostFlowRecords - 1) + " flow records match";
    return outcome;
}

}  // namespace espcap::retrieve
