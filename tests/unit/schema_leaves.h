// SPDX-License-Identifier: GPL-2.0-or-later
// Which members of a document a template's mapping leaves without a type: espcap's own
// members are written in tap/ and mapped in export/, and a member renamed in one place
// only would fall back to dynamic mapping unseen (flow_schema_test, geo_enricher_test).
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>

namespace espcap::test {

// Dotted paths of a document's values; an array of values is one leaf.
inline void collect_leaves(const nlohmann::json &value, const std::string &path, std::set<std::string> &out) {
    if (!value.is_object()) {
        out.insert(path);
        return;
    }
    for (const auto &[key, member] : value.items()) collect_leaves(member, path.empty() ? key : path + "." + key, out);
}

// Leaves of `document` the mapping's properties give no type. A typed field whose values
// are objects (a geo_point's {"lat","lon"}) maps everything beneath it.
inline std::set<std::string> unmapped_leaves(const nlohmann::json &document, const nlohmann::json &properties) {
    std::set<std::string> leaves, unmapped;
    collect_leaves(document, "", leaves);
    for (const std::string &leaf : leaves) {
        const nlohmann::json *node = &properties;
        const nlohmann::json *mapping = nullptr;
        std::string::size_type start = 0;
        while (node) {
            const auto dot = leaf.find('.', start);
            const auto found = node->find(leaf.substr(start, dot - start));
            if (found == node->end()) break;
            if (dot == std::string::npos || (found->contains("type") && !found->contains("properties"))) {
                mapping = &*found;
                break;
            }
            node = found->contains("properties") ? &(*found)["properties"] : nullptr;
            start = dot + 1;
        }
        if (!mapping || !mapping->contains("type")) unmapped.insert(leaf);
    }
    return unmapped;
}

}  // namespace espcap::test
