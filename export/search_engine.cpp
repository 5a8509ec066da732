// SPDX-License-Identifier: GPL-2.0-or-later
#include "search_engine.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "mapping_defaults.h"

namespace espcap::exporter {
namespace {
bool at_least(const SearchEngine &e, int major, int minor) {
    return e.major > major || (e.major == major && e.minor >= minor);
}
}  // namespace

bool SearchEngine::composable_templates() const { return opensearch() || at_least(*this, 7, 8); }

bool SearchEngine::unsigned_long() const {
    return !unsigned_long_refused && (opensearch() ? at_least(*this, 2, 8) : at_least(*this, 7, 10));
}

std::string SearchEngine::describe() const {
    return distribution + " " + std::to_string(major) + "." + std::to_string(minor);
}

bool parse_search_engine(const std::string &root_reply, SearchEngine &out) {
    const nlohmann::json reply = nlohmann::json::parse(root_reply, nullptr, false);
    if (!reply.is_object() || !reply.contains("version") || !reply["version"].is_object()) return false;
    const nlohmann::json &version = reply["version"];
    SearchEngine engine;
    std::string number;
    try {
        number = version.value("number", "");
        // Elasticsearch has no "distribution"; OpenSearch says "opensearch".
        engine.distribution = version.value("distribution", "elasticsearch");
    } catch (const nlohmann::json::exception &) {
        return false;  // not strings: not a node we know
    }
    if (std::sscanf(number.c_str(), "%d.%d", &engine.major, &engine.minor) != 2) return false;
    out = engine;
    return true;
}

bool parse_node_info(const std::string &nodes_reply, const std::string &product, SearchEngine &out) {
    const nlohmann::json reply = nlohmann::json::parse(nodes_reply, nullptr, false);
    if (!reply.is_object() || !reply.contains("nodes") || !reply["nodes"].is_object() || reply["nodes"].empty())
        return false;
    const nlohmann::json &node = reply["nodes"].begin().value();
    if (!node.is_object() || !node.contains("version") || !node["version"].is_string()) return false;
    SearchEngine engine;
    // Elasticsearch names itself in the header (7.14 on) and its builds have a flavor;
    // OpenSearch does neither.
    const bool elasticsearch = product == "Elasticsearch" || node.contains("build_flavor");
    engine.distribution = elasticsearch ? "elasticsearch" : "opensearch";
    if (std::sscanf(node["version"].get<std::string>().c_str(), "%d.%d", &engine.major, &engine.minor) != 2)
        return false;
    out = engine;
    return true;
}

EngineAnswer ask_search_engine(const std::function<HttpResponse(const std::string &path)> &get) {
    EngineAnswer answer;
    answer.reply = get("/");
    const long status = answer.reply.reached() ? answer.reply.status : 0;
    if (status == 200) {
        answer.known = parse_search_engine(answer.reply.body, answer.engine);
        return answer;
    }
    if (status != 403 && status != 404 && status != 405) return answer;
    HttpResponse info = get("/_nodes/_local?filter_path=nodes.*.version,nodes.*.build_flavor");
    if (!info.reached() || info.status != 200) return answer;
    answer.known = parse_node_info(info.body, info.product, answer.engine);
    answer.reply = std::move(info);
    return answer;
}

std::string field_mapping_json(const std::string &type, const SearchEngine &engine) {
    using nlohmann::json;
    if (type == "keyword") return json{{"type", "keyword"}, {"ignore_above", kKeywordIgnoreAbove}}.dump();
    // A byte field's hex is a keyword (field_storage.cpp leaves out its doc values).
    if (type == "bytes") return field_mapping_json("keyword", engine);
    if (type == "boolean") return json{{"type", "boolean"}}.dump();
    if (type == "object") return json{{"type", "object"}}.dump();
    const std::string mapped = type == "unsigned_long" && !engine.unsigned_long() ? "keyword" : type;
    if (mapped == "keyword") return field_mapping_json(mapped, engine);
    // A value that does not parse (a float written as "inf", a date past year 9999)
    // is kept in _source and listed in _ignored instead of refusing the document.
    return json{{"type", mapped}, {"ignore_malformed", true}}.dump();
}

}  // namespace espcap::exporter
