// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "value_format.h"

using espcap::JsonBuffer;
using namespace espcap::tap;

TEST_CASE("Byte arrays are written like Wireshark's bytes_to_hexstr_punct", "[tap][format]") {
    const std::uint8_t bytes[] = {0x00, 0x0a, 0xff, 0x5c};
    JsonBuffer out;
    append_hex_bytes(out, bytes, 4, ':');
    CHECK(out.str() == "00:0a:ff:5c");
    out.clear();
    append_hex_bytes(out, bytes, 1, '-');
    CHECK(out.str() == "00");
    out.clear();
    append_hex_bytes(out, bytes, 0, ':');
    CHECK(out.empty());
}

TEST_CASE("Long byte arrays are written whole, across the formatter's blocks", "[tap][format]") {
    // Payloads run to kilobytes; the formatter works in blocks of a few hundred bytes.
    const std::size_t size = GENERATE(511, 512, 513, 1537, 3000);
    std::vector<std::uint8_t> bytes(size);
    std::string expected;
    for (std::size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<std::uint8_t>(i * 7 + i / 256);
        char pair[4];
        std::snprintf(pair, sizeof pair, "%02x", bytes[i]);
        if (i != 0) expected += '.';
        expected += pair;
    }
    JsonBuffer out;
    out += "prefix";
    append_hex_bytes(out, bytes.data(), size, '.');
    CHECK(out.str() == "prefix" + expected);
}

TEST_CASE("Every byte value is written right at every place of a 16-byte step", "[tap][format]") {
    // Lengths around the vector formatter's 16 bytes per step, and all 256 values.
    const std::size_t size = GENERATE(15, 16, 17, 31, 32, 33, 47, 48, 256, 300);
    const char separator = GENERATE(':', '-');
    std::vector<std::uint8_t> bytes(size);
    std::string expected;
    for (std::size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<std::uint8_t>(255 - i);
        char pair[4];
        std::snprintf(pair, sizeof pair, "%02x", bytes[i]);
        if (i != 0) expected += separator;
        expected += pair;
    }
    JsonBuffer out;
    append_hex_bytes(out, bytes.data(), size, separator);
    CHECK(out.str() == expected);
}

TEST_CASE("Hex numbers have the type's full width", "[tap][format]") {
    JsonBuffer out;
    append_hex_number(out, 0x8, 2);
    out += ',';
    append_hex_number(out, 0xe8a6, 4);
    out += ',';
    append_hex_number(out, 0xabc, 6);
    out += ',';
    append_hex_number(out, 0xdeadbeef, 8);
    CHECK(out.str() == "0x08,0xe8a6,0x000abc,0xdeadbeef");
}

TEST_CASE("Signed decimals", "[tap][format]") {
    JsonBuffer out;
    append_signed_decimal(out, -2147483648LL);
    out += ',';
    append_signed_decimal(out, 0);
    out += ',';
    append_signed_decimal(out, 42);
    CHECK(out.str() == "-2147483648,0,42");
}

TEST_CASE("IPv4 addresses are dotted decimal, as inet_ntop writes them", "[tap][format]") {
    const std::uint32_t address = GENERATE(0u, 0xffffffffu, 0xc0000201u, 0x0a000001u, 0x7f000001u, 0x01020304u);
    const std::uint32_t network_order = htonl(address);
    char expected[INET_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET, &network_order, expected, sizeof expected) != nullptr);
    JsonBuffer out;
    append_ipv4(out, address);
    CHECK(out.str() == expected);
}

TEST_CASE("IPv6 addresses are written exactly as glibc's inet_ntop writes them", "[tap][format]") {
    // Every pattern of zero and non-zero groups (where "::" goes, ties, IPv4 tails),
    // with group values of one to four digits, 0xffff in group 5, and random addresses.
    std::vector<std::array<std::uint8_t, 16>> addresses;
    const unsigned values[] = {0x1, 0xab, 0xffff, 0x1000};
    for (unsigned pattern = 0; pattern < 256; ++pattern) {
        for (unsigned v = 0; v < 4; ++v) {
            std::array<std::uint8_t, 16> a{};
            for (int g = 0; g < 8; ++g) {
                const unsigned group = pattern & (1u << g) ? values[(v + g) % 4] : 0;
                a[2 * g] = static_cast<std::uint8_t>(group >> 8);
                a[2 * g + 1] = static_cast<std::uint8_t>(group);
            }
            addresses.push_back(a);
            a[10] = a[11] = 0xff;  // ::ffff:a.b.c.d and its near misses
            addresses.push_back(a);
        }
    }
    std::uint32_t state = 12345;
    for (int n = 0; n < 2000; ++n) {
        std::array<std::uint8_t, 16> a{};
        for (auto &byte : a) {
            state = state * 1103515245 + 12345;
            byte = (state >> 16) % 4 == 0 ? static_cast<std::uint8_t>(state >> 24) : 0;
        }
        addresses.push_back(a);
    }
    for (const auto &a : addresses) {
        char expected[INET6_ADDRSTRLEN];
        REQUIRE(inet_ntop(AF_INET6, a.data(), expected, sizeof expected) != nullptr);
        std::uint8_t bytes[16];
        std::copy(a.begin(), a.end(), bytes);
        JsonBuffer out;
        append_ipv6(out, bytes);
        REQUIRE(out.str() == expected);
    }
}

TEST_CASE("Relative times are written as Wireshark's rel_time_to_secs_str writes them", "[tap][format]") {
    const auto text = [](std::int64_t secs, std::int32_t nsecs) {
        JsonBuffer out;
        return append_relative_time(out, secs, nsecs) ? out.str() : std::string("(generic)");
    };
    CHECK(text(0, 0) == "0.000000000");
    CHECK(text(5, 1) == "5.000000001");
    CHECK(text(0, -500000000) == "-0.500000000");
    CHECK(text(-1, -500000000) == "-1.500000000");
    CHECK(text(-3, 0) == "-3.000000000");
    CHECK(text(INT64_MIN, 999999999) == "-9223372036854775808.999999999");
    CHECK(text(0, 1000000000) == "(generic)");
    CHECK(text(0, -1000000000) == "(generic)");
}
