// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "pcap_options.h"

using namespace espcap::retrieve;

TEST_CASE("docs/retrieval.md lists espcap-pcap's keys as the key table writes them", "[retrieve]") {
    std::ifstream in(ESPCAP_RETRIEVAL_DOC_PATH);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    CHECK_THAT(text.str(), Catch::Contains(pcap_options_markdown_table()));
}

TEST_CASE("espcap-pcap's keys start at their defaults and refuse bad values", "[retrieve]") {
    PcapOptions options;
    CHECK(options.max_packets == 100000);
    CHECK_FALSE(options.absolute_paths);
    std::string error;
    CHECK(take_pcap_option("absolute_paths", "true", options, error));
    CHECK(error.empty());
    CHECK(options.absolute_paths);
    for (const char *value : {"0", "-1", "12x", "", "100000001"}) {
        error.clear();
        CHECK(take_pcap_option("max_packets", value, options, error));
        CHECK_THAT(error, Catch::Contains("max_packets"));
    }
    CHECK(options.max_packets == 100000);
    CHECK(take_pcap_option("absolute_paths", "yes", options, error));
    CHECK_THAT(error, Catch::Contains("true or false"));
    CHECK_FALSE(take_pcap_option("node", "localhost", options, error));  // espcap's own key
    error.clear();
    CHECK(take_pcap_option("filter", "", options, error));  // not "every packet"
    CHECK(error == "filter= needs a value");
    CHECK(options.display_filter.empty());
}
