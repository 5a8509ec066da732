// SPDX-License-Identifier: GPL-2.0-or-later
#include "sensor_mapping.h"

#include "mapping_defaults.h"
#include "mapping_path.h"

namespace espcap::exporter {

void put_sensor_mappings(nlohmann::json &properties) {
    for (const char *path :
         {"observer.name", "observer.hostname", "event.kind", "event.category", "event.dataset", "event.module"})
        put_at_path(properties, path, {{"type", "keyword"}});
}

nlohmann::json labels_as_keywords() {
    return {{"labels_as_keywords",
             {{"path_match", "labels.*"},
              {"match_mapping_type", "string"},
              {"mapping", {{"type", "keyword"}, {"ignore_above", kKeywordIgnoreAbove}}}}}};
}

}  // namespace espcap::exporter
