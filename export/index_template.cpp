// SPDX-License-Identifier: GPL-2.0-or-later
#include "index_template.h"

#include <nlohmann/json.hpp>

#include "field_storage.h"
#include "geo_mapping.h"
#include "mapping_defaults.h"
#include "mapping_path.h"
#include "sensor_mapping.h"

namespace espcap::exporter {
namespace {

using nlohmann::json;

// _source is most of a packet index (docs/storage.md): DEFLATE instead of LZ4 stores it
// in about half the bytes; searches read _source only for the hits they return.
constexpr const char *kCodec = "best_compression";
// Above the built-in logs/metrics templates (100), so ours applies to PREFIX-*. A longer
// prefix gets a higher priority: "lab-2-*" overlaps "lab-*", and two overlapping
// templates of equal priority are refused.
constexpr int kBasePriority = 200;

struct Alias {
    const char *name;    // ECS name
    const char *target;  // what it points at
};
// One alias points at one field. The address, port and transport names need several
// (IPv4 and IPv6, TCP and UDP), so they are copies written into each document instead.
constexpr Alias kAliases[] = {
    {"@timestamp", "timestamp"},
    {"network.protocol", "protocol"},
    {"dns.question.name", "layers.dns.dns_dns_qry_name"},
    {"url.original", "layers.http.http_http_request_full_uri"},
    {"http.response.status_code", "layers.http.http_http_response_code"},
};

json typed(const std::string &type, const SearchEngine &engine) {
    return json::parse(field_mapping_json(type, engine));
}

json mappings(const TemplateSpec &spec) {
    json tolerant_date = typed("date", spec.engine);
    json epoch_millis_date = tolerant_date;
    // espcap writes epoch milliseconds; queries may use ISO 8601 dates as well.
    epoch_millis_date["format"] = "epoch_millis||strict_date_optional_time";
    json properties = {
        {"timestamp", epoch_millis_date},
        {"sniff_timestamp",
         {{"type", "double"}, {"doc_values", keeps_doc_values("sniff_timestamp", "double", Aggregatable::all)}}},
        {"sniff_date_utc", tolerant_date},
        {"file_date_utc", tolerant_date},
        {"file_name", {{"type", "keyword"}}},
        {"file_offset", {{"type", "long"}}},
        {"interface", {{"type", "keyword"}}},
        {"protocol", {{"type", "keyword"}}},
    };
    for (const char *end : {"source", "destination"}) {
        put_at_path(properties, std::string(end) + ".ip", typed("ip", spec.engine));
        put_at_path(properties, std::string(end) + ".port", typed("long", spec.engine));
    }
    put_at_path(properties, "network.transport", {{"type", "keyword"}});
    put_at_path(properties, "network.community_id", {{"type", "keyword"}});
    put_sensor_mappings(properties);
    put_geo_mappings(properties);
    for (const auto &[path, type] : spec.alias_target_types) {
        json mapping = typed(type, spec.engine);
        // The template serves every profile: these are fields analysts group by anyway.
        apply_field_storage(path, type, mapping, Aggregatable::all);
        put_at_path(properties, path, std::move(mapping));
    }
    for (const Alias &alias : kAliases) {
        // An alias to an unmapped field makes the whole template invalid; without the
        // field registry (espcap-replay) the layer fields are not known.
        const bool layer_field = std::string(alias.target).rfind("layers.", 0) == 0;
        if (layer_field && !spec.alias_target_types.count(alias.target)) continue;
        put_at_path(properties, alias.name, {{"type", "alias"}, {"path", alias.target}});
    }

    json meta = {{"created_by", "espcap"}, {"storage", field_storage_meta()}};
    meta["storage"]["index.codec"] = std::string(kCodec) + ": _source is most of the index (docs/storage.md)";
    if (!spec.registry_summary_json.empty()) meta["field_registry"] = json::parse(spec.registry_summary_json);
    return {{"_meta", meta},
            {"date_detection", false},
            {"dynamic_templates",
             json::array({labels_as_keywords(), {{"strings_as_keywords",
                            {{"match_mapping_type", "string"},
                             {"mapping", {{"type", "keyword"}, {"ignore_above", kKeywordIgnoreAbove}}}}}}})},
            {"properties", properties}};
}

}  // namespace

std::vector<std::string> ecs_alias_targets() {
    std::vector<std::string> targets;
    for (const Alias &alias : kAliases)
        if (std::string(alias.target).rfind("layers.", 0) == 0) targets.push_back(alias.target);
    return targets;
}

std::string index_template_name(const std::string &index_prefix) { return "espcap-" + index_prefix; }

std::string index_template_path(const TemplateSpec &spec) {
    return (spec.engine.composable_templates() ? "/_index_template/" : "/_template/") +
           index_template_name(spec.index_prefix);
}

std::string index_template_body(const TemplateSpec &spec) {
    const json patterns = json::array({spec.index_prefix, spec.index_prefix + "-*"});
    const json settings = {{"index.mapping.total_fields.limit", kDefaultTotalFieldsLimit}, {"index.codec", kCodec}};
    const int priority = kBasePriority + static_cast<int>(spec.index_prefix.size());
    json body;
    if (spec.engine.composable_templates()) {
        body = {{"index_patterns", patterns},
                {"priority", priority},
                {"_meta", {{"created_by", "espcap"}}},
                {"template", {{"settings", settings}, {"mappings", mappings(spec)}}}};
    } else {
        body = {{"index_patterns", patterns}, {"order", priority}, {"settings", settings}, {"mappings", mappings(spec)}};
    }
    return body.dump();
}

}  // namespace espcap::exporter
