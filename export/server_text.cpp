// SPDX-License-Identifier: GPL-2.0-or-later
#include "server_text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <vector>

namespace espcap::exporter {
namespace {

constexpr std::size_t kExcerptBytes = 300;
// Shorter secrets would redact ordinary words of every message; the header patterns
// below still catch them where a reply echoes a request.
constexpr std::size_t kShortestRedactedSecret = 4;
constexpr std::string_view kRedacted = "[redacted]";

std::mutex secrets_mutex;
std::vector<std::string> &secrets() {
    static std::vector<std::string> list;  // guarded by secrets_mutex
    return list;
}

std::string base64(std::string_view data) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < data.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, data.size() - i);
        std::uint32_t bits = 0;
        for (std::size_t k = 0; k < 3; ++k)
            bits = (bits << 8) | (k < n ? static_cast<unsigned char>(data[i + k]) : 0u);
        for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[(bits >> (18 - 6 * k)) & 63] : '=';
    }
    return out;
}

bool equal_ignoring_case(char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

// Whatever follows an "authorization" name, as a raw header ("Authorization: Basic x"),
// a JSON member ("authorization":"ApiKey x", escaped quotes too) or a query parameter.
void redact_authorization_values(std::string &text) {
    constexpr std::string_view kName = "authorization";
    auto is_separator = [](char c) { return c == ':' || c == '=' || c == '"' || c == '\'' || c == ' ' || c == '\\'; };
    auto ends_value = [](char c) {
        return c == '"' || c == '\'' || c == '\\' || c == ',' || c == '}' || c == '<' || c == '&' || c == '\r' ||
               c == '\n';
    };
    for (auto at = text.begin();;) {
        at = std::search(at, text.end(), kName.begin(), kName.end(), equal_ignoring_case);
        if (at == text.end()) return;
        std::size_t start = static_cast<std::size_t>(at - text.begin()) + kName.size();
        const std::size_t separators_end = std::min(text.size(), start + 8);
        while (start < separators_end && is_separator(text[start])) ++start;
        std::size_t end = start;
        while (end < text.size() && !ends_value(text[end])) ++end;
        if (end > start) text.replace(start, end - start, kRedacted);
        at = text.begin() + static_cast<std::ptrdiff_t>(start + (end > start ? kRedacted.size() : 0));
    }
}

void redact(std::string &text) {
    redact_authorization_values(text);
    std::lock_guard<std::mutex> lock(secrets_mutex);
    for (const std::string &secret : secrets()) {
        for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kRedacted.size()))
            text.replace(at, secret.size(), kRedacted);
    }
}

// The length of the UTF-8 sequence at `text[i]` and its code point, or 0 when the
// bytes there are not UTF-8.
std::size_t utf8_sequence(std::string_view text, std::size_t i, std::uint32_t &code_point) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    std::size_t length;
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2, code_point = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3, code_point = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4, code_point = lead & 0x07;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        const unsigned char next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xc0) != 0x80) return 0;
        code_point = (code_point << 6) | (next & 0x3f);
    }
    const bool overlong = (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
    const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
    if (overlong || surrogate || code_point > 0x10ffff) return 0;
    return length;
}

}  // namespace

void redact_from_server_text(const Credentials &credentials) {
    std::vector<std::string> added;
    for (const std::string &secret : {credentials.password, credentials.api_key})
        if (secret.size() >= kShortestRedactedSecret) added.push_back(secret);
    if (!credentials.user.empty()) added.push_back(base64(credentials.user + ":" + credentials.password));
    std::lock_guard<std::mutex> lock(secrets_mutex);
    for (std::string &secret : added)
        if (std::find(secrets().begin(), secrets().end(), secret) == secrets().end())
            secrets().push_back(std::move(secret));
}

std::string printable_for_terminal(std::string_view text, std::size_t max_bytes) {
    // Redacted whole before it is cut, so a cut never leaves part of a secret behind.
    std::string redacted(text);
    redact(redacted);
    std::string line;
    line.reserve(std::min(redacted.size(), max_bytes) + 16);
    std::size_t i = 0;
    while (i < redacted.size() && i < max_bytes) {
        std::uint32_t code_point = 0;
        const std::size_t length = utf8_sequence(redacted, i, code_point);
        const bool control = code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f);
        if (length == 0 || control) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(redacted[i]));
            line += escaped;
            ++i;
            continue;
        }
        line.append(redacted, i, length);
        i += length;
    }
    if (i < redacted.size()) line += "... (" + std::to_string(redacted.size() - i) + " bytes more)";
    return line;
}

std::string server_excerpt(std::string_view body) { return printable_for_terminal(body, kExcerptBytes); }

}  // namespace espcap::exporter
