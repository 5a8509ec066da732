// SPDX-License-Identifier: GPL-2.0-or-later
// An IPv4 or IPv6 address as its bytes in network order: what a flow's tuple holds and
// what an ECS source.ip's text is parsed into.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace espcap::tap {

struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};
    std::uint8_t size = 0;  // 4 or 16; 0: none

    std::string_view key() const { return {reinterpret_cast<const char *>(bytes.data()), size}; }
};

// "10.0.0.1" or "2001:db8::1" (without quotes); size 0 when the text is neither.
IpAddress parse_ip_address(std::string_view text);

}  // namespace espcap::tap
