// SPDX-License-Identifier: GPL-2.0-or-later
#include "typed_fields.h"

#include <vector>

namespace espcap {

exporter::TemplateSpec template_spec_from(const tap::FieldRegistry &registry) {
    exporter::TemplateSpec spec;
    for (const std::string &path : exporter::ecs_alias_targets()) {
        const std::string member = path.substr(path.rfind('.') + 1);
        spec.alias_target_types[path] = field_type_name(registry.type_of_member(member));
    }
    spec.registry_summary_json = registry.summary_json();
    return spec;
}

void hand_over_new_fields(tap::FieldDiscovery &discovery, exporter::Exporter &exporter, bool to_node) {
    std::vector<tap::DiscoveredField> &found = discovery.discovered();
    if (found.empty()) return;
    if (to_node) {
        std::vector<exporter::FieldSpec> fields;
        fields.reserve(found.size());
        for (tap::DiscoveredField &field : found)
            fields.push_back({std::move(field.index), std::move(field.path), field_type_name(field.type)});
        exporter.mappings().add(fields);
    }
    found.clear();
}

}  // namespace espcap
