// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "bulk_client.h"
#include "bulk_response.h"
#include "server_text.h"

using espcap::exporter::Credentials;
using espcap::exporter::describe_http_failure;
using espcap::exporter::printable_for_terminal;
using espcap::exporter::redact_from_server_text;
using espcap::exporter::server_excerpt;

TEST_CASE("A reply quoted in a message has no control characters left", "[export][issue13]") {
    const std::string reply = "bad \x1b]0;owned\x07\x1b[2J\r\nforged line\x9b" "31m \xc2\x9b" "1m caf\xc3\xa9";
    const std::string shown = describe_http_failure(500, reply);
    for (std::size_t i = 0; i < shown.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(shown[i]);
        CHECK((c >= 0x20 && c != 0x7f));
        // C1 controls encoded in UTF-8 (U+009B is CSI for some terminals) are escaped too.
        if (c == 0xc2 && i + 1 < shown.size()) CHECK(static_cast<unsigned char>(shown[i + 1]) > 0x9f);
    }
    CHECK(shown.find("\\x1b]0;owned\\x07") != std::string::npos);
    CHECK(shown.find("\\x9b31m") != std::string::npos);   // not UTF-8: a byte
    CHECK(shown.find("\\xc2\\x9b1m") != std::string::npos);  // U+009B
    CHECK(shown.find("caf\xc3\xa9") != std::string::npos);  // text stays readable
}

TEST_CASE("A long reply is quoted in part, and says how much was left out", "[export][issue13]") {
    const std::string shown = server_excerpt(std::string(1000, 'x'));
    CHECK(shown == std::string(300, 'x') + "... (700 bytes more)");
}

TEST_CASE("A reply echoing the request never shows an Authorization value", "[export][issue13]") {
    SECTION("as a raw header") {
        const std::string shown = server_excerpt("GET / HTTP/1.1\r\nAuthorization: Basic dXNlcjpzZWNyZXQ=\r\nHost: x");
        CHECK(shown.find("dXNlcjpzZWNyZXQ") == std::string::npos);
        CHECK(shown.find("Authorization: [redacted]\\x0d\\x0aHost: x") != std::string::npos);
    }
    SECTION("as a JSON member, escaped or not, whatever the scheme and the case") {
        for (const char *echo : {R"({"headers":{"authorization":"ApiKey a2V5aWQ6c2VjcmV0"}})",
                                 R"({"reason":"header [\"AUTHORIZATION\": \"Bearer eyJhbGciOi.x.y\"] refused"})"}) {
            const std::string shown = server_excerpt(echo);
            CHECK(shown.find("a2V5aWQ6c2VjcmV0") == std::string::npos);
            CHECK(shown.find("eyJhbGciOi") == std::string::npos);
            CHECK(shown.find("[redacted]") != std::string::npos);
        }
    }
}

TEST_CASE("The user's own credentials are redacted wherever a reply quotes them", "[export][issue13]") {
    redact_from_server_text(Credentials{"espcap-unit", "Pw-unit-4Kq9", "a2V5LXVuaXQ6QXBpS2V5LXVuaXQ="});
    // the basic token of espcap-unit:Pw-unit-4Kq9
    const std::string basic = "ZXNwY2FwLXVuaXQ6UHctdW5pdC00S3E5";
    const std::string reply = "password Pw-unit-4Kq9, key a2V5LXVuaXQ6QXBpS2V5LXVuaXQ=, token " + basic;
    const std::string shown = printable_for_terminal(reply, 1000);
    CHECK(shown == "password [redacted], key [redacted], token [redacted]");
    SECTION("even where the cut would fall inside the secret") {
        const std::string cut = server_excerpt(std::string(295, '.') + basic);
        CHECK(cut.find("ZXNw") == std::string::npos);
    }
    SECTION("in a bulk item's error, which also goes to the dead-letter file") {
        const auto reply_items = espcap::exporter::parse_bulk_response(
            R"({"items":[{"create":{"status":400,"error":{"type":"x","reason":"saw Pw-unit-4Kq9\u001b[31m"}}}]})");
        REQUIRE(reply_items.parsed);
        CHECK(reply_items.items.at(0).error == "x: saw [redacted]\\x1b[31m");
    }
}
