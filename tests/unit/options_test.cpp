// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "options.h"

using espcap::Endpoint;
using espcap::parse_endpoint;
using espcap::parse_options;
using espcap::RawOptions;

TEST_CASE("With no options espcap stays off", "[options]") {
    const auto result = parse_options({});
    REQUIRE(result.ok());
    CHECK_FALSE(result.options.active());
    CHECK(result.options.chunk == 1000);
    CHECK(result.options.senders == 3);
    CHECK(result.options.index_prefix == "packets");
}

TEST_CASE("Node or file turns espcap on", "[options]") {
    CHECK(parse_options({{"node", "localhost:9200"}}).options.active());
    CHECK(parse_options({{"file", "-"}}).options.active());
}

TEST_CASE("Node accepts host:port, URLs and lists", "[options]") {
    const auto result = parse_options({{"node", "localhost, https://es.example:9243/prefix/ ,[::1]:9201,10.0.0.1"}});
    REQUIRE(result.ok());
    const auto &nodes = result.options.nodes;
    REQUIRE(nodes.size() == 4);
    CHECK(nodes[0].url() == "http://localhost:9200");
    CHECK(nodes[1].url() == "https://es.example:9243/prefix");
    CHECK(nodes[2].url() == "http://[::1]:9201");
    CHECK(nodes[3].url() == "http://10.0.0.1:9200");
}

TEST_CASE("Bad values are refused with the key named", "[options]") {
    using Case = std::pair<RawOptions, std::string>;
    auto [raw, expected] = GENERATE(table<RawOptions, std::string>({
        Case{{{"nodee", "x"}}, "unknown option 'nodee'"},
        Case{{{"chunk", "abc"}}, "option 'chunk': expects a whole number"},
        Case{{{"chunk", "0"}}, "option 'chunk'"},
        Case{{{"chunk", "12x"}}, "option 'chunk'"},
        Case{{{"senders", "0"}}, "option 'senders': expects a whole number from 1 to 16, got '0'"},
        Case{{{"senders", "17"}}, "option 'senders'"},
        Case{{{"node", "ftp://host:21"}}, "scheme must be http or https"},
        Case{{{"node", "host:99999"}}, "port must be a number from 1 to 65535"},
        Case{{{"node", "host:"}}, "port must be a number"},
        Case{{{"node", ":9200"}}, "no host"},
        Case{{{"node", "a,,b"}}, "no host"},
        Case{{{"node", "::1"}}, "write IPv6 addresses as [address]:port"},
        Case{{{"index", "Packets"}}, "must be lowercase"},
        Case{{{"index", "_x"}}, "must not start with"},
        Case{{{"index", "a b"}}, "must not contain ' '"},
        // Issue 13 item 3: these used to abort tshark at the first packet, or stop it there.
        Case{{{"index", "caf\xe9"}}, "option 'index': 'caf\\xe9' is not valid UTF-8"},
        Case{{{"index", "a\tb"}}, "option 'index': 'a\\x09b' must not contain control characters"},
        Case{{{"index", "a\xc2\x85"}}, "must not contain control characters"},
        Case{{{"index", "\xed\xa0\x80"}}, "is not valid UTF-8"},  // a surrogate
        Case{{{"index", "\xc0\xaf"}}, "is not valid UTF-8"},  // an overlong '/'
        Case{{{"index", "a\xe2\x82"}}, "is not valid UTF-8"},  // cut short
        Case{{{"index", ".."}}, "must not be '.' or '..'"},
        Case{{{"timeout", "-1"}}, "option 'timeout'"},
        Case{{{"bulk_bytes", "10"}}, "option 'bulk_bytes': expects a size"},
        Case{{{"bulk_bytes", "2g"}}, "option 'bulk_bytes'"},
        Case{{{"bulk_bytes", "5x"}}, "option 'bulk_bytes'"},
        Case{{{"flush_interval", "0"}}, "option 'flush_interval'"},
        Case{{{"flush_interval", "1.2345"}}, "option 'flush_interval'"},
        Case{{{"flush_interval", "x"}}, "option 'flush_interval'"},
        Case{{{"gzip", "yes"}}, "option 'gzip': expects true, false or auto, got 'yes'"},
    }));
    const auto result = parse_options(raw);
    CAPTURE(raw.front().first, raw.front().second);
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error, Catch::Contains(expected));
}

