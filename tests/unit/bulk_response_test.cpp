// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "bulk_batch.h"
#include "bulk_client.h"
#include "bulk_response.h"

using espcap::exporter::BulkBatch;
using espcap::exporter::parse_bulk_response;

TEST_CASE("A successful bulk reply gives one result per item", "[export][bulk]") {
    const auto reply = parse_bulk_response(
        R"({"errors":false,"items":[{"index":{"status":201}},{"create":{"status":200}}]})");
    REQUIRE(reply.parsed);
    REQUIRE(reply.items.size() == 2);
    CHECK(reply.items[0].succeeded());
    CHECK(reply.items[1].succeeded());
}

TEST_CASE("A partial failure names each failed item's reason", "[export][bulk]") {
    // Shape of a real Elasticsearch 8 reply with filter_path=errors,items.*.status,items.*.error
    const auto reply = parse_bulk_response(R"({"errors":true,"items":[
        {"index":{"status":201}},
        {"index":{"status":400,"error":{"type":"mapper_parsing_exception",
            "reason":"failed to parse field [layers.ip.ip_ip_len] of type [long]",
            "caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"x\""}}}},
        {"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]})");
    REQUIRE(reply.parsed);
    REQUIRE(reply.items.size() == 3);
    CHECK(reply.items[0].succeeded());
    CHECK(reply.items[1].status == 400);
    CHECK_THAT(reply.items[1].error, Catch::StartsWith("mapper_parsing_exception: failed to parse field"));
    CHECK_THAT(reply.items[1].error, Catch::Contains("caused by illegal_argument_exception"));
    CHECK(reply.items[2].status == 429);
}

TEST_CASE("An item refused by the node's security names the missing privilege", "[export][bulk][security]") {
    // Elasticsearch 8.8's item for a sensor role without create_index.
    const auto reply = parse_bulk_response(R"({"errors":true,"items":[
        {"create":{"status":403,"error":{"type":"security_exception","reason":"action [indices:admin/auto_create] is unauthorized for user [s] with effective roles [espcap_sensor] on indices [packets-2015-08-14], this action is granted by the index privileges [auto_configure,create_index,manage,all]"}}},
        {"create":{"status":403,"error":{"type":"cluster_block_exception","reason":"index [packets-2015-08-14] blocked by: [FORBIDDEN/8/index write (api)];"}}}]})");
    REQUIRE(reply.parsed);
    REQUIRE(reply.items.size() == 2);
    CHECK(reply.items[0].missing_privilege ==
          "the index privilege auto_configure is missing (for indices:admin/auto_create on packets-2015-08-14): "
          "add it to role espcap_sensor");
    CHECK_THAT(reply.items[0].error, Catch::StartsWith(reply.items[0].missing_privilege + "; security_exception"));
    CHECK(reply.items[1].missing_privilege.empty());  // a write block is no privilege: dead-lettered, exit 2
}

TEST_CASE("Replies that are not bulk replies are recognised", "[export][bulk]") {
    for (const char *body : {"", "<html>502 Bad Gateway</html>", "[]", R"({"error":"x"})",
                             R"({"items":[{"index":{}}]})", R"({"items":[42]})"}) {
        CAPTURE(body);
        const auto reply = parse_bulk_response(body);
        CHECK_FALSE(reply.parsed);
        CHECK_FALSE(reply.problem.empty());
    }
}

TEST_CASE("Stack overflow on a reply nested a million levels deep", "[export][bulk][regression]") {
    // A hostile server's 2 MB reply used to crash tshark through nlohmann::json's and
    // describe_error's recursion. It is now refused while it is parsed.
    constexpr std::size_t kDepth = 1000000;
    const std::string arrays = R"({"items":[{"create":{"status":400,"error":)" + std::string(kDepth, '[') +
                               std::string(kDepth, ']') + "}}]}";
    std::string causes = R"({"items":[{"create":{"status":400,"error":)";
    for (std::size_t i = 0; i < kDepth; ++i) causes += R"({"caused_by":)";
    causes += "{}" + std::string(kDepth, '}') + "}}]}";
    for (const std::string *body : std::initializer_list<const std::string *>{&arrays, &causes}) {
        const auto reply = parse_bulk_response(*body);
        CHECK_FALSE(reply.parsed);
        CHECK_THAT(reply.problem, Catch::Contains("nested more than"));
    }

    SECTION("a chain of causes as deep as Elasticsearch writes is still read") {
        const auto reply = parse_bulk_response(
            R"({"items":[{"create":{"status":400,"error":{"type":"a","reason":"1","caused_by":{"type":"b",)"
            R"("reason":"2","caused_by":{"type":"c","reason":"3","caused_by":{"type":"d","reason":"4"}}}}}}]})");
        REQUIRE(reply.parsed);
        CHECK(reply.items[0].error == "a: 1 (caused by b: 2 (caused by c: 3 (caused by d: 4)))");
    }
}

TEST_CASE("A batch is action and document line pairs", "[export][batch]") {
    BulkBatch batch;
    batch.begin_document("packets-2015-07-30", "c0ffee-1");
    batch.buffer() += R"({"a":1})";
    batch.end_document();
    batch.begin_document("packets-2015-07-31", "c0ffee-2");
    batch.buffer() += R"({"b":2})";
    batch.end_document();
    CHECK(batch.document_count() == 2);
    CHECK(batch.body() ==
          "{\"create\":{\"_index\":\"packets-2015-07-30\",\"_id\":\"c0ffee-1\"}}\n{\"a\":1}\n"
          "{\"create\":{\"_index\":\"packets-2015-07-31\",\"_id\":\"c0ffee-2\"}}\n{\"b\":2}\n");
    CHECK(batch.document_lines(1) == "{\"create\":{\"_index\":\"packets-2015-07-31\",\"_id\":\"c0ffee-2\"}}\n{\"b\":2}\n");
    batch.clear();
    CHECK(batch.empty());
    CHECK(batch.byte_size() == 0);
}

TEST_CASE("What a server sent is printed without its control characters", "[export][trace]") {
    using espcap::exporter::printable_for_terminal;
    CHECK(printable_for_terminal("ok \x1b[2J\r\nnext\x7f", 100) == "ok \\x1b[2J\\x0d\\x0anext\\x7f");
    CHECK(printable_for_terminal("abcdef", 3) == "abc... (3 bytes more)");
    CHECK(printable_for_terminal("caf\xc3\xa9", 100) == "caf\xc3\xa9");  // UTF-8 text stays readable
}

TEST_CASE("A versioned document goes in with op_type index and an external version", "[bulk]") {
    BulkBatch batch;
    batch.begin_document("packets-flows-2015-07-30", "abc", 7);
    batch.buffer() += "{}";
    batch.end_document();
    batch.begin_document("packets-2015-07-30", "def");
    batch.buffer() += "{}";
    batch.end_document();
    CHECK(batch.document_lines(0) ==
          "{\"index\":{\"_index\":\"packets-flows-2015-07-30\",\"_id\":\"abc\",\"version\":7,\"version_type\":\"external\"}}\n{}\n");
    CHECK(batch.document_lines(1) == "{\"create\":{\"_index\":\"packets-2015-07-30\",\"_id\":\"def\"}}\n{}\n");
}
