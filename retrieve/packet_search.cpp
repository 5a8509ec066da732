// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet_search.h"

#include <nlohmann/json.hpp>

#include "http_client.h"
#include "search_engine.h"

namespace espcap::retrieve {
namespace {

using nlohmann::json;

// Hits per page: large pages mean few round trips; each hit is a few hundred bytes.
constexpr int kPageSize = 5000;
// How long the point in time lives between two pages.
constexpr const char *kKeepAlive = "2m";
// A search reply is hits > hit > _source > layers > frame: a few levels. Deeper replies
// are refused before nlohmann::json's recursion could overflow the stack.
constexpr int kMaxReplyDepth = 32;

json parse_limited(const std::string &text, bool &too_deep) {
    too_deep = false;
    const auto limit_depth = [&too_deep](int depth, json::parse_event_t, json &) {
        if (depth > kMaxReplyDepth) too_deep = true;
        return !too_deep;
    };
    return json::parse(text, limit_depth, /*allow_exceptions=*/false);
}

// The engine's own words for a refused request: "type: reason" of its root cause.
std::string reply_error(const exporter::HttpResponse &response) {
    if (!response.reached()) return response.transport_error;
    bool too_deep = false;
    const json reply = parse_limited(response.body, too_deep);
    std::string text = "HTTP " + std::to_string(response.status);
    if (reply.is_object() && reply.contains("error")) {
        const json *error = &reply["error"];
        if (error->is_object() && error->contains("root_cause") && (*error)["root_cause"].is_array() &&
            !(*error)["root_cause"].empty())
            error = &(*error)["root_cause"][0];
        if (error->is_object()) {
            for (const char *member : {"type", "reason"}) {
                if (error->contains(member) && (*error)[member].is_string())
                    text += std::string(member[0] == 't' ? ": " : " - ") + (*error)[member].get<std::string>();
            }
        } else if (error->is_string()) {
            text += ": " + error->get<std::string>();
        }
    }
    return text;
}

const json *member(const json &object, const char *name) {
    if (!object.is_object()) return nullptr;
    const auto found = object.find(name);
    return found == object.end() ? nullptr : &*found;
}

// A frame field as text: espcap writes these as strings, a mapping might give numbers.
std::string text_of(const json *value) {
    if (value == nullptr) return "";
    if (value->is_string()) return value->get<std::string>();
    if (value->is_number_unsigned()) return std::to_string(value->get<std::uint64_t>());
    return "";
}

// What the point in time is called where, by engine.
struct PitApi {
    std::string open_path;   // after the index pattern
    std::string open_reply_member;
    std::string close_path;
    std::string close_member;  // the close body's member: a string (ES) or a list (OpenSearch)
    json sort;
};

PitApi pit_api(const exporter::SearchEngine &engine) {
    if (engine.opensearch())
        return {"/_search/point_in_time?keep_alive=" + std::string(kKeepAlive), "pit_id", "/_search/point_in_time",
                "pit_id", json::array({{{"_id", "asc"}}})};
    // _shard_doc: the cheapest unique order within a point in time.
    return {"/_pit?keep_alive=" + std::string(kKeepAlive), "id", "/_pit", "id",
            json::array({{{"_shard_doc", "asc"}}})};
}

}  // namespace

std::string index_pattern(const std::string &index_prefix, bool undated_index_exists) {
    return (undated_index_exists ? index_prefix + "," : "") + index_prefix + "-*";
}

const std::vector<std::string> &source_members() {
    static const std::vector<std::string> members = {
        "file_name", "file_offset", "layers.frame.frame_frame_time_epoch", "layers.frame.frame_frame_len",
        "layers.frame.frame_frame_cap_len", "layers.frame.frame_frame_number"};
    return members;
}

std::string search_query_json(const PacketQuery &query, std::string &error) {
    json filters = json::array();
    if (!query.dsl.empty()) {
        bool too_deep = false;
        json clause = parse_limited(query.dsl, too_deep);
        if (too_deep || clause.is_discarded() || !clause.is_object() || clause.empty()) {
            error = "query_dsl is not a JSON object";
            return "";
        }
        // A whole search body ({"query": {...}}) is taken for its query.
        if (clause.size() == 1 && clause.contains("query")) clause = clause["query"];
        filters.push_back(clause);
    }
    if (!query.lucene.empty()) filters.push_back({{"query_string", {{"query", query.lucene}}}});
    if (!query.from.empty() || !query.to.empty()) {
        json range = json::object();
        if (!query.from.empty()) range["gte"] = query.from;
        if (!query.to.empty()) range["lt"] = query.to;
        filters.push_back({{"range", {{"timestamp", range}}}});
    }
    if (filters.empty()) {
        error = "no query: give query=LUCENE, query_dsl=JSON|FILE, or from=/to=";
        return "";
    }
    return json{{"bool", {{"filter", filters}}}}.dump();
}

bool parse_hits_page(const std::string &reply_text, std::vector<IndexedPacket> &out, std::string &last_sort,
                     std::string &pit_id, std::string &error) {
    bool too_deep = false;
    const json reply = parse_limited(reply_text, too_deep);
    const json *hits = member(reply, "hits");
    hits = hits != nullptr ? member(*hits, "hits") : nullptr;
    if (too_deep || hits == nullptr || !hits->is_array()) {
        error = "the search reply has no hits";
        return false;
    }
    if (const json *pit = member(reply, "pit_id"); pit != nullptr && pit->is_string()) pit_id = pit->get<std::string>();
    last_sort.clear();
    for (const json &hit : *hits) {
        IndexedPacket packet;
        packet.id = text_of(member(hit, "_id"));
        packet.index = text_of(member(hit, "_index"));
        const json *source = member(hit, "_source");
        packet.file_name = text_of(member(source ? *source : json(), "file_name"));
        if (const json *offset = source ? member(*source, "file_offset") : nullptr;
            offset != nullptr && offset->is_number_unsigned()) {
            packet.has_file_offset = true;
            packet.file_offset = offset->get<std::uint64_t>();
        }
        const json *layers = source ? member(*source, "layers") : nullptr;
        const json *frame = layers ? member(*layers, "frame") : nullptr;
        if (frame != nullptr) {
            packet.time_epoch = text_of(member(*frame, "frame_frame_time_epoch"));
            packet.frame_len = text_of(member(*frame, "frame_frame_len"));
            packet.cap_len = text_of(member(*frame, "frame_frame_cap_len"));
            packet.frame_number = text_of(member(*frame, "frame_frame_number"));
        }
        if (const json *sort = member(hit, "sort"); sort != nullptr) last_sort = sort->dump();
        out.push_back(std::move(packet));
    }
    return true;
}

SearchOutcome find_packets(exporter::HttpClient &http, const Endpoint &node, const exporter::SearchEngine &engine,
                           const std::string &index_prefix, const PacketQuery &query) {
    SearchOutcome outcome;
    std::string error;
    const std::string query_text = search_query_json(query, error);
    if (query_text.empty()) {
        outcome.error = error;
        outcome.query_refused = true;
        return outcome;
    }
    const PitApi api = pit_api(engine);
    const std::string base = node.url();
    // OpenSearch refuses a point in time on a missing index by name (and has no
    // ignore_unavailable there), so PREFIX itself (daily=false) is named only if it exists.
    const exporter::HttpResponse undated = http.get(base + "/" + index_prefix);
    const std::string pattern = index_pattern(index_prefix, undated.reached() && undated.status == 200);
    // A point in time over no index at all is an error on OpenSearch: nothing to find.
    const exporter::HttpResponse counted = http.get(base + "/" + pattern + "/_count");
    bool too_deep = false;
    const json count_reply = counted.reached() && counted.status == 200 ? parse_limited(counted.body, too_deep) : json();
    if (const json *count = member(count_reply, "count"); count != nullptr && count->is_number() && *count == 0)
        return outcome;
    exporter::HttpResponse opened = http.post(base + "/" + pattern + api.open_path, "", "application/json");
    const json opened_reply = opened.reached() && opened.status == 200 ? parse_limited(opened.body, too_deep) : json();
    const json *pit_member = member(opened_reply, api.open_reply_member.c_str());
    if (pit_member == nullptr || !pit_member->is_string()) {
        outcome.error = "could not open a point in time on " + pattern + ": " +
                        (opened.reached() && opened.status == 200 ? "the reply names none" : reply_error(opened));
        return outcome;
    }
    std::string pit_id = pit_member->get<std::string>();

    json body = {{"size", kPageSize},
                 {"query", json::parse(query_text)},
                 {"sort", api.sort},
                 {"_source", source_members()},
                 {"track_total_hits", false}};
    while (true) {
        body["pit"] = {{"id", pit_id}, {"keep_alive", kKeepAlive}};
        const exporter::HttpResponse page = http.post(base + "/_search", body.dump(), "application/json");
        if (!page.reached() || page.status != 200) {
            outcome.error = "the search failed: " + reply_error(page);
            outcome.query_refused = page.status == 400;
            break;
        }
        std::string last_sort;
        const std::size_t before = outcome.packets.size();
        if (!parse_hits_page(page.body, outcome.packets, last_sort, pit_id, error)) {
            outcome.error = error;
            break;
        }
        if (outcome.packets.size() - before < static_cast<std::size_t>(kPageSize) || last_sort.empty()) break;
        body["search_after"] = json::parse(last_sort);
    }
    // Closing frees the engine's resources now rather than after keep_alive; a failure
    // here loses nothing.
    const json close_body = engine.opensearch() ? json{{api.close_member, json::array({pit_id})}}
                                                : json{{api.close_member, pit_id}};
    http.del(base + api.close_path, close_body.dump(), "application/json");
    return outcome;
}

}  // namespace espcap::retrieve
