// SPDX-License-Identifier: GPL-2.0-or-later
// Mapping JSON is nested: "layers.dns.dns_dns_qry_name" lives at
// properties.layers.properties.dns.properties.dns_dns_qry_name. Both the index template
// and the per-index mapping updates build it the same way.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace espcap::exporter {

// Puts `mapping` at dotted `path` inside a "properties" tree. An object put where its
// members already are leaves them there.
inline void put_at_path(nlohmann::json &properties, const std::string &path, nlohmann::json mapping) {
    nlohmann::json *level = &properties;
    std::size_t start = 0;
    for (std::size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1)
        level = &(*level)[path.substr(start, dot - start)]["properties"];
    nlohmann::json &slot = (*level)[path.substr(start)];
    const bool object = mapping.is_object() && mapping.value("type", "") == "object";
    if (object && slot.is_object() && slot.contains("properties")) return;
    slot = std::move(mapping);
}

}  // namespace espcap::exporter
