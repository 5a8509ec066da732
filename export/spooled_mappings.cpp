// SPDX-License-Identifier: GPL-2.0-or-later
#include "spooled_mappings.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "bounded_json.h"
#include "option_values.h"
#include "replay_policy.h"

namespace espcap::exporter {

using nlohmann::json;

namespace {

// {"fields":{"INDEX":[["PATH","TYPE"]]}} is four levels.
constexpr int kMaxMappingsDepth = 8;
// FieldRegistry::summary_json(): {"names_by_type":{"TYPE":N}}.
constexpr int kMaxRegistrySummaryDepth = 8;
// A path becomes nested "properties" objects, one level per dot (mapping_path.h): far
// deeper than any field espcap writes (layers.PROTO.FIELD), far shallower than a stack.
constexpr std::size_t kMostDotsInPath = 32;
constexpr std::size_t kLongestPath = 1024;
constexpr std::size_t kLongestType = 32;

// A path and type such as espcap writes: not empty, not too deep, a type of lowercase
// letters and underscores (long, ip, unsigned_long...).
bool plausible_field(const std::string &path, const std::string &type) {
    const bool path_ok = !path.empty() && path.size() <= kLongestPath &&
                         static_cast<std::size_t>(std::count(path.begin(), path.end(), '.')) <= kMostDotsInPath;
    const bool type_ok = !type.empty() && type.size() <= kLongestType &&
                         type.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
    return path_ok && type_ok;
}

}  // namespace

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

bool parse_spooled_mappings(std::string_view text, SpooledMappings &out, std::string *problem) {
    std::string why;
    const auto refuse = [&](std::string reason) {
        if (problem != nullptr) *problem = std::move(reason);
        return false;
    };
    json parsed;
    if (!parse_bounded_json(text, kMaxMappingsDepth, parsed, why)) return refuse("its mappings are " + why);
    try {
        SpooledMappings result;
        TemplateSpec &spec = result.template_spec;
        spec.index_prefix = parsed.at("index_prefix").get<std::string>();
        // The prefix becomes the template's pattern, PREFIX-*: a prefix "*" would match
        // every index of the node.
        if (!detail::valid_index_prefix(spec.index_prefix, why)) return refuse("its index prefix " + why);
        spec.alias_target_types = parsed.at("alias_target_types").get<std::map<std::string, std::string>>();
        for (const auto &[path, type] : spec.alias_target_types)
            if (!plausible_field(path, type)) return refuse("its mappings name a field espcap does not write");
        // Parsed again, without a bound, where the template is written (index_template.cpp).
        spec.registry_summary_json = parsed.at("registry_summary").get<std::string>();
        json summary;
        if (!spec.registry_summary_json.empty() &&
            !parse_bounded_json(spec.registry_summary_json, kMaxRegistrySummaryDepth, summary, why))
            return refuse("its registry_summary is " + why);
        for (const auto &[index, fields] : parsed.at("fields").items()) {
            if (!is_espcap_index_name(index)) return refuse("its mappings name an index that is not one of espcap's");
            for (const json &field : fields) {
                FieldSpec spec_of_field{index, field.at(0).get<std::string>(), field.at(1).get<std::string>()};
                if (!plausible_field(spec_of_field.path, spec_of_field.type))
                    return refuse("its mappings name a field espcap does not write");
                result.fields.push_back(std::move(spec_of_field));
            }
        }
        out = std::move(result);
        return true;
    } catch (const std::exception &) {
        return refuse("its mappings are not what espcap writes");
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
