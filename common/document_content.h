// SPDX-License-Identifier: GPL-2.0-or-later
// What goes into each packet's document: the user's choice between every member
// `tshark -T ek` writes (the default) and a smaller document that keeps every field a
// display filter can name searchable. Plain C++: the tree writer (tap/) reads it, the
// option table (option_table.cpp) fills it from these keys:
//
//   profile=full|compact      full: as tshark -T ek; compact: bytes=none, text_items=false
//   bytes=all|none|N          byte fields (FT_BYTES, FT_UINT_BYTES) written whole, left
//                             out, or cut to their first N bytes
//   text_items=true|false     text-only tree items (labels that no filter can name)
//   protocols=a,b             only these top-level layers, with their children (tshark -J)
//   drop_protocols=a,b        these protocols left out, with their children, at any depth
//
// Leaving a byte field or a text item out keeps the fields beneath it (tcp.options'
// tcp.option_kind, the HTTP request line's http.request.method).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace espcap {

struct DocumentContent {
    static constexpr std::size_t kAllBytes = static_cast<std::size_t>(-1);
    std::size_t byte_limit = kAllBytes;  // 0: byte fields left out
    bool text_items = true;
    std::vector<std::string> only_protocols;  // empty: every layer
    std::vector<std::string> drop_protocols;

    bool writes_everything() const {
        return byte_limit == kAllBytes && text_items && only_protocols.empty() && drop_protocols.empty();
    }
    bool keeps_top_level(std::string_view protocol) const;
    bool drops(std::string_view protocol) const;
};

// A byte field's hex text ("de:ad:be:ef", "deadbeef", "de.ad") cut to its first
// `limit` bytes; separators are kept between the bytes that remain.
std::string_view truncated_hex_text(std::string_view text, std::size_t limit);

}  // namespace espcap
