// SPDX-License-Identifier: GPL-2.0-or-later
// The search type a document member is mapped with, chosen from what the serializer
// writes for its Wireshark field (see field_registry.h). Plain C++, shared with export/.
#pragma once

#include <cstdint>

namespace espcap {

enum class FieldType : std::uint8_t {
    none,           // always written as null (FT_NONE): valid under any mapping
    object,         // a protocol layer: an object of members
    keyword,        // strings, hex numbers, MAC addresses...
    bytes,          // byte fields (FT_BYTES, FT_UINT_BYTES) written as hex
    long_number,    // integers written in decimal that fit a signed 64-bit long
    unsigned_long,  // 64-bit unsigned integers written in decimal
    double_number,  // floats and relative times written as plain decimals
    ip,             // IPv4 and IPv6 addresses
    date,           // absolute times (ISO 8601, UTC)
    boolean,        // written as JSON true/false
};

// The mapping type name ("long", "ip", "object", ...); "" for none. "bytes" is
// espcap's own: mapped as a keyword, without doc values (export/field_storage.cpp).
const char *field_type_name(FieldType type);

}  // namespace espcap
