// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes the serializer pieces that packet bytes reach: string escaping, member names,
// the value formats and the member grouper. Every input is turned into one EK-shaped
// object, which must parse as JSON (nlohmann::json rejects ill-formed UTF-8), have no
// duplicate key, and give back what went in:
// - each string, decoded as the Unicode "maximal subpart" rule says (a plain reference
//   decoder below, written apart from json_writer.cpp's table-driven one);
// - each number and hex form, as printf writes it;
// - each member's instances, in the order tshark groups them (a quadratic reference).
#include <arpa/inet.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "ek_member_grouper.h"
#include "json_writer.h"
#include "value_format.h"

using espcap::JsonBuffer;
using namespace espcap::tap;

namespace {

// An item's group, as one number (the grouper keys on parent abbrev and abbrev).
std::uint32_t group_of(const espcap::tap::EkItem &item) { return item.parent_abbrev_id * 4 + item.abbrev_id; }

void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_json_writer: %s\n", what);
        std::abort();
    }
}

// Unicode 15, section 3.9, table 3-7: the well-formed byte sequences, each ill-formed
// maximal subpart replaced by one U+FFFD.
std::string reference_decode(const std::string &in) {
    std::string out;
    std::size_t i = 0;
    while (i < in.size()) {
        const auto lead = static_cast<unsigned char>(in[i]);
        if (lead < 0x80) {
            out += in[i++];
            continue;
        }
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
        if (lead >= 0xC2 && lead <= 0xDF) length = 2;
        else if (lead == 0xE0) length = 3, low = 0xA0;
        else if (lead >= 0xE1 && lead <= 0xEC) length = 3;
        else if (lead == 0xED) length = 3, high = 0x9F;
        else if (lead >= 0xEE && lead <= 0xEF) length = 3;
        else if (lead == 0xF0) length = 4, low = 0x90;
        else if (lead >= 0xF1 && lead <= 0xF3) length = 4;
        else if (lead == 0xF4) length = 4, high = 0x8F;
        if (length == 0) {  // not a lead byte at all
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        std::size_t good = 1;  // bytes of the sequence that fit so far
        while (good < length && i + good < in.size()) {
            const auto b = static_cast<unsigned char>(in[i + good]);
            const bool fits = good == 1 ? (b >= low && b <= high) : (b >= 0x80 && b <= 0xBF);
            if (!fits) break;
            ++good;
        }
        if (good == length) {
            out.append(in, i, length);
            i += length;
        } else {
            out += "\xEF\xBF\xBD";
            i += good;
        }
    }
    return out;
}

enum class Kind { text, hex_bytes, hex_number, signed_decimal, bare_decimal, ipv6, relative_time };

struct Value {
    Kind kind;
    std::string text;  // text, hex bytes
    char separator = ':';
    std::uint64_t number = 0;
    int digits = 2;
    std::int32_t nsecs = 0;  // relative time
};

Value consume_value(FuzzedDataProvider &data) {
    Value v;
    v.kind = static_cast<Kind>(data.ConsumeIntegralInRange<int>(0, 6));
    switch (v.kind) {
    case Kind::text: v.text = data.ConsumeRandomLengthString(4096); break;
    case Kind::hex_bytes:
        v.text = data.ConsumeRandomLengthString(64);
        v.separator = data.PickValueInArray({':', '.', '-'});  // the SEP_* displays
        break;
    case Kind::hex_number:
        v.number = data.ConsumeIntegral<std::uint32_t>();
        v.digits = data.PickValueInArray({2, 4, 6, 8});
        break;
    case Kind::ipv6:
        v.text = data.ConsumeBytesAsString(16);
        v.text.resize(16, '\0');
        break;
    case Kind::relative_time:
        v.number = data.ConsumeIntegral<std::uint64_t>();
        // Mostly in range, sometimes not: out-of-range nanoseconds take the generic path.
        v.nsecs = data.ConsumeBool() ? data.ConsumeIntegralInRange<std::int32_t>(-999999999, 999999999)
                                     : data.ConsumeIntegral<std::int32_t>();
        break;
    default: v.number = data.ConsumeIntegral<std::uint64_t>(); break;
    }
    return v;
}

void write_value(const Value &v, JsonBuffer &out) {
    if (v.kind == Kind::bare_decimal) {
        append_decimal(out, v.number);
        return;
    }
    if (v.kind == Kind::text) {
        append_json_string(out, v.text);
        return;
    }
    if (v.kind == Kind::relative_time) {
        const std::size_t before = out.size();
        out += '"';
        if (append_relative_time(out, static_cast<std::int64_t>(v.number), v.nsecs)) {
            out += '"';
        } else {
            require(out.size() == before + 1, "a refused relative time writes nothing");
            out.truncate(before);
            out += "null";
        }
        return;
    }
    if (v.kind == Kind::ipv6) {
        std::uint8_t address[16];
        std::memcpy(address, v.text.data(), 16);
        out += '"';
        append_ipv6(out, address);
        out += '"';
        return;
    }
    out += '"';
    if (v.kind == Kind::hex_bytes)
        append_hex_bytes(out, reinterpret_cast<const std::uint8_t *>(v.text.data()), v.text.size(), v.separator);
    else if (v.kind == Kind::hex_number)
        append_hex_number(out, static_cast<std::uint32_t>(v.number), v.digits);
    else
        append_signed_decimal(out, static_cast<std::int64_t>(v.number));
    out += '"';
}

void check_value(const Value &v, const nlohmann::json &parsed) {
    char text[32];
    switch (v.kind) {
    case Kind::text:
        require(parsed.is_string() && parsed.get<std::string>() == reference_decode(v.text), "string round trip");
        return;
    case Kind::hex_bytes: {
        std::string expected;
        for (std::size_t i = 0; i < v.text.size(); ++i) {
            if (i != 0) expected += v.separator;
            std::snprintf(text, sizeof text, "%02x", static_cast<unsigned char>(v.text[i]));
            expected += text;
        }
        require(parsed.is_string() && parsed.get<std::string>() == reference_decode(expected), "hex bytes");
        return;
    }
    case Kind::hex_number: {
        const std::uint64_t mask = (std::uint64_t{1} << (4 * v.digits)) - 1;
        std::snprintf(text, sizeof text, "0x%0*" PRIx64, v.digits, v.number & mask);
        require(parsed == text, "hex number");
        return;
    }
    case Kind::signed_decimal:
        std::snprintf(text, sizeof text, "%" PRId64, static_cast<std::int64_t>(v.number));
        require(parsed == text, "signed decimal");
        return;
    case Kind::bare_decimal:
        require(parsed.is_number_unsigned() && parsed.get<std::uint64_t>() == v.number, "decimal");
        return;
    case Kind::ipv6: {
        char expected[INET6_ADDRSTRLEN];
        require(inet_ntop(AF_INET6, v.text.data(), expected, sizeof expected) != nullptr, "inet_ntop");
        require(parsed == expected, "IPv6 as inet_ntop writes it");
        return;
    }
    case Kind::relative_time: {
        // Wireshark's display_signed_time, for nanoseconds within a second.
        std::int64_t secs = static_cast<std::int64_t>(v.number);
        std::int32_t nsecs = v.nsecs;
        if (nsecs <= -1000000000 || nsecs >= 1000000000) {
            require(parsed.is_null(), "out-of-range nanoseconds are refused");
            return;
        }
        const char *sign = "";
        if (nsecs < 0) {
            nsecs = -nsecs;
            if (secs >= 0) sign = "-";
        }
        char expected[48];
        std::snprintf(expected, sizeof expected, "%s%" PRId64 ".%09d", sign, secs, static_cast<int>(nsecs));
        require(parsed == expected, "relative time");
        return;
    }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    FuzzedDataProvider data(bytes, size);

    // Member names as tshark builds them: raw abbrevs, encoded once, interned by the
    // encoded form (two abbrevs may encode alike: "a.b" and "a_b").
    std::vector<std::string> encoded_names;
    std::vector<std::string> expected_keys;  // what a JSON reader makes of each
    std::map<std::string, std::uint32_t> name_ids;
    std::vector<std::uint32_t> name_of_group(16);
    for (std::uint32_t &name_id : name_of_group) {
        std::string abbrev = data.ConsumeRandomLengthString(32);
        JsonBuffer encoded_buffer;
        append_member_name(encoded_buffer, abbrev);
        const std::string encoded = encoded_buffer.str();
        require(encoded.size() >= 3 && encoded.back() == ':', "member name ends with ':'");
        std::replace(abbrev.begin(), abbrev.end(), '.', '_');
        auto [it, added] = name_ids.try_emplace(encoded, static_cast<std::uint32_t>(encoded_names.size()));
        if (added) {
            encoded_names.push_back(encoded);
            expected_keys.push_back(reference_decode(abbrev));
        }
        require(expected_keys[it->second] == reference_decode(abbrev), "equal names decode alike");
        name_id = it->second;
    }

    // Tree nodes: each has a group (parent abbrev + abbrev) and a value.
    std::vector<EkItem> items;
    std::vector<Value> values;
    values.reserve(64);
    while (data.remaining_bytes() > 0 && items.size() < 64) {
        const auto group = data.ConsumeIntegralInRange<std::uint32_t>(0, 15);
        values.push_back(consume_value(data));
        // The group key is (parent abbrev, abbrev): spread the 16 groups over both ids.
        items.push_back(EkItem{group / 4, group % 4, name_of_group[group], &values.back()});
    }

    EkMemberGrouper grouper;
    std::vector<EkMember> members;
    std::vector<const void *> ordered;
    grouper.group(items, members, ordered);

    // Reference grouping: names in order of first appearance; for each name its groups
    // in order of first appearance; each group's items in tree order.
    std::vector<const void *> expected_order;
    std::vector<std::uint32_t> expected_names;
    for (std::size_t i = 0; i < items.size(); ++i) {
        bool name_seen = false;
        for (std::size_t k = 0; k < i; ++k) name_seen |= items[k].name_id == items[i].name_id;
        if (name_seen) continue;
        expected_names.push_back(items[i].name_id);
        std::vector<std::uint64_t> groups;
        for (const EkItem &item : items)
            if (item.name_id == items[i].name_id && std::find(groups.begin(), groups.end(), group_of(item)) == groups.end())
                groups.push_back(group_of(item));
        for (std::uint64_t group : groups)
            for (const EkItem &item : items)
                if (group_of(item) == group) expected_order.push_back(item.node);
    }
    require(ordered == expected_order, "grouper order");
    require(members.size() == expected_names.size(), "one member per name");

    JsonBuffer out;
    out += '{';
    for (std::size_t m = 0; m < members.size(); ++m) {
        require(members[m].name_id == expected_names[m], "member order");
        if (m != 0) out += ',';
        out += encoded_names[members[m].name_id];
        if (members[m].count > 1) out += '[';
        for (std::uint32_t j = 0; j < members[m].count; ++j) {
            if (j != 0) out += ',';
            write_value(*static_cast<const Value *>(ordered[members[m].first + j]), out);
        }
        if (members[m].count > 1) out += ']';
    }
    out += '}';

    const nlohmann::json document = nlohmann::json::parse(out.view(), nullptr, /*allow_exceptions=*/false);
    require(!document.is_discarded(), "output is valid JSON");
    require(document.size() == members.size(), "no duplicate keys");
    for (const EkMember &member : members) {
        // The key as written reads back as the abbrev with '.' as '_', ill-formed UTF-8 replaced.
        const auto written_at = document.find(expected_keys[member.name_id]);
        require(written_at != document.end(), "member name round trip");
        const nlohmann::json &written = *written_at;
        for (std::uint32_t j = 0; j < member.count; ++j) {
            const auto &value = *static_cast<const Value *>(ordered[member.first + j]);
            check_value(value, member.count > 1 ? written.at(j) : written);
        }
    }
    return 0;
}
