// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "spooled_mappings.h"

using namespace espcap::exporter;

TEST_CASE("Spooled mappings come back as they were written", "[export][spool]") {
    SpooledMappings written;
    written.template_spec.index_prefix = "packets";
    written.template_spec.alias_target_types = {{"layers.dns.dns_dns_qry_name", "keyword"}};
    written.template_spec.registry_summary_json = R"({"fields":3})";
    written.fields = {{"packets-2015-07-30", "layers.ip.ip_ip_src", "ip"},
                      {"packets-2015-07-31", "layers.tcp.tcp_tcp_srcport", "long"}};
    SpooledMappings read;
    REQUIRE(parse_spooled_mappings(spooled_mappings_json(written), read));
    CHECK(read.template_spec.index_prefix == "packets");
    CHECK(read.template_spec.alias_target_types == written.template_spec.alias_target_types);
    CHECK(read.template_spec.registry_summary_json == R"({"fields":3})");
    REQUIRE(read.fields.size() == 2);
    CHECK(read.fields[1].index == "packets-2015-07-31");
    CHECK(read.fields[1].path == "layers.tcp.tcp_tcp_srcport");
    CHECK(read.fields[1].type == "long");
}

TEST_CASE("Damaged spooled mappings are refused, not half read", "[export][spool]") {
    SpooledMappings read;
    read.template_spec.index_prefix = "untouched";
    for (const char *text : {"", "{", "[]", R"({"index_prefix":"p"})",
                             R"({"index_prefix":"p","alias_target_types":{},"registry_summary":"","fields":{"i":[["p"]]}})",
                             R"({"index_prefix":"p","alias_target_types":{},"registry_summary":"","fields":{"i":[[1,2]]}})",
                             R"({"index_prefix":"","alias_target_types":{},"registry_summary":"","fields":[]})"}) {
        CHECK_FALSE(parse_spooled_mappings(text, read));
    }
    CHECK(read.template_spec.index_prefix == "untouched");
}

TEST_CASE("A batch's indices come from its action lines, each once", "[export][spool]") {
    const std::vector<std::string_view> actions = {
        R"({"create":{"_index":"packets-2015-07-30","_id":"a1"}})",
        R"({"create":{"_index":"packets-2015-07-31","_id":"a2"}})",
        R"({"create":{"_index":"packets-2015-07-30","_id":"a3"}})",
        R"({"create":{"_id":"no index"}})"};
    CHECK(indices_of_actions(actions) == std::vector<std::string>{"packets-2015-07-30", "packets-2015-07-31"});
}
