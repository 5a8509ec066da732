// SPDX-License-Identifier: GPL-2.0-or-later
#include "spooled_mappings.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace espcap::exporter {

using nlohmann::json;

std::string spooled_mappings_json(const SpooledMappings &mappings) {
    json fields = json::object();  // index -> [[path, type], ...]
    for (const FieldSpec &field : mappings.fields) fields[field.index].push_back({field.path, field.type});
    const TemplateSpec &spec = mappings.template_spec;
    return json{{"index_prefix", spec.index_prefix},
                {"alias_target_types", spec.alias_target_types},
                {"registry_summary", spec.registry_summary_json},
                {"fields", std::move(fields)}}
        .dump();
}

bool parse_spooled_mappings(std::string_view text, SpooledMappings &out) {
    try {
        const json parsed = json::parse(text);
        SpooledMappings result;
        result.template_spec.index_prefix = parsed.at("index_prefix").get<std::string>();
        result.template_spec.alias_target_types =
            parsed.at("alias_target_types").get<std::map<std::string, std::string>>();
        result.template_spec.registry_summary_json = parsed.at("registry_summary").get<std::string>();
        for (const auto &[index, fields] : parsed.at("fields").items()) {
            for (const json &field : fields)
                result.fields.push_back(
                    FieldSpec{index, field.at(0).get<std::string>(), field.at(1).get<std::string>()});
        }
        if (result.template_spec.index_prefix.empty()) return false;
        out = std::move(result);
        return true;
    } catch (const std::exception &) {
        return false;
    }
}

std::vector<std::string> indices_of_actions(const std::vector<std::string_view> &action_lines) {
    constexpr std::string_view kKey = R"("_index":")";
    std::vector<std::string> indices;
    for (std::string_view line : action_lines) {
        const std::size_t start = line.find(kKey);
        if (start == std::string_view::npos) continue;
        const std::size_t begin = start + kKey.size();
        const std::size_t end = line.find('"', begin);
        if (end == std::string_view::npos) continue;
        const std::string_view index = line.substr(begin, end - begin);
        // Batches rarely span more than a day or two: a linear search is enough.
        if (std::find(indices.begin(), indices.end(), index) == indices.end()) indices.emplace_back(index);
    }
    return indices;
}

}  // namespace espcap::exporter
