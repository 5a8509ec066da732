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
#include "json_buffer.h"
#include "search_engine.h"

using nlohmann::json;
using namespace espcap::tap;

namespace {

// Dotted paths of a document's values; an array of values is one leaf.
void collect_leaves(const json &value, const std::string &path, std::set<std::string> &out) {
    if (!value.is_object()) {
        out.insert(path);
        return;
    }
    for (const auto &[key, member] : value.items()) collect_leaves(member, path.empty() ? key : path + "." + key, out);
}

// Leaves of `document` the mapping's properties give no type.
std::set<std::string> unmapped_leaves(const json &document, const json &properties) {
    std::set<std::string> leaves, unmapped;
    collect_leaves(document, "", leaves);
    for (const std::string &leaf : leaves) {
        const json *node = &properties;
        const json *mapping = nullptr;
        std::string::size_type start = 0;
        while (node) {
            const auto dot = leaf.find('.', start);
            const auto found = node->find(leaf.substr(start, dot - start));
            if (found == node->end()) break;
            if (dot == std::string::npos) {
                mapping = &*found;
                break;
            }
            node = found->contains("properties") ? &(*found)["properties"] : nullptr;
            start = dot + 1;
        }
        if (!mapping || !mapping->contains("type")) unmapped.insert(leaf);
    }
    return unmapped;
}

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

TEST_CASE("A flow member the template does not map is found", "[flows][schema]") {
    espcap::JsonBuffer out;
    write_flow_document(finished_flow(), "", out);
    json document = json::parse(out.str());
    document["flow"]["renamed_field"] = 1;
    document["new_top_level"] = {{"inner", "x"}};
    CHECK(unmapped_leaves(document, flow_properties()) == std::set<std::string>{"flow.renamed_field",
                                                                               "new_top_level.inner"});
}
