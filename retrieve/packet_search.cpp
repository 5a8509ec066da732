// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet_search.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "http_client.h"
#include "search_engine.h"

namespace espcap::retrieve {
namespace {

using nlohmann::json;

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

// An ECS member such as source.ip, written nested ({"source":{"ip":...}}) or dotted.
std::string ecs_text(const json &source, const char *object, const char *name) {
    if (const json *nested = member(source, object); nested != nullptr && nested->is_object())
        return text_of(member(*nested, name));
    return text_of(member(source, (std::string(object) + "." + name).c_str()));
}

// 1 to 20 decimal digits: a whole number as tshark prints it (uint64 has 20 digits).
bool whole_number(const std::string &text) {
    return !text.empty() && text.size() <= 20 &&
           text.find_first_not_of("0123456789") == std::string::npos;
}

// "secs.nnnnnnnnn" as tshark prints frame.time_epoch (seconds may be negative).
bool epoch_time(const std::string &text) {
    const std::size_t dot = text.find('.');
    if (dot == std::string::npos) return false;
    const std::size_t start = !text.empty() && text.front() == '-' ? 1 : 0;
    return whole_number(text.substr(start, dot - start)) && whole_number(text.substr(dot + 1));
}

// A value as a message quotes it: short, and only ever shown after escaping.
std::string quoted_value(const std::string &value) {
    constexpr std::size_t kShown = 40;
    return "'" + (value.size() > kShown ? value.substr(0, kShown) + "..." : value) + "'";
}

// Why the frame facts cannot locate a packet, or "" when they can. Frame numbers and
// offsets go into tshark's filter, so only digits pass.
std::string check_frame_facts(const IndexedPacket &packet) {
    if (!whole_number(packet.frame_number)) return "frame number " + quoted_value(packet.frame_number) + " is not a number";
    if (!epoch_time(packet.time_epoch)) return "frame time " + quoted_value(packet.time_epoch) + " is not a time";
    if (!whole_number(packet.frame_len)) return "frame length " + quoted_value(packet.frame_len) + " is not a number";
    if (!whole_number(packet.cap_len)) return "captured length " + quoted_value(packet.cap_len) + " is not a number";
    return "";
}

// file_offset: a JSON number espcap wrote, or digits in a string; "" when it is one (or
// absent), else the problem.
std::string read_file_offset(const json *offset, IndexedPacket &packet) {
    if (offset == nullptr || offset->is_null()) return "";
    std::string digits;
    if (offset->is_number_unsigned()) {
        digits = std::to_string(offset->get<std::uint64_t>());
    } else if (offset->is_string() && whole_number(offset->get<std::string>())) {
        digits = offset->get<std::string>();
    } else {
        return "file offset " + quoted_value(offset->dump()) + " is not a whole number";
    }
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), packet.file_offset);
    if (ec != std::errc() || end != digits.data() + digits.size()) return "file offset " + quoted_value(digits) + " is too large";
    packet.has_file_offset = true;
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
        "layers.frame.frame_frame_cap_len", "layers.frame.frame_frame_number", "source.ip", "destination.ip",
        "protocol"};
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
    if (!query.narrowing.empty()) {
        const json narrowing = json::parse(query.narrowing, nullptr, /*allow_exceptions=*/false);
        if (!narrowing.is_object()) {
            error = "the narrowing of filter= is not a JSON object";
            return "";
        }
        filters.push_back(narrowing);
        if (filters.size() == 1) return narrowing.dump();
    }
    if (filters.empty() && query.everything) return json{{"match_all", json::object()}}.dump();
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
    if (hits->size() > kHitsPerPage) {
        error = "the search reply holds " + std::to_string(hits->size()) + " hits, more than the " +
                std::to_string(kHitsPerPage) + " asked for";
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
        packet.malformed = read_file_offset(source ? member(*source, "file_offset") : nullptr, packet);
        const json *layers = source ? member(*source, "layers") : nullptr;
        const json *frame = layers ? member(*layers, "frame") : nullptr;
        if (frame != nullptr) {
            packet.time_epoch = text_of(member(*frame, "frame_frame_time_epoch"));
            packet.frame_len = text_of(member(*frame, "frame_frame_len"));
            packet.cap_len = text_of(member(*frame, "frame_frame_cap_len"));
            packet.frame_number = text_of(member(*frame, "frame_frame_number"));
        }
        if (packet.malformed.empty()) packet.malformed = check_frame_facts(packet);
        if (source != nullptr) {
            packet.source = ecs_text(*source, "source", "ip");
            packet.destination = ecs_text(*source, "destination", "ip");
            packet.protocol = text_of(member(*source, "protocol"));
        }
        if (const json *sort = member(hit, "sort"); sort != nullptr) last_sort = sort->dump();
        out.push_back(std::move(packet));
    }
    return true;
}

SearchOutcome find_packets(exporter::HttpClient &http, const Endpoint &node, const exporter::SearchEngine &engine,
                           const std::string &index_prefix, const PacketQuery &query, std::size_t max_packets) {
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

    json body = {{"query", json::parse(query_text)},
                 {"sort", api.sort},
                 {"_source", source_members()},
                 {"track_total_hits", false}};
    while (true) {
        // Never more than one hit past max_packets: that one says there are too many.
        const std::size_t asked = std::min(kHitsPerPage, max_packets + 1 - outcome.packets.size());
        body["size"] = asked;
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
        if (outcome.packets.size() > max_packets) {
            // Stop reading: a search that broad is a mistake, and holding it costs memory.
            outcome.packets.clear();
            outcome.too_many = true;
            outcome.error = "more than " + std::to_string(max_packets) +
                            " documents match (max_packets): narrow the search or raise max_packets";
            break;
        }
        if (outcome.packets.size() - before < asked || last_sort.empty()) break;
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
