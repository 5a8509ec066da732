// SPDX-License-Identifier: GPL-2.0-or-later
#include "bounded_json.h"

namespace espcap::exporter {

bool parse_bounded_json(std::string_view text, int max_depth, nlohmann::json &out, std::string &problem) {
    bool too_deep = false;
    // Called as each value starts and ends: refusing the first too deep one stops the
    // parse without building it.
    const auto limit_depth = [&too_deep, max_depth](int depth, nlohmann::json::parse_event_t, nlohmann::json &) {
        if (depth > max_depth) too_deep = true;
        return !too_deep;
    };
    nlohmann::json parsed = nlohmann::json::parse(text, limit_depth, /*allow_exceptions=*/false);
    if (too_deep) {
        problem = "nested more than " + std::to_string(max_depth) + " levels deep";
        return false;
    }
    if (parsed.is_discarded()) {
        problem = "not JSON";
        return false;
    }
    out = std::move(parsed);
    return true;
}

}  // namespace espcap::exporter
