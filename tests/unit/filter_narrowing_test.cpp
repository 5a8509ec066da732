// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "filter_narrowing.h"
#include "packet_search.h"

using namespace espcap::retrieve;
using nlohmann::json;

namespace {

// The words tshark would call fields in these filters.
const std::set<std::string> kFields = {"dns",          "dns.qry.name", "udp",        "udp.port",     "tcp",
                                       "tcp.port",     "tcp.srcport",  "tcp.dstport", "ip.src",      "ip.dst",
                                       "icmp",         "http.host",    "eth.src",    "http.request", "frame.number",
                                       "_ws.expert.message", "pkcs1.modulus"};

}  // namespace

TEST_CASE("A display filter narrows to the fields and protocols it requires", "[retrieve]") {
    // filter, what the narrowing requires ("" when nothing narrows)
    const auto [filter, required] = GENERATE(table<std::string, std::string>({
        {"dns", "dns"},
        {"dns.qry.name contains \"google\"", "dns.qry.name"},
        {"udp.port in {53, 5353}", "udp.port"},
        {"tcp.port in {80, 443, 8000..8080} && ip.src == 10.0.0.0/8", "tcp.port and ip.src"},
        {"(dns || tcp) and udp", "(dns or tcp) and udp"},
        {"dns or tcp.port == 80 and udp", "dns or (tcp.port and udp)"},  // and binds tighter than or
        {"tcp.srcport == tcp.dstport", "tcp.srcport and tcp.dstport"},
        {"tcp.port != 80", "tcp.port"},     // Wireshark 4.0: false when the field is missing
        {"tcp.port ~= 80", "tcp.port"},
        {"lower(http.host) matches \"^www\"", "http.host"},
        {"len(dns.qry.name) > 15", "dns.qry.name"},
        {"eth.src[0:3] == 00:0c:29", "eth.src"},
        {"ip.src#2 == 10.0.0.1", "ip.src"},
        {"icmp && ip.src == 10.0.0.0/8", "icmp and ip.src"},
        {"_ws.expert.message", ""},  // a field tested alone may have no value: nothing shows it
        {"http.request && udp", "udp"},
        {"_ws.expert.message == \"x\"", ""},  // _ws.* items sit in any layer
        {"pkcs1.modulus == 01:02 && tcp", "tcp"},  // PKCS #1 fields sit in x509 layers
        {"http.request.method == GET", ""},           // not a field tshark knows: nothing to require
        {"GET == http.host", "http.host"},             // a literal on the left
        {"udp xor tcp", "udp or tcp"},
        // Nothing narrows:
        {"!dns", ""},
        {"not (dns and udp)", ""},
        {"dns or !udp", ""},
        {"dns or frame.len > 10", ""},  // frame.len: not in kFields, so a branch without requirement
        {"count(dns.qry.name) == 0", ""},
        {"tcp.port == ${port}", ""},   // a macro: not understood
        {"tcp.port not in {80}", ""},  // not understood
        {"dns and", ""},               // not a filter tshark compiles; never narrows
        {"\"unterminated", ""},
        // The negated part goes, the rest stays:
        {"!dns && udp", "udp"},
        {"udp && not (tcp.port == 80)", "udp"},
        {"dns.qry.name == \"a or b\" and udp", "dns.qry.name and udp"},
    }));
    CAPTURE(filter);
    const Narrowing narrowing = narrow_display_filter(filter, kFields);
    CHECK(narrowing.description == required);
    CHECK(narrowing.query.empty() == required.empty());
}

TEST_CASE("The words tshark is asked about are those that may name a field", "[retrieve]") {
    CHECK(field_name_candidates("ip.src == 10.0.0.0/8 && eth.src == 00:0c:29:aa:bb:cc && tcp.port in {80..90}") ==
          std::vector<std::string>{"ip.src", "eth.src", "tcp.port"});
    CHECK(field_name_candidates("http.request.method == \"GET\" || _ws.expert") ==
          std::vector<std::string>{"http.request.method", "_ws.expert"});
    CHECK(field_name_candidates("$bad").empty());
}

TEST_CASE("A field narrows to its protocol's layer at any depth, its member, or frame.protocols", "[retrieve]") {
    const json query = json::parse(narrow_display_filter("dns.qry.name contains \"x\"", kFields).query);
    const json &should = query["bool"]["should"];
    CHECK(query["bool"]["minimum_should_match"] == 1);
    const auto has = [&](const json &clause) { return std::find(should.begin(), should.end(), clause) != should.end(); };
    CHECK(has(json::parse(R"({"exists":{"field":"layers*.dns.*"}})")));
    CHECK(has(json::parse(R"({"exists":{"field":"layers*.dns_qry.*"}})")));
    CHECK(has(json::parse(R"({"regexp":{"layers.frame.frame_frame_protocols":"(.*:)?dns(:.*)?"}})")));
    // mDNS and LLMNR packets hold dns.* fields in their own layers.
    CHECK(has(json::parse(R"({"exists":{"field":"layers*.mdns.*"}})")));
    CHECK(has(json::parse(R"({"exists":{"field":"layers*.llmnr.*"}})")));
    CHECK(has(json::parse(R"({"exists":{"field":"layers*_dns_qry_name"}})")));
    CHECK(has(json::parse(R"({"bool":{"must_not":{"exists":{"field":"layers.frame.frame_frame_protocols"}}}})")));

    const json both = json::parse(narrow_display_filter("dns and udp", kFields).query);
    CHECK(both["bool"]["filter"].size() == 2);
    const json either = json::parse(narrow_display_filter("dns or udp", kFields).query);
    CHECK(either["bool"]["should"].size() == 2);
    CHECK(either["bool"]["minimum_should_match"] == 1);
}

TEST_CASE("The narrowing joins the other keys of a search", "[retrieve]") {
    PacketQuery query;
    query.everything = true;
    query.narrowing = narrow_display_filter("dns", kFields).query;
    std::string error;
    CHECK(json::parse(search_query_json(query, error)) == json::parse(query.narrowing));
    query.lucene = "protocol:dns";
    const json combined = json::parse(search_query_json(query, error));
    REQUIRE(combined["bool"]["filter"].size() == 2);
    CHECK(combined["bool"]["filter"][0]["query_string"]["query"] == "protocol:dns");
    CHECK(combined["bool"]["filter"][1] == json::parse(query.narrowing));
}
