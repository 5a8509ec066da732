// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "packet_search.h"

using namespace espcap::retrieve;
using nlohmann::json;

TEST_CASE("The query, the query DSL and the time range are all required of a hit", "[retrieve]") {
    PacketQuery query;
    query.lucene = "protocol:dns";
    query.dsl = R"({"query":{"term":{"source.ip":"10.0.0.0/8"}}})";
    query.from = "2015-08-14";
    query.to = "1439596800000";
    std::string error;
    const json built = json::parse(search_query_json(query, error));
    CHECK(error.empty());
    const json &filters = built["bool"]["filter"];
    REQUIRE(filters.size() == 3);
    CHECK(filters[0] == json::parse(R"({"term":{"source.ip":"10.0.0.0/8"}})"));  // a whole body's query
    CHECK(filters[1]["query_string"]["query"] == "protocol:dns");
    CHECK(filters[2]["range"]["timestamp"] == json::parse(R"({"gte":"2015-08-14","lt":"1439596800000"})"));
}

TEST_CASE("A query DSL that is not a JSON object, or no query at all, is refused", "[retrieve]") {
    std::string error;
    PacketQuery query;
    CHECK(search_query_json(query, error).empty());
    CHECK_THAT(error, Catch::Contains("no query"));
    for (const char *dsl : {"[1]", "{", "{}", "\"term\""}) {
        query.dsl = dsl;
        error.clear();
        CHECK(search_query_json(query, error).empty());
        CHECK(error == "query_dsl is not a JSON object");
    }
}

TEST_CASE("A page of hits gives each packet's file, place and frame facts", "[retrieve]") {
    // Trimmed from an Elasticsearch 8.8.2 reply to a point-in-time search.
    const std::string reply = R"({"pit_id":"newpit","hits":{"hits":[
      {"_index":"packets-2015-08-14","_id":"abc","_source":{"file_name":"/c/dns.pcap","file_offset":248,
       "layers":{"frame":{"frame_frame_time_epoch":"1439587238.915946000","frame_frame_len":"79",
                          "frame_frame_cap_len":"79","frame_frame_number":"1"}}},"sort":[0,17]},
      {"_index":"packets-2015-08-14","_id":"def","_source":{"layers":{"frame":{"frame_frame_number":"2"}}},
       "sort":[0,18]}]}})";
    std::vector<IndexedPacket> packets;
    std::string last_sort, pit = "oldpit", error;
    REQUIRE(parse_hits_page(reply, packets, last_sort, pit, error));
    REQUIRE(packets.size() == 2);
    CHECK(packets[0].file_name == "/c/dns.pcap");
    CHECK(packets[0].has_file_offset);
    CHECK(packets[0].file_offset == 248);
    CHECK(packets[0].time_epoch == "1439587238.915946000");  // every nanosecond digit kept
    CHECK(packets[0].cap_len == "79");
    CHECK(packets[1].file_name.empty());  // a live document
    CHECK_FALSE(packets[1].has_file_offset);
    CHECK(last_sort == "[0,18]");
    CHECK(pit == "newpit");
    CHECK_FALSE(parse_hits_page(R"({"error":"x"})", packets, last_sort, pit, error));
    CHECK_FALSE(parse_hits_page(std::string(100000, '['), packets, last_sort, pit, error));
}

TEST_CASE("A hit whose frame facts are not numbers is marked, never looked for", "[retrieve]") {
    const auto hit = [](const std::string &offset, const std::string &number) {
        return R"({"_id":"x","_index":"i","_source":{"file_name":"a.pcap",)" +
               (offset.empty() ? std::string() : R"("file_offset":)" + offset + ",") +
               R"("layers":{"frame":{"frame_frame_time_epoch":"1.000000000","frame_frame_len":"60",
                 "frame_frame_cap_len":"60","frame_frame_number":)" + number + "}}}}";
    };
    const auto parsed = [&hit](const std::string &offset, const std::string &number) {
        std::vector<IndexedPacket> packets;
        std::string last_sort, pit, error;
        REQUIRE(parse_hits_page(R"({"hits":{"hits":[)" + hit(offset, number) + "]}}", packets, last_sort, pit, error));
        REQUIRE(packets.size() == 1);
        return packets[0];
    };
    CHECK(parsed("248", R"("7")").malformed.empty());
    CHECK(parsed(R"("248")", R"("7")").file_offset == 248);  // digits in a string are a number too
    CHECK(parsed("", "7").malformed.empty());
    // Issue 27: this reached tshark's -Y filter.
    CHECK_THAT(parsed("", R"("1} || frame.number >= 1 || frame.number in {1")").malformed,
               Catch::StartsWith("frame number '1} || frame.number >= 1 ||"));
    CHECK_THAT(parsed("-5", R"("7")").malformed, Catch::Contains("file offset"));
    CHECK_THAT(parsed(R"("1e3")", R"("7")").malformed, Catch::Contains("file offset"));
    CHECK_THAT(parsed(R"("99999999999999999999")", R"("7")").malformed, Catch::Contains("too large"));
    CHECK_THAT(parsed("1", R"("-7")").malformed, Catch::Contains("frame number"));
    CHECK_THAT(parsed("1", R"("")").malformed, Catch::Contains("frame number"));
}

TEST_CASE("A page with more hits than asked for is not a reply to the search", "[retrieve]") {
    std::string reply = R"({"hits":{"hits":[)";
    for (std::size_t i = 0; i <= kHitsPerPage; ++i) reply += std::string(i ? "," : "") + "{}";
    reply += "]}}";
    std::vector<IndexedPacket> packets;
    std::string last_sort, pit, error;
    CHECK_FALSE(parse_hits_page(reply, packets, last_sort, pit, error));
    CHECK_THAT(error, Catch::Contains("more than"));
    CHECK(packets.empty());
}
