// SPDX-License-Identifier: GPL-2.0-or-later
// Community ID against the specification's published baseline, and the flow table's
// conversation rules.
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "community_id.h"
#include "flow_document.h"
#include "flow_table.h"
#include "json_buffer.h"
#include "options.h"

using namespace espcap::tap;

namespace {

FlowTuple tuple(std::uint8_t protocol, const char *source, const char *destination, int sport = -1, int dport = -1) {
    FlowTuple t;
    t.protocol = protocol;
    const bool v6 = std::string(source).find(':') != std::string::npos;
    t.address_size = v6 ? 16 : 4;
    inet_pton(v6 ? AF_INET6 : AF_INET, source, t.source.data());
    inet_pton(v6 ? AF_INET6 : AF_INET, destination, t.destination.data());
    if (sport >= 0) {
        t.has_ports = true;
        t.source_port = static_cast<std::uint16_t>(sport);
        t.destination_port = static_cast<std::uint16_t>(dport);
    }
    return t;
}

FlowPacket packet(const FlowTuple &t, std::uint32_t frame, std::int64_t secs, std::uint32_t bytes,
                  std::uint16_t tcp_flags = 0, std::uint32_t stream = 0) {
    FlowPacket p;
    p.tuple = t;
    p.has_stream = t.protocol == kIpProtoTcp || t.protocol == kIpProtoUdp;
    p.stream = stream;
    p.frame = frame;
    p.secs = secs;
    p.frame_bytes = bytes;
    p.tcp_flags = tcp_flags;
    return p;
}

FlowTuple reversed(FlowTuple t) {
    std::swap(t.source, t.destination);
    std::swap(t.source_port, t.destination_port);
    return t;
}

}  // namespace

