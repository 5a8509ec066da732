// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "document_content.h"
#include "options.h"

using espcap::DocumentContent;
using espcap::parse_options;
using espcap::RawOptions;
using espcap::truncated_hex_text;

TEST_CASE("Without content options documents hold everything tshark -T ek writes", "[options][content]") {
    const auto result = parse_options({{"file", "-"}});
    REQUIRE(result.ok());
    CHECK(result.options.content.writes_everything());
    CHECK(result.options.content.byte_limit == DocumentContent::kAllBytes);
    CHECK(result.options.content.text_items);
}

TEST_CASE("profile=compact leaves byte fields and text items out", "[options][content]") {
    const auto result = parse_options({{"profile", "compact"}});
    REQUIRE(result.ok());
    const DocumentContent &content = result.options.content;
    CHECK(content.byte_limit == 0);
    CHECK_FALSE(content.text_items);
    CHECK(content.only_protocols.empty());
    CHECK(content.drop_protocols.empty());
    CHECK(result.options.aggregatable == espcap::Options::Aggregatable::common);
}

TEST_CASE("Keys given with a profile override it, in any order", "[options][content]") {
    SECTION("after the profile") {
        const auto result = parse_options({{"profile", "compact"}, {"bytes", "16"}});
        REQUIRE(result.ok());
        CHECK(result.options.content.byte_limit == 16);
        CHECK_FALSE(result.options.content.text_items);
    }
    SECTION("before the profile") {
        const auto result = parse_options({{"text_items", "true"}, {"profile", "compact"}});
        REQUIRE(result.ok());
        CHECK(result.options.content.text_items);
        CHECK(result.options.content.byte_limit == 0);
    }
    SECTION("aggregatable with it") {
        const auto result = parse_options({{"aggregatable", "all"}, {"profile", "compact"}});
        REQUIRE(result.ok());
        CHECK(result.options.aggregatable == espcap::Options::Aggregatable::all);
        CHECK(result.options.content.byte_limit == 0);
    }
    SECTION("profile=full restores every default") {
        const auto result = parse_options({{"profile", "full"}});
        REQUIRE(result.ok());
        CHECK(result.options.content.writes_everything());
        CHECK(result.options.aggregatable == espcap::Options::Aggregatable::all);
    }
}

TEST_CASE("bytes takes all, none or a count", "[options][content]") {
    using Case = std::pair<std::string, std::size_t>;
    auto [value, limit] = GENERATE(table<std::string, std::size_t>({
        Case{"all", DocumentContent::kAllBytes},
        Case{"none", 0},
        Case{"1", 1},
        Case{"64", 64},
        Case{"1048576", 1048576},
    }));
    const auto result = parse_options({{"bytes", value}});
    REQUIRE(result.ok());
    CHECK(result.options.content.byte_limit == limit);
}

TEST_CASE("Bad content values are refused with the key named", "[options][content]") {
    using Case = std::pair<RawOptions, std::string>;
    auto [raw, expected] = GENERATE(table<RawOptions, std::string>({
        Case{{{"profile", "small"}}, "option 'profile': expects full or compact"},
        Case{{{"bytes", "0"}}, "option 'bytes': expects all, none or a number"},
        Case{{{"bytes", "-3"}}, "option 'bytes'"},
        Case{{{"bytes", "1048577"}}, "option 'bytes'"},
        Case{{{"bytes", "12k"}}, "option 'bytes'"},
        Case{{{"text_items", "no"}}, "option 'text_items': expects true or false"},
        Case{{{"aggregatable", "some"}}, "option 'aggregatable': expects all or common"},
        Case{{{"drop_protocols", ","}}, "option 'drop_protocols': expects protocol filter names"},
        Case{{{"protocols", "TCP"}}, "option 'protocols': 'TCP' is not a protocol's filter name"},
    }));
    const auto result = parse_options(raw);
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error, Catch::Contains(expected));
}

TEST_CASE("Protocol lists split on commas and spaces", "[options][content]") {
    const auto result = parse_options({{"drop_protocols", "data, media"}, {"protocols", "frame eth ip tcp"}});
    REQUIRE(result.ok());
    const DocumentContent &content = result.options.content;
    CHECK(content.drop_protocols == std::vector<std::string>{"data", "media"});
    CHECK(content.drops("media"));
    CHECK_FALSE(content.drops("tcp"));
    CHECK(content.keeps_top_level("tcp"));
    CHECK_FALSE(content.keeps_top_level("http"));
    CHECK(DocumentContent{}.keeps_top_level("http"));
    CHECK_FALSE(content.writes_everything());
}

TEST_CASE("A byte field's text is cut after its first N bytes", "[content]") {
    using Case = std::tuple<std::string, std::size_t, std::string>;
    auto [text, limit, expected] = GENERATE(table<std::string, std::size_t, std::string>({
        Case{"de:ad:be:ef", 2, "de:ad"},
        Case{"de:ad:be:ef", 1, "de"},
        Case{"de:ad:be:ef", 4, "de:ad:be:ef"},
        Case{"de:ad:be:ef", 9, "de:ad:be:ef"},
        Case{"deadbeef", 3, "deadbe"},
        Case{"de.ad.be", 2, "de.ad"},
        Case{"", 2, ""},
    }));
    CHECK(truncated_hex_text(text, limit) == expected);
}
