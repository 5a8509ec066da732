#include "document_content.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace espcap {
namespace {

// Larger limits are "all" in practice: a byte field is at most one frame or reassembly.
constexpr std::size_t kMaxByteLimit = 1 << 20;

bool parse_protocol_list(std::string_view text, std::vector<std::string> &out, std::string &error) {
    out.clear();
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find_first_of(", ", start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view name = text.substr(start, end - start);
        start = end + 1;
        if (name.empty()) continue;
        const bool valid = std::all_of(name.begin(), name.end(), [](unsigned char c) {
            return std::islower(c) || std::isdigit(c) || c == '.' || c == '_' || c == '-';
        });
        if (!valid) {
            error = "'" + std::string(name) + "' is not a protocol's filter name (e.g. tcp, http, data)";
            return false;
        }
        out.emplace_back(name);
    }
    if (out.empty()) {
        error = "expects protocol filter names separated by commas (e.g. data,media)";
        return false;
    }
    return true;
}

bool contains(const std::vector<std::string> &list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

bool DocumentContent::keeps_top_level(std::string_view protocol) const {
    return only_protocols.empty() || contains(only_protocols, protocol);
}

bool DocumentContent::drops(std::string_view protocol) const { return contains(drop_protocols, protocol); }

bool is_document_content_key(std::string_view key) {
    return key == kProfileKey || key == "bytes" || key == "text_items" || key == "protocols" ||
           key == "drop_protocols";
}

bool apply_document_content_option(DocumentContent &content, const std::string &key, const std::string &value,
                                   std::string &error) {
    if (key == kProfileKey) {
        if (value == "full") {
            content = DocumentContent{};
        } else if (value == "compact") {
            content = DocumentContent{};
            content.byte_limit = 0;
            content.text_items = false;
        } else {
            error = "expects full or compact, got '" + value + "'";
            return false;
        }
        return true;
    }
    if (key == "bytes") {
        if (value == "all" || value == "none") {
            content.byte_limit = value == "all" ? DocumentContent::kAllBytes : 0;
            return true;
        }
        std::size_t limit = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
        if (ec == std::errc() && end == value.data() + value.size() && limit >= 1 && limit <= kMaxByteLimit) {
            content.byte_limit = limit;
            return true;
        }
        error = "expects all, none or a number of bytes from 1 to " + std::to_string(kMaxByteLimit) + ", got '" +
                value + "'";
        return false;
    }
    if (key == "text_items") {
        if (value == "true" || value == "false") {
            content.text_items = value == "true";
            return true;
        }
        error = "expects true or false, got '" + value + "'";
        return false;
    }
    if (key == "protocols") return parse_protocol_list(value, content.only_protocols, error);
    if (key == "drop_protocols") return parse_protocol_list(value, content.drop_protocols, error);
    error = "unknown option";
    return false;
}

std::string_view truncated_hex_text(std::string_view text, std::size_t limit) {
    std::size_t digits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!std::isxdigit(static_cast<unsigned char>(text[i]))) continue;
        if (++digits == 2 * limit) return text.substr(0, i + 1);
    }
    return text;
}

}  // namespace espcap
