// SPDX-License-Identifier: GPL-2.0-or-later
// The capture interfaces' names as pre-encoded JSON members, looked up once per
// interface while the capture is open: packet documents and flow records both write
// `,"interface":"eth0"` from here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct _packet_info;

namespace espcap::tap {

class InterfaceNames {
public:
    // ',"interface":"NAME"' for the packet's interface `id`, or "" when the capture does
    // not name it.
    const std::string &member(const _packet_info *pinfo, std::uint32_t id);

private:
    std::vector<std::string> members_;  // by interface id
    std::vector<bool> known_;
};

}  // namespace espcap::tap
