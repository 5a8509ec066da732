// SPDX-License-Identifier: GPL-2.0-or-later
#include "geo_mapping.h"

#include <string>

#include "mapping_defaults.h"
#include "mapping_path.h"

namespace espcap::exporter {

void put_geo_mappings(nlohmann::json &properties) {
    const nlohmann::json keyword = {{"type", "keyword"}, {"ignore_above", kKeywordIgnoreAbove}};
    for (const std::string end : {"source", "destination"}) {
        for (const char *name : {".geo.country_iso_code", ".geo.country_name", ".geo.city_name", ".as.organization.name"})
            put_at_path(properties, end + name, keyword);
        put_at_path(properties, end + ".geo.location", {{"type", "geo_point"}});
        put_at_path(properties, end + ".as.number", {{"type", "long"}});
    }
}

}  // namespace espcap::exporter