TEST_CASE("Sizes and intervals take units", "[options]") {
    const auto result = parse_options({{"bulk_bytes", "512k"}, {"flush_interval", "0.25"}, {"gzip", "false"}});
    REQUIRE(result.ok());
    CHECK(result.options.bulk_bytes == 512 * 1024);
    CHECK(result.options.flush_interval_ms == 250);
    CHECK_FALSE(result.options.compress_requests());
    CHECK(parse_options({{"bulk_bytes", "5m"}}).options.bulk_bytes == 5 * 1024 * 1024);
    CHECK(parse_options({{"bulk_bytes", "2048"}}).options.bulk_bytes == 2048);
    CHECK(parse_options({{"flush_interval", "2"}}).options.flush_interval_ms == 2000);
}

TEST_CASE("gzip=auto compresses only for nodes that are not on this machine", "[options]") {
    auto compresses = [](const char *nodes, const char *gzip = nullptr) {
        RawOptions raw{{"node", nodes}};
        if (gzip != nullptr) raw.emplace_back("gzip", gzip);
        const auto result = parse_options(raw);
        REQUIRE(result.ok());
        return result.options.compress_requests();
    };
    CHECK_FALSE(compresses("localhost:9200"));
    CHECK_FALSE(compresses("127.0.0.1:9200,127.1.2.3:9201,[::1]:9200"));
    CHECK_FALSE(compresses("https://localhost:9243/es"));
    CHECK(compresses("10.0.0.5:9200"));
    CHECK(compresses("127.0.0.1:9200,es1:9200"));            // one remote node is enough
    CHECK(compresses("127.0.0.1.example.com:9200"));         // a name, not an address
    CHECK(compresses("128.0.0.1:9200"));
    CHECK(compresses("localhost:9200", "true"));
    CHECK_FALSE(compresses("10.0.0.5:9200", "false"));
    CHECK(compresses("10.0.0.5:9200", "auto"));
}

TEST_CASE("Node hosts that would not read back as the same URL are refused", "[options]") {
    // Found by fuzz_options: "[[e]" gave the host "[e", written back as "http://[e:9200".
    for (const char *node : {"[[e]", "a]:9200", "es?x=1:9200", "es#frag", "e\ts", "e\x01s",
                             "es:9200/pre?fix", "es:9200/a#b"}) {
        CAPTURE(node);
        Endpoint endpoint;
        std::string error;
        CHECK_FALSE(parse_endpoint(node, endpoint, error));
        CHECK_THAT(error, Catch::Contains("invalid character"));
    }
}

TEST_CASE("A password in a node URL is never echoed", "[options][security]") {
    const auto result = parse_options({{"node", "http://elastic:s3cret@localhost:9200"}});
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error, !Catch::Contains("s3cret"));

    SECTION("not even a password holding the ',' that separates nodes (found by fuzz_options)") {
        const auto split = parse_options({{"node", "es1:9200,http://elastic:s3c,ret@es2:9200"}});
        REQUIRE_FALSE(split.ok());
        CHECK_THAT(split.error, Catch::Contains("credentials"));
        CHECK_THAT(split.error, !Catch::Contains("s3c"));
    }
}

TEST_CASE("Later entries win, so -X overrides preferences", "[options]") {
    const auto result = parse_options({{"chunk", "10"}, {"index", "prefs"}, {"chunk", "20"}});
    REQUIRE(result.ok());
    CHECK(result.options.chunk == 20);
    CHECK(result.options.index_prefix == "prefs");
}

