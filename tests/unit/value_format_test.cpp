#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "value_format.h"

using namespace espcap::tap;

TEST_CASE("Byte arrays are written like Wireshark's bytes_to_hexstr_punct", "[tap][format]") {
    const std::uint8_t bytes[] = {0x00, 0x0a, 0xff, 0x5c};
    std::string out;
    append_hex_bytes(out, bytes, 4, ':');
    CHECK(out == "00:0a:ff:5c");
    out.clear();
    append_hex_bytes(out, bytes, 1, '-');
    CHECK(out == "00");
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
    std::string out = "prefix";
    append_hex_bytes(out, bytes.data(), size, '.');
    CHECK(out == "prefix" + expected);
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
    std::string out;
    append_hex_bytes(out, bytes.data(), size, separator);
    CHECK(out == expected);
}

TEST_CASE("Hex numbers have the type's full width", "[tap][format]") {
    std::string out;
    append_hex_number(out, 0x8, 2);
    out += ',';
    append_hex_number(out, 0xe8a6, 4);
    out += ',';
    append_hex_number(out, 0xabc, 6);
    out += ',';
    append_hex_number(out, 0xdeadbeef, 8);
    CHECK(out == "0x08,0xe8a6,0x000abc,0xdeadbeef");
}

TEST_CASE("Signed decimals", "[tap][format]") {
    std::string out;
    append_signed_decimal(out, -2147483648LL);
    out += ',';
    append_signed_decimal(out, 0);
    out += ',';
    append_signed_decimal(out, 42);
    CHECK(out == "-2147483648,0,42");
}
