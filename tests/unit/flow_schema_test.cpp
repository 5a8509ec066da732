// SPDX-License-Identifier: GPL-2.0-or-later
// The flow document and its template are written in two places (tap/flow_document.cpp,
// export/flow_template.cpp): every leaf a flow record carries must be mapped by the
// template, or a renamed field would fall back to dynamic mapping unseen.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "community_id.h"
#include "flow_document.h"
#include "flow_table.h"
#include "flow_template.h"
#include "geo_enricher.h"
#include "json_buffer.h"
#include "schema_leaves.h"
#include "search_engine.h"

using nlohmann::json;
using namespace espcap::tap;
using espcap::test::unmapped_leaves;

namespace {

FlowTuple tcp_tuple(const char *source, const char *destination, std::uint16_t sport, std::uint16_t dport) {
    FlowTuple t;
    t.protocol = kIpProtoTcp;
    t.address_size = 4;
    inet_pton(AF_INET, source, t.source.data());
    inet_pton(AF_INET, destination, t.destination.data());
    t.has_ports = true;
    t.source_port = sport;
    t.destination_port = dport;
    return t;
}

FlowPacket tcp_packet(const FlowTuple &t, std::uint32_t frame, std::int64_t secs, std::uint16_t flags) {
    FlowPacket p;
    p.tuple = t;
    p.has_stream = true;
    p.frame = frame;
    p.secs = secs;
    p.frame_bytes = 60;
    p.tcp_flags = flags;
    return p;
}

// A finished TCP flow with every optional member: ports, stream, flags, an application
// protocol, an end reason.
Flow finished_flow() {
    FlowTable table(FlowLimits{});
    const FlowTuple out = tcp_tuple("10.0.0.1", "10.0.0.2", 50000, 80);
    FlowTuple back = out;
    std::swap(back.source, back.destination);
    std::swap(back.source_port, back.destination_port);
    table.observe(tcp_packet(out, 1, 1426696813, 0x02));
    table.observe(tcp_packet(back, 2, 1426696813, 0x12));
    table.observe(tcp_packet(out, 3, 1426696814, 0x11));
    table.observe(tcp_packet(back, 4, 1426696814, 0x11));
    std::vector<Flow> ended;
    table.drain(ended);
    REQUIRE(ended.size() == 1);
    ended[0].protocols = {"http"};
    return ended[0];
}

json flow_properties() {
    const json body = json::parse(flow_template_body("packets", espcap::exporter::SearchEngine{}));
    return body["template"]["mappings"]["properties"];
}

}  // namespace

TEST_CASE("Every member of a flow record is mapped by the flows template", "[flows][schema]") {
    const Flow flow = finished_flow();
    const char *where = GENERATE(R"(,"file_name":"a.pcap")", R"(,"interface":"eth0")", "");
    espcap::JsonBuffer out;
    write_flow_document(flow, where, out);
    const json document = json::parse(out.str());
    REQUIRE(document.contains("flow"));
    REQUIRE(document["network"].contains("protocol"));
    CHECK(unmapped_leaves(document, flow_properties()).empty());
}

TEST_CASE("A flow record's GeoIP and ASN members are mapped by the flows template", "[flows][schema][geo]") {
    GeoEnricher geo([](const IpAddress &) {
        GeoFacts all;
        all.country_iso_code = "NL";
        all.country_name = "Netherlands";
        all.city_name = "Amsterdam";
        all.location = GeoFacts::Location{52.3676, 4.9041};
        all.as_number = 64512;
        all.as_organization = "Lab";
        return all;
    });
    espcap::JsonBuffer out;
    write_flow_document(finished_flow(), "", out, "", &geo);
    const json document = json::parse(out.str());
    REQUIRE(document["destination"]["geo"]["location"] == json{{"lat", 52.3676}, {"lon", 4.9041}});
    REQUIRE(document["source"]["as"]["organization"]["name"] == "Lab");
    CHECK(unmapped_leaves(document, flow_properties()).empty());
    CHECK(flow_properties()["source"]["properties"]["geo"]["properties"]["location"]["type"] == "geo_point");
}

TEST_CASE("A flow member the template does not map is found", "[flows][schema]") {
    espcap::JsonBuffer out;
    write_flow_document(finished_flow(), "", out);
    json document = json::parse(out.str());
    document["flow"]["renamed_field"] = 1;
    document["new_top_level"] = {{"inner", "x"}};
    CHECK(unmapped_leaves(document, flow_properties()) == std::set<std::string>{"flow.renamed_field",
                                                                               "new_top_level.inner"});
}
