// SPDX-License-Identifier: GPL-2.0-or-later
// What a spooled batch needs to be indexed with the types its run knew: the template
// that run installs and the typed fields of the batch's indices. The spool keeps it
// next to the batch, so a later run or espcap-replay, which may never have dissected
// those protocols, maps the fields before it sends the documents.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "field_spec.h"
#include "index_template.h"

namespace espcap::exporter {

struct SpooledMappings {
    TemplateSpec template_spec;  // its engine is not kept: the replaying node's counts
    std::vector<FieldSpec> fields;
};

std::string spooled_mappings_json(const SpooledMappings &mappings);
// False, with `problem` (when given) saying why, when `json` is not what
// spooled_mappings_json() writes for espcap's own indices (replay_policy.h): a spool
// file is read like a node's reply, since anyone able to write the folder wrote it.
bool parse_spooled_mappings(std::string_view json, SpooledMappings &out, std::string *problem = nullptr);

// The distinct "_index" values of bulk action lines such as espcap writes them.
std::vector<std::string> indices_of_actions(const std::vector<std::string_view> &action_lines);

}  // namespace espcap::exporter
