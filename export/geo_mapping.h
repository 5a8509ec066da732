// SPDX-License-Identifier: GPL-2.0-or-later
// The GeoIP and ASN fields (geoip=, asn=; tap/geo_fields.h writes them) under source.
// and destination., mapped alike in the packets' and the flows' templates:
// geo.location as geo_point (Kibana maps, geo_distance queries), the names and codes as
// keyword, as.number as long.
#pragma once

#include <nlohmann/json.hpp>

namespace espcap::exporter {

void put_geo_mappings(nlohmann::json &properties);

}  // namespace espcap::exporter
