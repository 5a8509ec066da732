// SPDX-License-Identifier: GPL-2.0-or-later
#include "interface_names.h"

#include <wireshark.h>
#include <epan/packet_info.h>

#include "json_writer.h"
#include "wireshark_compat.h"

namespace espcap::tap {

const std::string &InterfaceNames::member(const packet_info *pinfo, std::uint32_t id) {
    if (id >= known_.size()) {
        known_.resize(id + 1, false);
        members_.resize(id + 1);
    }
    if (!known_[id]) {
        // The name comes from the capture's interface block.
        if (const char *name = wireshark_compat::interface_name(pinfo, id); name && *name) {
            JsonBuffer member;
            member += ',';
            append_member_name(member, "interface");
            append_json_string(member, name);
            members_[id] = member.str();
        }
        known_[id] = true;
    }
    return members_[id];
}

}  // namespace espcap::tap
