// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "protocol_layers.h"

using espcap::tap::glob_match;
using espcap::tap::ProtocolLayers;

TEST_CASE("Glob patterns", "[tap][protocol]") {
    CHECK(glob_match("image-*", "image-jfif"));
    CHECK(glob_match("_ws.*", "_ws.malformed"));
    CHECK(glob_match("*", ""));
    CHECK(glob_match("data", "data"));
    CHECK_FALSE(glob_match("data", "data-text-lines"));
    CHECK_FALSE(glob_match("image-*", "imagex"));
    CHECK(glob_match("a*b*c", "aXXbYc"));
}

TEST_CASE("The built-in list skips payload carriers and pseudo-layers", "[tap][protocol]") {
    const ProtocolLayers layers;
    for (const char *not_protocol : {"data", "data-text-lines", "media", "image-gif", "_ws.malformed", "ethertype", "xml"}) {
        CAPTURE(not_protocol);
        CHECK_FALSE(layers.counts_as_protocol(not_protocol));
    }
    for (const char *protocol : {"eth", "ip", "tcp", "http", "dns", "tls", "smb2"}) {
        CAPTURE(protocol);
        CHECK(layers.counts_as_protocol(protocol));
    }
}

TEST_CASE("A user list replaces the built-in one", "[tap][protocol]") {
    ProtocolLayers layers;
    layers.load("# comment\n  tcp  \r\n\nudp\n");
    CHECK_FALSE(layers.counts_as_protocol("tcp"));
    CHECK_FALSE(layers.counts_as_protocol("udp"));
    CHECK(layers.counts_as_protocol("data"));
}
