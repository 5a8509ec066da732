// SPDX-License-Identifier: GPL-2.0-or-later
// The readers of one kind of option text each: numbers, sizes, seconds, node lists,
// index prefixes, protocol lists. The option table (option_table.cpp) picks one per
// key; nothing outside common/ includes this header.
#pragma once

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "options.h"

namespace espcap::detail {

std::string_view trim(std::string_view s);

// A whole number from min to max, blanks around it allowed.
template <typename Int>
bool parse_whole_number(std::string_view text, Int min, Int max, Int &out) {
    text = trim(text);
    Int value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return false;
    out = value;
    return true;
}

// What the suffixes of a size mean: 'k', 'm', 'g'.
constexpr std::size_t kKilo = 1024, kMega = kKilo * 1024, kGiga = kMega * 1024;
// "5m", "512k", "1g" or a plain number of bytes, from min to max.
bool parse_byte_size(std::string_view text, std::size_t min, std::size_t max, std::size_t &out);
// The shortest way to write `bytes` that parse_byte_size reads back: 1024 is "1k".
std::string byte_size_text(std::size_t bytes);

// Seconds with up to three decimals ("1", "0.25") as milliseconds, from min_ms to max_ms.
bool parse_seconds_as_ms(std::string_view text, long min_ms, long max_ms, long &out_ms);
// Milliseconds as the seconds parse_seconds_as_ms reads: 10 is "0.01".
std::string seconds_text(long ms);

// True, with `error` set, when `text` holds credentials ('@'); the error never echoes
// the text, which holds a password.
bool refuse_credentials(std::string_view text, std::string &error);
// Comma-separated endpoints; refuses (without echoing it) any text holding credentials.
bool parse_node_list(std::string_view text, std::vector<Endpoint> &nodes, std::string &error);

// Elasticsearch's rules for index names, applied to the prefix espcap dates.
constexpr std::size_t kMaxIndexPrefixBytes = 200;
bool valid_index_prefix(std::string_view prefix, std::string &error);

// Protocol filter names separated by commas or blanks ("data,media").
bool parse_protocol_list(std::string_view text, std::vector<std::string> &out, std::string &error);

// "site:lab,rack:3" into (key, value) pairs in order. Keys are letters, digits, '_' and
// '-' (each becomes a field under labels.); values are not empty and hold no comma. A key
// given twice is an error.
using Labels = std::vector<std::pair<std::string, std::string>>;
bool parse_labels(std::string_view text, Labels &out, std::string &error);

// The value as an error message may show it: bytes that are not printable ASCII as \xNN.
std::string shown(std::string_view value);

}  // namespace espcap::detail
