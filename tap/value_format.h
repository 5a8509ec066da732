// SPDX-License-Identifier: GPL-2.0-or-later
// Formatting of common field values straight into the output buffer, byte for byte
// as Wireshark 4.0's fvalue_to_string_repr(FTREPR_DISPLAY) writes them, without its
// per-value allocation and without a second pass to escape output that needs none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "json_buffer.h"

namespace espcap::tap {

// "0a:1b:2c" (lowercase, `separator` between bytes; empty input gives nothing).
void append_hex_bytes(JsonBuffer &out, const std::uint8_t *data, std::size_t size, char separator);

// "0x" followed by exactly `digits` lowercase hex digits of `value`.
void append_hex_number(JsonBuffer &out, std::uint32_t value, int digits);

// Decimal, with a '-' for negative values.
void append_signed_decimal(JsonBuffer &out, std::int64_t value);

// "192.0.2.1" from an address in host byte order (Wireshark's ip_to_str).
void append_ipv4(JsonBuffer &out, std::uint32_t address);

// RFC 5952 text, exactly as glibc's inet_ntop writes it (which Wireshark's
// ip6_to_str calls): the first longest run of two or more zero groups becomes "::",
// and ::ffff:a.b.c.d and ::a.b.c.d keep their dotted IPv4 tail.
void append_ipv6(JsonBuffer &out, const std::uint8_t (&address)[16]);

// Seconds with 9 decimals, as Wireshark's rel_time_to_secs_str: "-0.500000000" for
// secs 0, nsecs -500000000. Returns false, writing nothing, for nanoseconds outside
// (-1e9, 1e9), which Wireshark prints in its own odd ways.
bool append_relative_time(JsonBuffer &out, std::int64_t secs, std::int32_t nsecs);

}  // namespace espcap::tap