TEST_CASE("An empty value is bad usage that names its key (issue 13 item 11a)", "[options]") {
    // -X espcap:node= used to turn espcap off without a word.
    for (const char *key : {"node", "file", "index", "chunk", "password"}) {
        CAPTURE(key);
        CHECK(parse_options({{key, ""}}).error == std::string("option '") + key + "': needs a value");
    }
}

TEST_CASE("Arguments of -X must be key=value", "[options]") {
    std::pair<std::string, std::string> option;
    std::string error;
    CHECK(espcap::split_option_argument("node=host:9200=x", option, error));
    CHECK(option == std::make_pair(std::string("node"), std::string("host:9200=x")));
    CHECK_FALSE(espcap::split_option_argument("node", option, error));
    CHECK_THAT(error, Catch::Contains("'node' is not key=value"));
    CHECK_FALSE(espcap::split_option_argument("=x", option, error));
}

TEST_CASE("Every option has a title and a description for the Preferences dialog", "[options]") {
    for (const auto &spec : espcap::option_specs()) {
        CAPTURE(spec.key);
        CHECK(std::string(spec.title).size() > 0);
        CHECK(spec.description().size() > 0);
        // And each key is accepted by the parser.
        CHECK_THAT(parse_options({{spec.key, ""}}).error, !Catch::Contains("unknown"));
    }
}

TEST_CASE("The spool is on by default, takes a folder and a size bound, and can be turned off", "[options]") {
    CHECK(parse_options({}).options.spool == "espcap-spool");
    CHECK(parse_options({}).options.spool_max == std::uint64_t{1} << 30);
    CHECK(parse_options({{"spool", "/var/spool/espcap"}}).options.spool == "/var/spool/espcap");
    CHECK(parse_options({{"spool", "off"}}).options.spool.empty());
    CHECK(parse_options({{"spool_max", "20g"}}).options.spool_max == std::uint64_t{20} << 30);
    CHECK_THAT(parse_options({{"spool_max", "10k"}}).error, Catch::Contains("option 'spool_max'"));
    CHECK_THAT(parse_options({{"spool_max", "lots"}}).error, Catch::Contains("1m to 1024g"));
}

TEST_CASE("template_file and daily are read like the other options", "[options]") {
    const auto result = parse_options({{"file", "-"}, {"template_file", "/tmp/t.json"}, {"daily", "false"}});
    REQUIRE(result.ok());
    CHECK(result.options.template_file == "/tmp/t.json");
    CHECK_FALSE(result.options.daily);
    CHECK(parse_options({{"daily", "no"}}).error == "option 'daily': expects true or false, got 'no'");
}

// The option table (common/option_table.cpp): properties every row must have.

TEST_CASE("Every option with a default parses it, and a default Options holds it", "[options][table]") {
    const espcap::Options defaults;
    for (const auto &spec : espcap::option_specs()) {
        CAPTURE(spec.key);
        if (spec.default_value == nullptr) {
            CHECK(spec.when_unset != nullptr);
            continue;
        }
        const auto result = parse_options({{spec.key, spec.default_value}});
        CHECK(result.error == "");
        if (spec.limits) CHECK(spec.limits->read(result.options) == spec.limits->read(defaults));
    }
}

TEST_CASE("Every numeric option refuses a value just out of its range, naming the key and the range",
          "[options][table]") {
    for (const auto &spec : espcap::option_specs()) {
        if (!spec.limits) continue;
        const auto &limits = *spec.limits;
        for (const double outside : {limits.min - 1, limits.max + 1}) {
            const std::string value = limits.text(outside);
            CAPTURE(spec.key, value);
            const auto result = parse_options({{spec.key, value}});
            REQUIRE_FALSE(result.ok());
            CHECK(result.error == "option '" + std::string(spec.key) + "': expects " + spec.expects + ", got '" +
                                      value + "'");
            CHECK_THAT(result.error, Catch::Contains(spec.values));
        }
        for (const double inside : {limits.min, limits.max}) {
            const auto result = parse_options({{spec.key, limits.text(inside)}});
            CAPTURE(spec.key, limits.text(inside));
            REQUIRE(result.ok());
            CHECK(limits.read(result.options) == inside);
        }
    }
}