// corelight/community-id-spec baseline/README.md, "Default settings" table.
TEST_CASE("Community IDs equal the specification's baseline table", "[flows]") {
    using Row = std::tuple<int, const char *, const char *, int, int, const char *>;
    const auto [protocol, source, destination, sport, dport, expected] = GENERATE(table<int, const char *, const char *, int, int, const char *>({
        Row{6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
        Row{6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
        Row{17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
        Row{132, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="},
        Row{1, "1.2.3.4", "5.6.7.8", 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
        Row{1, "5.6.7.8", "1.2.3.4", 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
        Row{1, "1.2.3.4", "5.6.7.8", 11, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk="},
        Row{58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0,
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
        Row{58, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 129, 0,
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
        Row{58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 146, 0,
            "1:fYC8+pz24E+EhANP1EZhpX0Dw10="},
        Row{46, "1.2.3.4", "5.6.7.8", -1, -1, "1:ikv3kmf89luf73WPz1jOs49S768="},
        Row{46, "5.6.7.8", "1.2.3.4", -1, -1, "1:ikv3kmf89luf73WPz1jOs49S768="},
        Row{46, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", -1, -1,
            "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0="},
    }));
    CAPTURE(protocol, source, destination, sport, dport);
    CHECK(community_id(tuple(static_cast<std::uint8_t>(protocol), source, destination, sport, dport)) == expected);
}

TEST_CASE("Remembered Community IDs are those community_id() gives, for more flows than slots", "[flows]") {
    CommunityIds ids;
    std::vector<FlowTuple> flows;
    for (std::uint16_t port = 1; port <= 3 * CommunityIds::kSlots; ++port) {
        flows.push_back(tuple(kIpProtoTcp, "10.0.0.1", "10.0.0.2", port, 80));
        flows.push_back(reversed(flows.back()));  // the same flow: the same id, another slot
        flows.push_back(tuple(kIpProtoUdp, "fe80::1", "fe80::2", port, 53));
    }
    for (int pass = 0; pass < 2; ++pass) {  // the second finds most in their slots, some replaced
        for (const FlowTuple &flow : flows) {
            CAPTURE(pass, flow.protocol, flow.source_port, flow.destination_port);
            REQUIRE(ids.of(flow) == community_id(flow));
        }
    }
}

TEST_CASE("A TCP conversation is one flow with packets and bytes per direction", "[flows]") {
    FlowTable table(FlowLimits{});
    const FlowTuple out = tuple(6, "10.0.0.1", "10.0.0.2", 50000, 80);
    table.observe(packet(out, 1, 100, 60, 0x02));
    table.observe(packet(reversed(out), 2, 100, 60, 0x12));
    Flow &third = table.observe(packet(out, 3, 101, 1500, 0x10));
    table.note_protocol(third, "http");
    table.note_protocol(third, "http");
    std::vector<Flow> ended;
    table.drain(ended);
    REQUIRE(ended.size() == 1);
    const Flow &flow = ended[0];
    CHECK(flow.packets[0] == 2);
    CHECK(flow.bytes[0] == 1560);
    CHECK(flow.packets[1] == 1);
    CHECK(flow.bytes[1] == 60);
    CHECK(flow.first_frame == 1);
    CHECK(flow.last_frame == 3);
    CHECK(flow.tcp_flags == 0x12);
    CHECK(flow.protocols == std::vector<std::string_view>{"http"});
    CHECK(flow.end == FlowEnd::capture_end);
    CHECK(flow.community_id == community_id(out));
}

TEST_CASE("A reused address and port pair with a new stream index is a new flow", "[flows]") {
    FlowTable table(FlowLimits{});
    const FlowTuple out = tuple(6, "10.0.0.1", "10.0.0.2", 50000, 80);
    table.observe(packet(out, 1, 100, 60, 0x02, 0));
    table.observe(packet(out, 2, 100, 60, 0x02, 1));
    CHECK(table.open_flows() == 2);
}

TEST_CASE("A closed TCP flow keeps its last ACK, then ends after the close delay", "[flows]") {
    FlowTable table(FlowLimits{300, 5, 1000, 8});
    const FlowTuple out = tuple(6, "10.0.0.1", "10.0.0.2", 50000, 80);
    std::vector<Flow> ended;
    table.observe(packet(out, 1, 100, 60, 0x11));           // FIN ACK
    table.observe(packet(reversed(out), 2, 100, 60, 0x11));  // FIN ACK
    table.observe(packet(out, 3, 101, 60, 0x10));            // last ACK
    table.expire(101, ended);
    CHECK(ended.empty());
    table.expire(106, ended);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].packets[0] + ended[0].packets[1] == 3);
    CHECK(ended[0].end == FlowEnd::fin);
}

TEST_CASE("An idle flow ends after the timeout; a full table ends its least recently seen flow", "[flows]") {
    FlowTable table(FlowLimits{60, 5, 2, 8});
    std::vector<Flow> ended;
    table.observe(packet(tuple(17, "10.0.0.1", "10.0.0.9", 1000, 53), 1, 0, 80, 0, 0));
    table.observe(packet(tuple(17, "10.0.0.2", "10.0.0.9", 1000, 53), 2, 30, 80, 0, 1));
    table.expire(59, ended);
    CHECK(ended.empty());
    table.expire(60, ended);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].end == FlowEnd::idle);
    CHECK(ended[0].first_frame == 1);
    table.observe(packet(tuple(17, "10.0.0.3", "10.0.0.9", 1000, 53), 3, 61, 80, 0, 2));
    table.observe(packet(tuple(17, "10.0.0.4", "10.0.0.9", 1000, 53), 4, 62, 80, 0, 3));
    table.expire(62, ended);
    REQUIRE(ended.size() == 2);
    CHECK(ended[1].end == FlowEnd::table_full);
    CHECK(ended[1].first_frame == 2);
}

TEST_CASE("A long flow's record is updated while it goes on, each version newer than the last", "[flows]") {
    FlowLimits limits{300, 5, 1000, 8};
    limits.update_interval_seconds = 60;
    FlowTable table(limits);
    const FlowTuple out = tuple(17, "10.0.0.1", "10.0.0.9", 1000, 53);
    std::vector<Flow> updates, ended;
    table.observe(packet(out, 1, 0, 80));
    table.observe(packet(reversed(out), 2, 10, 80));
    table.due_updates(59, updates);
    CHECK(updates.empty());
    table.due_updates(75, updates);  // tables are looked at every interval / 4 (15 s) at most
    REQUIRE(updates.size() == 1);
    CHECK(updates[0].total_packets() == 2);
    CHECK_FALSE(updates[0].final);
    // No packet since the last update: nothing to say again.
    table.due_updates(200, updates);
    CHECK(updates.size() == 1);
    table.observe(packet(out, 3, 210, 80));
    table.due_updates(260, updates);  // 200 s after the last update, with a packet since
    REQUIRE(updates.size() == 2);
    CHECK(updates[1].total_packets() == 3);
    CHECK(updates[1].version() > updates[0].version());
    table.drain(ended);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].final);
    CHECK(ended[0].total_packets() == 3);
    // The final record replaces the last update even with no packet in between.
    CHECK(ended[0].version() > updates[1].version());
    // An update is written without an end and a reason; the final record with both.
    espcap::JsonBuffer update_json, final_json;
    write_flow_document(updates[1], "", update_json);
    write_flow_document(ended[0], "", final_json);
    CHECK(update_json.str().find(R"("type":["connection"],)") != std::string::npos);
    CHECK(update_json.str().find("reason") == std::string::npos);
    CHECK(final_json.str().find(R"("type":["connection","end"],)") != std::string::npos);
    CHECK(final_json.str().find(R"("reason":"capture_end")") != std::string::npos);
    // Both are the same record: one id.
    CHECK(flow_id(updates[0]).view() == flow_id(ended[0]).view());
}

TEST_CASE("Without an update interval a flow's record is written once", "[flows]") {
    FlowTable table(FlowLimits{});
    std::vector<Flow> updates;
    table.observe(packet(tuple(17, "10.0.0.1", "10.0.0.9", 1000, 53), 1, 0, 80));
    table.observe(packet(tuple(17, "10.0.0.1", "10.0.0.9", 1000, 53), 2, 100000, 80));
    table.due_updates(100000, updates);
    CHECK(updates.empty());
}

TEST_CASE("ICMP echo request and reply are one flow under one Community ID", "[flows]") {
    FlowTable table(FlowLimits{});
    const FlowTuple request = tuple(1, "1.2.3.4", "5.6.7.8", 8, 0);
    const FlowTuple reply = tuple(1, "5.6.7.8", "1.2.3.4", 0, 0);
    table.observe(packet(request, 1, 0, 98));
    table.observe(packet(reply, 2, 0, 98));
    std::vector<Flow> ended;
    table.drain(ended);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].packets[1] == 1);
    CHECK(ended[0].community_id == "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
}

TEST_CASE("A flow document carries ECS fields and the frame range", "[flows]") {
    FlowTable table(FlowLimits{});
    const FlowTuple out = tuple(6, "10.0.0.1", "10.0.0.2", 50000, 80);
    table.observe(packet(out, 7, 1426696813, 60, 0x02));
    std::vector<Flow> ended;
    table.drain(ended);
    espcap::JsonBuffer out_json;
    write_flow_document(ended.at(0), R"(,"file_name":"a.pcap")", out_json, R"(,"observer":{"name":"dmz"})");
    const std::string text = out_json.str();
    CHECK(text.find(R"("event":{"kind":"event","category":["network"],"dataset":"espcap.flow","module":"espcap",)") !=
          std::string::npos);
    CHECK(text.find(R"("source":{"ip":"10.0.0.1","port":50000,"packets":1,"bytes":60})") != std::string::npos);
    CHECK(text.find(R"("flow":{"first_frame":7,"last_frame":7,"stream":0,"tcp_flags":["SYN"]})") != std::string::npos);
    CHECK(text.find(R"("start":"2015-03-18T16:40:13.000000000Z")") != std::string::npos);
    CHECK(text.find(R"(,"file_name":"a.pcap","observer":{"name":"dmz"}})") != std::string::npos);
}

TEST_CASE("A flow record lists its packets' file offsets, at most max_file_offsets of them", "[flows]") {
    FlowLimits limits;
    limits.max_file_offsets = 3;
    FlowTable table(limits);
    const FlowTuple out = tuple(17, "10.0.0.1", "10.0.0.2", 5353, 53);
    for (std::uint32_t frame = 1; frame <= 4; ++frame) {
        FlowPacket p = packet(frame % 2 ? out : reversed(out), frame, 100, 80);
        p.file_offset = 24 + 96 * static_cast<std::int64_t>(frame - 1);
        table.observe(p);
    }
    std::vector<Flow> ended;
    table.drain(ended);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].file_offsets == std::vector<std::int64_t>{24, 120, 216});
    CHECK_FALSE(ended[0].file_offsets_complete);
    espcap::JsonBuffer json;
    write_flow_document(ended[0], "", json);
    CHECK(json.str().find(R"("file_offsets":[24,120,216],"file_offsets_complete":false})") != std::string::npos);

    SECTION("none without a file to point into") {
        FlowTable no_file(FlowLimits{});
        no_file.observe(packet(out, 1, 100, 80));
        std::vector<Flow> drained;
        no_file.drain(drained);
        CHECK(drained.at(0).file_offsets.empty());
        espcap::JsonBuffer record;
        write_flow_document(drained[0], "", record);
        CHECK(record.str().find("file_offsets") == std::string::npos);
    }
}

