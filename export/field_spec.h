// SPDX-License-Identifier: GPL-2.0-or-later
// One typed field a run wants mapped in one index.
#pragma once

#include <string>

namespace espcap::exporter {

struct FieldSpec {
    std::string index;
    std::string path;  // "layers.ip.ip_ip_src"
    std::string type;  // "ip", "long", "keyword", ... (common/field_type.h)
};

}  // namespace espcap::exporter
