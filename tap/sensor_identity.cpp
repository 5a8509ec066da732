// SPDX-License-Identifier: GPL-2.0-or-later
#include "sensor_identity.h"

#include <limits.h>
#include <unistd.h>

#include "json_buffer.h"
#include "json_writer.h"

namespace espcap::tap {

std::string local_host_name() {
    char name[HOST_NAME_MAX + 1] = "";
    if (gethostname(name, sizeof name) != 0) return "";
    name[HOST_NAME_MAX] = '\0';  // a name that was cut short is not terminated
    return name;
}

std::string identity_members(const SensorIdentity &identity) {
    JsonBuffer out;
    out += R"(,"observer":{)";
    bool first = true;
    for (const auto &[key, value] : {std::pair{"hostname", &identity.hostname}, std::pair{"name", &identity.name}}) {
        if (value->empty()) continue;
        if (!first) out += ',';
        first = false;
        append_member_name(out, key);
        append_json_string(out, *value);
    }
    out += '}';
    if (!identity.labels.empty()) {
        out += R"(,"labels":{)";
        for (std::size_t i = 0; i < identity.labels.size(); ++i) {
            if (i != 0) out += ',';
            append_member_name(out, identity.labels[i].first);
            append_json_string(out, identity.labels[i].second);
        }
        out += '}';
    }
    return out.str();
}

}  // namespace espcap::tap
