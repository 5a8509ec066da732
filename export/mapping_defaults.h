// SPDX-License-Identifier: GPL-2.0-or-later
// Mapping values that more than one file writes: the index template
// (index_template.cpp), each field's mapping (search_engine.cpp) and what an index is
// taken to allow until its settings are read (field_mappings.h).
#pragma once

namespace espcap::exporter {

// Keyword values longer than this are kept in _source but not indexed.
constexpr int kKeywordIgnoreAbove = 1024;
// index.mapping.total_fields.limit of a new index: Elasticsearch's default.
// field_mappings.cpp raises an index's limit when the protocols it holds need more.
constexpr long kDefaultTotalFieldsLimit = 1000;

}  // namespace espcap::exporter
