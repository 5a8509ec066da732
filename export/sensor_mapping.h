// SPDX-License-Identifier: GPL-2.0-or-later
// The fields that say which sensor saw a packet and what kind of event a document is
// (observer.*, labels.*, event.kind/category/dataset/module; tap/sensor_identity.h),
// mapped alike in the packets' and the flows' templates.
#pragma once

#include <nlohmann/json.hpp>

namespace espcap::exporter {

// observer.name, observer.hostname and the event fields as keyword.
void put_sensor_mappings(nlohmann::json &properties);

// A dynamic template: every labels.KEY as keyword, whatever the key.
nlohmann::json labels_as_keywords();

}  // namespace espcap::exporter
