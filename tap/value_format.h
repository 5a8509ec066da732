// Formatting of common field values straight into the output buffer, byte for byte
// as Wireshark 4.0's fvalue_to_string_repr(FTREPR_DISPLAY) writes them, without its
// per-value allocation and without a second pass to escape output that needs none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace espcap::tap {

// "0a:1b:2c" (lowercase, `separator` between bytes; empty input gives nothing).
void append_hex_bytes(std::string &out, const std::uint8_t *data, std::size_t size, char separator);

// "0x" followed by exactly `digits` lowercase hex digits of `value`.
void append_hex_number(std::string &out, std::uint32_t value, int digits);

// Decimal, with a '-' for negative values.
void append_signed_decimal(std::string &out, std::int64_t value);

}  // namespace espcap::tap
