// SPDX-License-Identifier: GPL-2.0-or-later
#include "ip_address.h"

#include <arpa/inet.h>

#include <string>

namespace espcap::tap {

IpAddress parse_ip_address(std::string_view text) {
    IpAddress address;
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return address;
    const std::string terminated(text);  // short: no allocation
    const bool v6 = text.find(':') != std::string_view::npos;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, terminated.c_str(), address.bytes.data()) == 1) address.size = v6 ? 16 : 4;
    return address;
}

}  // namespace espcap::tap
