// SPDX-License-Identifier: GPL-2.0-or-later
// Connects the tap's field typing to the exporter's mappings, for tshark runs
// (session.cpp) and the GUI's export (gui_export_run.cpp) alike.
#pragma once

#include "exporter.h"
#include "field_discovery.h"
#include "field_registry.h"

namespace espcap {

// The template's typed fields (what ECS aliases point at) come from the same registry
// as every other field's type, so the two never disagree.
exporter::TemplateSpec template_spec_from(const tap::FieldRegistry &registry);

// Hands the members first written into an index to the exporter, ahead of the document
// that uses them. Without a node they are only forgotten.
void hand_over_new_fields(tap::FieldDiscovery &discovery, exporter::Exporter &exporter, bool to_node);

}  // namespace espcap
