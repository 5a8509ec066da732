// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "flow_packets.h"

using namespace espcap::retrieve;

TEST_CASE("A flow record's start reads as frame.time_epoch prints it", "[retrieve][flows]") {
    CHECK(epoch_of_iso_time("2015-07-30T05:22:30.289854000Z") == "1438233750.289854000");
    CHECK(epoch_of_iso_time("1970-01-01T00:00:00.000000001Z") == "0.000000001");
    CHECK(epoch_of_iso_time("2015-07-30T05:22:30Z").empty());
    CHECK(epoch_of_iso_time("2015-07-30T05:22:30.289854000Z trailing").empty());
    CHECK(epoch_of_iso_time("").empty());
}

TEST_CASE("Flow records give their packets by file offset, the first with the flow's start time",
          "[retrieve][flows]") {
    const std::string reply = R"({"hits":{"hits":[
        {"_id":"f1","_index":"packets-flows-2015-07-30","_source":{"file_name":"a.pcap",
         "network":{"community_id":"1:abc"},"event":{"start":"2015-07-30T05:22:30.289854000Z"},
         "flow":{"file_offsets":[24,118,208]}}},
        {"_id":"f2","_index":"packets-flows-2015-07-30","_source":{"file_name":"a.pcap",
         "network":{"community_id":"1:abc"},"event":{"start":"2015-07-30T05:22:31.000000000Z"},
         "flow":{"file_offsets":[300],"file_offsets_complete":false}}},
        {"_id":"f3","_index":"packets-flows-2015-07-30","_source":{"interface":"eth0",
         "network":{"community_id":"1:abc"},"event":{"start":"2015-07-30T05:22:31.000000000Z"},"flow":{}}}]}})";
    std::vector<FlowRecord> records;
    std::string error;
    REQUIRE(parse_flow_hits(reply, records, error));
    REQUIRE(records.size() == 3);
    CHECK(records[0].offsets_complete);
    CHECK_FALSE(records[1].offsets_complete);
    CHECK_FALSE(records[2].offsets_complete);  // no offsets at all: a live capture without a file
    CHECK(records[0].community_id == "1:abc");

    const std::vector<IndexedPacket> packets = flow_packets({records[0]});
    REQUIRE(packets.size() == 3);
    CHECK(packets[0].file_name == "a.pcap");
    CHECK(packets[0].has_file_offset);
    CHECK(packets[0].file_offset == 24);
    CHECK(packets[0].time_epoch == "1438233750.289854000");
    CHECK(packets[2].file_offset == 208);
    CHECK(packets[2].time_epoch.empty());
}

TEST_CASE("A reply that is not a search reply, or too deep, is refused", "[retrieve][flows]") {
    std::vector<FlowRecord> records;
    std::string error;
    CHECK_FALSE(parse_flow_hits("{\"error\":\"no\"}", records, error));
    CHECK_FALSE(parse_flow_hits(std::string(100000, '[') + std::string(100000, ']'), records, error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("The flow search names the record by id or by Community ID", "[retrieve][flows]") {
    FlowQuery by_id;
    by_id.flow_id = "f1";
    CHECK(flow_search_body(by_id, 10).find(R"({"ids":{"values":["f1"]}})") != std::string::npos);
    FlowQuery by_community;
    by_community.community_id = "1:abc";
    CHECK(flow_search_body(by_community, 10).find(R"({"term":{"network.community_id":"1:abc"}})") != std::string::npos);
}
