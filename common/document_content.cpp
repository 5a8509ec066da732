// SPDX-License-Identifier: GPL-2.0-or-later
#include "document_content.h"

#include <algorithm>
#include <cctype>

namespace espcap {
namespace {

bool contains(const std::vector<std::string> &list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

bool DocumentContent::keeps_top_level(std::string_view protocol) const {
    return only_protocols.empty() || contains(only_protocols, protocol);
}

bool DocumentContent::drops(std::string_view protocol) const { return contains(drop_protocols, protocol); }

std::string_view truncated_hex_text(std::string_view text, std::size_t limit) {
    std::size_t digits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!std::isxdigit(static_cast<unsigned char>(text[i]))) continue;
        if (++digits == 2 * limit) return text.substr(0, i + 1);
    }
    return text;
}

}  // namespace espcap
