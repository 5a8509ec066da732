// SPDX-License-Identifier: GPL-2.0-or-later
// Appends JSON text to a caller-owned buffer.
//
//   std::string out;
//   espcap::tap::append_json_string(out, raw_bytes);   // "escaped"
//   espcap::tap::append_member_name(out, "ip.src");      // "ip_src":
//
// Any byte sequence becomes valid UTF-8 JSON: control characters are escaped and
// ill-formed UTF-8 is replaced by U+FFFD, one per maximal ill-formed subpart (the
// Unicode recommendation, which is also what Python's "replace" decoder does), so
// Elasticsearch never rejects a document for its encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "json_buffer.h"

namespace espcap::tap {

// Writes `bytes` as a quoted JSON string.
void append_json_string(JsonBuffer &out, std::string_view bytes);

// Writes `bytes` escaped, without the quotes (for values assembled from pieces).
void append_json_string_body(JsonBuffer &out, std::string_view bytes);

// Writes `name` as a quoted member name followed by ':', with '.' turned into '_'
// as tshark -T ek does for its keys.
void append_member_name(JsonBuffer &out, std::string_view name);

// Writes an unsigned decimal number without quotes, with leading zeros up to
// `min_digits` digits (at most 20).
void append_decimal(JsonBuffer &out, std::uint64_t value, int min_digits = 1);

}  // namespace espcap::tap