TEST_CASE("Every range and list of spellings is in the option's help", "[options][table]") {
    for (const auto &spec : espcap::option_specs()) {
        CAPTURE(spec.key);
        if (spec.limits) CHECK_THAT(spec.help, Catch::Contains("{values}"));
        // Each spelling of a closed list is in the help or is the default.
        const std::string row = spec.default_markdown() + " " + spec.help_markdown();
        if (spec.values.find('`') != std::string::npos) {
            for (std::size_t open = spec.values.find('`'); open != std::string::npos;) {
                const std::size_t close = spec.values.find('`', open + 1);
                CHECK_THAT(row, Catch::Contains(spec.values.substr(open, close - open + 1)));
                open = spec.values.find('`', close + 1);
            }
        } else {
            CHECK_THAT(spec.help_markdown(), Catch::Contains(spec.values));
        }
        CHECK_THAT(spec.description(), !Catch::Contains("{values}"));
        CHECK_THAT(spec.description(), !Catch::Contains("`"));
        CHECK_THAT(spec.description(), Catch::EndsWith("."));
    }
}

TEST_CASE("A secret option's value is never printed", "[options][table][security]") {
    const std::string secret_value = "s3cret-value";
    int secrets = 0;
    for (const auto &spec : espcap::option_specs()) {
        if (!spec.secret) continue;
        ++secrets;
        CAPTURE(spec.key);
        CHECK(parse_options({{spec.key, secret_value}}).ok());
        // With another option wrong, or unknown, the error says nothing of the secret.
        for (const RawOptions &raw : {RawOptions{{spec.key, secret_value}, {"chunk", "0"}},
                                      RawOptions{{spec.key, secret_value}, {"nodee", "x"}},
                                      RawOptions{{spec.key, secret_value + "\x01"}, {"index", "A"}}}) {
            const auto result = parse_options(raw);
            REQUIRE_FALSE(result.ok());
            CHECK_THAT(result.error, !Catch::Contains(secret_value));
        }
        CHECK_THAT(spec.description(), !Catch::Contains(secret_value));
    }
    CHECK(secrets == 2);  // password and api_key
}

TEST_CASE("Each program's usage names the keys that matter to it", "[options][table]") {
    CHECK(espcap::option_keys(espcap::kUsedByPcap) == "node, user, password, api_key, password_file, api_key_file, ca_file, tls_verify, index, timeout");
    CHECK_THAT(espcap::option_keys(espcap::kUsedByReplay), Catch::Contains("spool, spool_max"));
    CHECK_THAT(espcap::option_keys(espcap::kUsedByReplay), !Catch::Contains("chunk"));
    for (const auto &spec : espcap::option_specs()) {
        CAPTURE(spec.key);
        CHECK((spec.used_by & espcap::kUsedByTshark) != 0);  // tshark reads every key
    }
}

TEST_CASE("The Preferences dialog's text is the help without Markdown, then the default", "[options][table]") {
    const auto spec = [](const char *key) {
        for (const auto &s : espcap::option_specs())
            if (s.key == std::string(key)) return s.description();
        FAIL("no option " << key);
        return std::string();
    };
    CHECK(spec("chunk") == "Documents per bulk request, 1 to 100000. Default: 1000.");
    CHECK(spec("gzip") == "'true', 'false' or 'auto': compress request bodies; 'auto' does unless every node is "
                          "'localhost', '127.x.x.x' or '::1'. Default: 'auto'.");
    CHECK_THAT(spec("not_protocols"),
               Catch::Contains("replaces 'config/not_protocols.list'. Default: built-in list."));
    CHECK_THAT(spec("index"), Catch::Contains("space or ',#:\\/*?\"<>|', not"));
    CHECK_THAT(spec("node"), Catch::Contains("'http(s)://host:port[/prefix]' (port 9200 by default)"));
}
