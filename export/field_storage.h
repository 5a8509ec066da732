// SPDX-License-Identifier: GPL-2.0-or-later
// How much of Elasticsearch's per-field storage each mapped field gets. Every field is
// indexed (term, range and CIDR queries work on all of them); doc values, which only
// aggregations, sorting and scripts read, are left off:
//   - always, on byte fields and on fields whose values are per-packet noise nobody
//     groups by: checksums, raw and relative sequence numbers, IP ids, and the relative
//     and epoch times that `timestamp` already covers;
//   - with aggregatable=common (the compact profile), on every field but addresses,
//     times and the ports, lengths, streams, protocols and names analysts group by.
// The choices were made from _disk_usage measurements (docs/storage.md) and are kept in
// the template's _meta ("doc_values_off", "doc_values_common") so that an index says why
// a terms aggregation on, say, tcp.checksum is refused.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "options.h"

namespace espcap::exporter {

using Aggregatable = Options::Aggregatable;

// Whether the field at `path` ("layers.tcp.tcp_tcp_checksum") of espcap's `type`
// ("keyword", "bytes": common/field_type.h) keeps doc values.
bool keeps_doc_values(std::string_view path, std::string_view type, Aggregatable aggregatable);

// `mapping` (field_mapping_json(type): {"type": "keyword", ...}) with doc values turned
// off where they are.
void apply_field_storage(std::string_view path, std::string_view type, nlohmann::json &mapping,
                         Aggregatable aggregatable);

// The rules above, for the template's _meta.
nlohmann::json field_storage_meta();

}  // namespace espcap::exporter
