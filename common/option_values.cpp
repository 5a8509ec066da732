// SPDX-License-Identifier: GPL-2.0-or-later
#include "option_values.h"

#include <algorithm>
#include <cctype>

namespace espcap::detail {
namespace {

// Length of the well-formed UTF-8 sequence at the start of `text`, or 0 when it is
// ill-formed (overlong, a surrogate, past U+10FFFF, cut short).
std::size_t utf8_sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return 1;
    const std::size_t length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3
                             : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length == 0 || text.size() < length) return 0;
    for (std::size_t i = 1; i < length; ++i)
        if ((byte(i) & 0xc0) != 0x80) return 0;
    // The second byte's range rules out overlongs, surrogates and code points past U+10FFFF.
    if ((lead == 0xe0 && byte(1) < 0xa0) || (lead == 0xed && byte(1) > 0x9f) || (lead == 0xf0 && byte(1) < 0x90) ||
        (lead == 0xf4 && byte(1) > 0x8f))
        return 0;
    return length;
}

}  // namespace

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool parse_byte_size(std::string_view text, std::size_t min, std::size_t max, std::size_t &out) {
    text = trim(text);
    std::size_t unit = 1;
    if (!text.empty()) {
        switch (std::tolower(static_cast<unsigned char>(text.back()))) {
        case 'k': unit = kKilo; break;
        case 'm': unit = kMega; break;
        case 'g': unit = kGiga; break;
        default: break;
        }
        if (unit != 1) text.remove_suffix(1);
    }
    std::size_t count = 0;
    if (!parse_whole_number<std::size_t>(text, 1, max, count) || count > max / unit) return false;
    if (count * unit < min) return false;
    out = count * unit;
    return true;
}

std::string byte_size_text(std::size_t bytes) {
    for (const auto &[unit, suffix] : {std::pair{kGiga, "g"}, std::pair{kMega, "m"}, std::pair{kKilo, "k"}})
        if (bytes != 0 && bytes % unit == 0) return std::to_string(bytes / unit) + suffix;
    return std::to_string(bytes);
}

bool parse_seconds_as_ms(std::string_view text, long min_ms, long max_ms, long &out_ms) {
    text = trim(text);
    const auto dot = text.find('.');
    long whole = 0, millis = 0;
    if (!parse_whole_number<long>(text.substr(0, dot), 0, max_ms / 1000, whole)) return false;
    if (dot != std::string_view::npos) {
        std::string_view fraction = text.substr(dot + 1);
        if (fraction.empty() || fraction.size() > 3) return false;
        if (!parse_whole_number<long>(fraction, 0, 999, millis)) return false;
        for (std::size_t i = fraction.size(); i < 3; ++i) millis *= 10;
    }
    const long total = whole * 1000 + millis;
    if (total < min_ms || total > max_ms) return false;
    out_ms = total;
    return true;
}

std::string seconds_text(long ms) {
    std::string text = std::to_string(ms / 1000);
    if (ms % 1000 == 0) return text;
    std::string fraction = std::to_string(1000 + ms % 1000).substr(1);  // three digits
    while (fraction.back() == '0') fraction.pop_back();
    return text + "." + fraction;
}

bool refuse_credentials(std::string_view text, std::string &error) {
    if (text.find('@') == std::string_view::npos) return false;
    error = "credentials in a node URL are not accepted";  // never echo the text: it holds a password
    return true;
}

bool parse_node_list(std::string_view text, std::vector<Endpoint> &nodes, std::string &error) {
    // Checked before splitting: a password may hold the ',' that separates nodes.
    if (refuse_credentials(text, error)) return false;
    nodes.clear();
    while (true) {
        const auto comma = text.find(',');
        Endpoint endpoint;
        if (!parse_endpoint(trim(text.substr(0, comma)), endpoint, error)) return false;
        nodes.push_back(std::move(endpoint));
        if (comma == std::string_view::npos) return true;
        text.remove_prefix(comma + 1);
    }
}

// Checked here so a bad prefix stops the run before its first packet, not at its first
// request.
bool valid_index_prefix(std::string_view prefix, std::string &error) {
    if (prefix.empty()) {
        error = "must not be empty";
        return false;
    }
    if (prefix.front() == '-' || prefix.front() == '_' || prefix.front() == '+') {
        error = "must not start with '-', '_' or '+'";
        return false;
    }
    if (prefix == "." || prefix == "..") {
        error = "must not be '.' or '..'";
        return false;
    }
    for (std::size_t i = 0; i < prefix.size();) {
        const std::size_t length = utf8_sequence_length(prefix.substr(i));
        if (length == 0) {
            error = "is not valid UTF-8";
            return false;
        }
        const auto c = static_cast<unsigned char>(prefix[i]);
        // C0 and C1 control characters (a tab, a newline, U+0080..U+009F) and DEL.
        if (c < 0x20 || c == 0x7f || (c == 0xc2 && static_cast<unsigned char>(prefix[i + 1]) < 0xa0)) {
            error = "must not contain control characters";
            return false;
        }
        if (c >= 'A' && c <= 'Z') {
            error = "must be lowercase";
            return false;
        }
        if (std::string_view("\\/*?\"<>| ,#:").find(prefix[i]) != std::string_view::npos) {
            error = std::string("must not contain '") + prefix[i] + "'";
            return false;
        }
        i += length;
    }
    if (prefix.size() > kMaxIndexPrefixBytes) {
        error = "is longer than " + std::to_string(kMaxIndexPrefixBytes) + " bytes";
        return false;
    }
    return true;
}

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

bool parse_labels(std::string_view text, Labels &out, std::string &error) {
    out.clear();
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view label = text.substr(start, end - start);
        start = end + 1;
        const std::size_t colon = label.find(':');
        const std::string_view key = label.substr(0, colon);
        const bool valid_key = !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
            return std::isalnum(c) || c == '_' || c == '-';
        });
        if (colon == std::string_view::npos || colon + 1 == label.size() || !valid_key) {
            error = "'" + shown(label) + "' is not key:value (a key of letters, digits, '_' or '-', e.g. site:lab)";
            return false;
        }
        for (const auto &[known, value] : out) {
            if (known == key) {
                error = "label '" + std::string(key) + "' is given twice";
                return false;
            }
        }
        out.emplace_back(key, label.substr(colon + 1));
    }
    return true;
}

std::string shown(std::string_view value) {
    std::string text;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            text += c;
        } else {
            static constexpr char kHex[] = "0123456789abcdef";
            text += "\\x";
            text += kHex[byte >> 4];
            text += kHex[byte & 15];
        }
    }
    return text;
}

}  // namespace espcap::detail
