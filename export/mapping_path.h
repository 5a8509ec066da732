// Mapping JSON is nested: "layers.dns.dns_dns_qry_name" lives at
// properties.layers.properties.dns.properties.dns_dns_qry_name. Both the index template
// and the per-index mapping updates build it the same way.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace espcap::exporter {

// Puts `mapping` at dotted `path` inside a "properties" tree.
inline void put_at_path(nlohmann::json &properties, const std::string &path, nlohmann::json mapping) {
    nlohmann::json *level = &properties;
    std::size_t start = 0;
    for (std::size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1)
        level = &(*level)[path.substr(start, dot - start)]["properties"];
    (*level)[path.substr(start)] = std::move(mapping);
}

}  // namespace espcap::exporter
