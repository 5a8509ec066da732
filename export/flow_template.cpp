// SPDX-License-Identifier: GPL-2.0-or-later
#include "flow_template.h"

#include <nlohmann/json.hpp>

#include "index_template.h"
#include "geo_mapping.h"
#include "mapping_path.h"
#include "sensor_mapping.h"

namespace espcap::exporter {
namespace {

using nlohmann::json;

// Above the packets template for the same prefix (index_template.cpp: 200 + length).
constexpr int kPriority = 400;

json flow_mappings() {
    const json keyword = {{"type", "keyword"}, {"ignore_above", 1024}};
    const json count = {{"type", "long"}};
    const json time = {{"type", "date_nanos"}, {"ignore_malformed", true}};
    json properties = json::object();
    put_at_path(properties, "@timestamp", {{"type", "date"}, {"ignore_malformed", true}});
    for (const char *path : {"event.start", "event.end"}) put_at_path(properties, path, time);
    put_at_path(properties, "event.duration", count);
    for (const char *path : {"event.kind", "event.category", "event.type", "event.reason", "network.community_id",
                             "network.transport", "network.iana_number", "network.type", "network.protocol",
                             "flow.tcp_flags", "file_name", "interface"})
        put_at_path(properties, path, keyword);
    for (const char *path : {"network.packets", "network.bytes", "flow.first_frame", "flow.last_frame", "flow.stream"})
        put_at_path(properties, path, count);
    // Read back from _source by espcap-pcap flow=, never searched: no index, no doc values.
    put_at_path(properties, "flow.file_offsets", {{"type", "long"}, {"index", false}, {"doc_values", false}});
    put_at_path(properties, "flow.file_offsets_complete", {{"type", "boolean"}});
    for (const char *end : {"source", "destination"}) {
        const std::string prefix(end);
        put_at_path(properties, prefix + ".ip", {{"type", "ip"}});
        for (const char *name : {".port", ".packets", ".bytes"}) put_at_path(properties, prefix + name, count);
    }
    put_sensor_mappings(properties);
    put_geo_mappings(properties);
    return {{"_meta", {{"created_by", "espcap"}}}, {"dynamic", true}, {"date_detection", false},
            {"dynamic_templates", json::array({labels_as_keywords()})}, {"properties", properties}};
}

}  // namespace

std::string flow_index_prefix(const std::string &index_prefix) { return index_prefix + "-flows"; }

std::string flow_template_path(const std::string &index_prefix, const SearchEngine &engine) {
    return (engine.composable_templates() ? "/_index_template/" : "/_template/") +
           index_template_name(flow_index_prefix(index_prefix));
}

std::string flow_template_body(const std::string &index_prefix, const SearchEngine &engine) {
    const std::string prefix = flow_index_prefix(index_prefix);
    const json patterns = json::array({prefix, prefix + "-*"});
    json body;
    if (engine.composable_templates()) {
        body = {{"index_patterns", patterns},
                {"priority", kPriority},
                {"_meta", {{"created_by", "espcap"}}},
                {"template", {{"mappings", flow_mappings()}}}};
    } else {
        body = {{"index_patterns", patterns}, {"order", kPriority}, {"mappings", flow_mappings()}};
    }
    return body.dump();
}

}  // namespace espcap::exporter
