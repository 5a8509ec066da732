// SPDX-License-Identifier: GPL-2.0-or-later
// The index template espcap installs for PREFIX and PREFIX-* before its first bulk
// request. It holds the fixed part of the mapping: espcap's own top-level fields, the
// ECS names (copies and aliases, with the fields the aliases point at), and a dynamic
// rule that maps any other string as keyword. The typed fields of each protocol are
// added to each index as they are first used (field_mappings.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "search_engine.h"

namespace espcap::exporter {

struct TemplateSpec {
    std::string index_prefix;
    SearchEngine engine;
    // The types of the fields ECS aliases point at ("layers.dns.dns_dns_qry_name" ->
    // "keyword"), from the same field registry that types everything else.
    std::map<std::string, std::string> alias_target_types;
    std::string registry_summary_json;  // kept in the mapping's _meta; may be empty
};

// The "layers." fields that ECS aliases point at: the template must map them.
std::vector<std::string> ecs_alias_targets();

std::string index_template_name(const std::string &index_prefix);
// "/_index_template/NAME", or the legacy "/_template/NAME" before Elasticsearch 7.8.
std::string index_template_path(const TemplateSpec &spec);
std::string index_template_body(const TemplateSpec &spec);

}  // namespace espcap::exporter
