// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "json_writer.h"

using espcap::JsonBuffer;
using espcap::tap::append_decimal;
using espcap::tap::append_json_string;
using espcap::tap::append_member_name;

namespace {
std::string json_string(std::string_view bytes) {
    JsonBuffer out;
    append_json_string(out, bytes);
    return out.str();
}
const std::string kFFFD = "\xEF\xBF\xBD";
}  // namespace

TEST_CASE("Plain text is quoted unchanged", "[tap][json]") {
    CHECK(json_string("10.0.0.2") == "\"10.0.0.2\"");
    CHECK(json_string("") == "\"\"");
    CHECK(json_string("a/b</script>") == "\"a/b</script>\"");
}

TEST_CASE("Quotes, backslashes and control characters are escaped", "[tap][json]") {
    CHECK(json_string("say \"hi\"") == R"("say \"hi\"")");
    CHECK(json_string("C:\\dir") == R"("C:\\dir")");
    CHECK(json_string("a\tb\nc\rd\be\ff") == R"("a\tb\nc\rd\be\ff")");
    CHECK(json_string(std::string_view("\x00\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
    CHECK(json_string("\x7f") == "\"\x7f\"");  // DEL is valid in JSON strings
}

TEST_CASE("Well-formed UTF-8 passes through", "[tap][json]") {
    CHECK(json_string("\xE2\x82\xAC") == "\"\xE2\x82\xAC\"");          // euro sign
    CHECK(json_string("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");  // emoji
    CHECK(json_string("caf\xC3\xA9") == "\"caf\xC3\xA9\"");
}

TEST_CASE("Ill-formed UTF-8 becomes U+FFFD per maximal subpart, as Python decodes it", "[tap][json]") {
    // Expected replacements computed with bytes.decode("utf-8", "replace").
    using Case = std::pair<std::string, std::string>;
    auto [input, expected] = GENERATE(table<std::string, std::string>({
        Case{"\xFF", kFFFD},
        Case{"a\x80z", "a" + kFFFD + "z"},
        Case{"\xE2\x82", kFFFD},                             // truncated sequence: one
        Case{"\xE2\x82z", kFFFD + "z"},
        Case{"\xED\xA0\x80", kFFFD + kFFFD + kFFFD},         // UTF-16 surrogate
        Case{"\xC0\xAF", kFFFD + kFFFD},                     // overlong '/'
        Case{"\xE0\x80\x80", kFFFD + kFFFD + kFFFD},         // overlong
        Case{"\xF0\x80\x80\x80", kFFFD + kFFFD + kFFFD + kFFFD},
        Case{"\xF4\x90\x80\x80", kFFFD + kFFFD + kFFFD + kFFFD},  // above U+10FFFF
        Case{"\xF0\x9F\x98", kFFFD},
        Case{"\xF0\x9F\x98z\xC3", kFFFD + "z" + kFFFD},
    }));
    CAPTURE(input);
    CHECK(json_string(input) == "\"" + expected + "\"");
}

TEST_CASE("Member names turn dots into underscores", "[tap][json]") {
    JsonBuffer out;
    append_member_name(out, "ip_ip.src");
    CHECK(out.str() == "\"ip_ip_src\":");
}

TEST_CASE("Decimal numbers are written without quotes", "[tap][json]") {
    JsonBuffer out;
    append_decimal(out, 0);
    out += ',';
    append_decimal(out, 18446744073709551615ULL);
    CHECK(out.str() == "0,18446744073709551615");
}

TEST_CASE("Decimal numbers can be padded with leading zeros", "[tap][json]") {
    JsonBuffer out;
    append_decimal(out, 7, 3);
    out += ',';
    append_decimal(out, 123456789, 9);
    out += ',';
    append_decimal(out, 12345, 3);
    out += ',';
    append_decimal(out, 0, 9);
    CHECK(out.str() == "007,123456789,12345,000000000");
}

TEST_CASE("Long strings are escaped wherever the special byte falls", "[tap][json]") {
    // The scanner skips 16 bytes at a time; put the byte at every offset around that.
    for (std::size_t position = 0; position < 40; ++position) {
        for (const std::string special : {"\"", "\\", "\n", "\xC3\xA9", "\xFF"}) {
            std::string input(40, 'a');
            input.replace(position, 1, special);
            std::string expected(position, 'a');
            expected += special == "\"" ? "\\\"" : special == "\\" ? "\\\\" : special == "\n" ? "\\n"
                      : special == "\xFF" ? kFFFD : special;
            expected += std::string(40 - position - 1, 'a');
            CAPTURE(position, special);
            CHECK(json_string(input) == "\"" + expected + "\"");
        }
    }
}
