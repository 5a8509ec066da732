// SPDX-License-Identifier: GPL-2.0-or-later
// The index template of the flow records (tap/flow_document.h): PREFIX-flows and
// PREFIX-flows-*. Its priority is above the packets template's, whose PREFIX-* pattern
// matches these names too, so flow indices get this mapping and not the packets one.
#pragma once

#include <string>

#include "search_engine.h"

namespace espcap::exporter {

std::string flow_index_prefix(const std::string &index_prefix);  // "PREFIX-flows"
std::string flow_template_path(const std::string &index_prefix, const SearchEngine &engine);
std::string flow_template_body(const std::string &index_prefix, const SearchEngine &engine);

}  // namespace espcap::exporter