TEST_CASE("flows and flow_timeout are validated options", "[flows][options]") {
    const espcap::OptionsResult defaults = espcap::parse_options({});
    CHECK(defaults.options.flows == espcap::Options::Flows::off);
    CHECK(defaults.options.flow_timeout_seconds == 300);
    const espcap::OptionsResult only = espcap::parse_options({{"flows", "only"}, {"flow_timeout", "60"}});
    REQUIRE(only.ok());
    CHECK(only.options.flows == espcap::Options::Flows::only);
    CHECK(only.options.flow_timeout_seconds == 60);
    CHECK(espcap::parse_options({{"flows", "true"}}).options.flows == espcap::Options::Flows::on);
    CHECK(espcap::parse_options({{"flows", "maybe"}}).error ==
          "option 'flows': expects true, false or only, got 'maybe'");
    CHECK(espcap::parse_options({{"flow_timeout", "0"}}).error ==
          "option 'flow_timeout': expects seconds from 1 to 86400, got '0'");
}

TEST_CASE("A flow spanning the INT64 limits has a duration that fits, without overflow (issue 27)",
          "[flows][issue27]") {
    FlowTable table(FlowLimits{});
    table.observe(packet(tuple(17, "10.0.0.1", "10.0.0.2", 5000, 53), 1, 1426696813, 60));
    std::vector<Flow> ended;
    table.drain(ended);
    Flow flow = ended.at(0);
    const auto duration_of = [&flow](std::int64_t first, std::int64_t last) {
        flow.first_secs = first;
        flow.last_secs = last;
        espcap::JsonBuffer out;
        write_flow_document(flow, "", out);
        const std::string text = out.str();
        const std::size_t at = text.find(R"("duration":)");
        REQUIRE(at != std::string::npos);
        return text.substr(at + 11, text.find_first_of(",}", at) - at - 11);
    };
    CHECK(duration_of(INT64_MIN, INT64_MAX) == "9223372036854775807");  // saturated
    CHECK(duration_of(INT64_MAX, INT64_MIN) == "0");                    // the last before the first
    CHECK(duration_of(INT64_MAX - 2, INT64_MAX) == "2000000000");
    CHECK(duration_of(INT64_MIN, INT64_MIN + 9223372036) == "9223372036000000000");
}
