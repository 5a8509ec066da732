// SPDX-License-Identifier: GPL-2.0-or-later
// BulkClient against a fake node (fake_node.h): what it sends again, what it splits,
// and what it gives up, request by request.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bulk_batch.h"
#include "bulk_client.h"
#include "fake_node.h"

using espcap::Options;
using espcap::exporter::BulkBatch;
using espcap::exporter::BulkClient;
using espcap::exporter::BulkOutcome;
using espcap::exporter::HttpResponse;
using espcap::fake::CapturingReporter;
using espcap::fake::fast_delivery;
using espcap::fake::FakeNode;
using espcap::fake::node_options;
using Catch::Contains;

namespace {

constexpr const char *kIndex = "packets-2015-07-30";

std::string id(std::size_t i) { return "doc-" + std::to_string(i); }

std::vector<std::string> ids(std::size_t from, std::size_t to) {
    std::vector<std::string> all;
    for (std::size_t i = from; i < to; ++i) all.push_back(id(i));
    return all;
}

// Documents `first`, `first` + 1, ... each with `padding` bytes of payload.
BulkBatch batch_of(std::size_t documents, std::size_t first = 0, std::size_t padding = 200) {
    BulkBatch batch;
    for (std::size_t i = first; i < first + documents; ++i) {
        batch.begin_document(kIndex, id(i));
        batch.buffer() += R"({"layers":{"frame":{"frame_frame_number":")" + std::to_string(i) + R"("}},"pad":")" +
                          std::string(padding, 'x') + "\"}";
        batch.end_document();
    }
    return batch;
}

}  // namespace

TEST_CASE("A batch too large for the node is halved until each part fits, in order", "[export][bulk]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));
    const BulkBatch batch = batch_of(8);
    const std::size_t limit = batch.byte_size() / 3;
    node.set_max_request_bytes(limit);

    const BulkOutcome outcome = client.send(batch);
    CHECK(outcome.indexed == 8);
    CHECK(outcome.rejected.empty());
    CHECK(node.stored(kIndex) == ids(0, 8));
    const auto requests = node.requests("POST", "/_bulk");
    REQUIRE(requests.size() > 2);
    CHECK(requests.front().wire_bytes == batch.byte_size());  // the whole batch first
    for (const auto &accepted : node.bulk_requests()) CHECK(accepted.plain_bytes <= limit);

    SECTION("the next batch is cut to the size learned, and meets no 413") {
        const std::size_t before = node.requests("POST", "/_bulk").size();
        const BulkOutcome second = client.send(batch_of(8, 8));
        CHECK(second.indexed == 8);
        CHECK(node.stored(kIndex) == ids(0, 16));
        const auto all = node.requests("POST", "/_bulk");
        REQUIRE(all.size() > before);
        for (std::size_t i = before; i < all.size(); ++i) CHECK(all[i].wire_bytes <= limit);
    }
}

TEST_CASE("A single document over the node's limit is rejected with 413, and the rest go", "[export][bulk]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));
    BulkBatch batch;
    for (std::size_t i = 0; i < 3; ++i) {
        batch.begin_document(kIndex, id(i));
        batch.buffer() += R"({"pad":")" + std::string(i == 1 ? 10000 : 10, 'x') + "\"}";
        batch.end_document();
    }
    node.set_max_request_bytes(2000);

    const BulkOutcome outcome = client.send(batch);
    CHECK(outcome.indexed == 2);
    REQUIRE(outcome.rejected.size() == 1);
    CHECK(outcome.rejected[0].document == 1);
    CHECK(outcome.rejected[0].status == 413);
    CHECK_FALSE(outcome.rejected[0].gave_up);  // too large stays too large
    CHECK_THAT(outcome.rejected[0].error, Contains("one document of " + std::to_string(batch.document_lines(1).size())));
    CHECK(node.stored(kIndex) == std::vector<std::string>{id(0), id(2)});

    SECTION("a batch of that one document alone") {
        BulkBatch alone;
        alone.begin_document(kIndex, "big");
        alone.buffer() += R"({"pad":")" + std::string(10000, 'x') + "\"}";
        alone.end_document();
        const BulkOutcome only = client.send(alone);
        CHECK(only.indexed == 0);
        REQUIRE(only.rejected.size() == 1);
        CHECK(only.rejected[0].status == 413);
    }
}

TEST_CASE("With gzip=auto, a plain body refused with 413 goes again compressed", "[export][bulk]") {
    FakeNode node;
    CapturingReporter reporter;
    Options options = node_options();
    options.gzip = Options::Compression::automatic;  // the node is on this machine: plain first
    BulkClient client(options, reporter, fast_delivery(options, node));
    const BulkBatch batch = batch_of(8);
    node.set_max_request_bytes(batch.byte_size() / 2);  // repeated padding compresses far below

    const BulkOutcome outcome = client.send(batch);
    CHECK(outcome.indexed == 8);
    const auto requests = node.requests("POST", "/_bulk");
    REQUIRE(requests.size() == 2);
    CHECK_FALSE(requests[0].gzipped);
    CHECK(requests[1].gzipped);
    CHECK(requests[1].body == std::string(batch.body()));
    CHECK(node.bulk_requests().size() == 1);  // one request split nothing
}

TEST_CASE("Items refused with 429 are sent again, and only they", "[export][bulk]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));
    node.refuse_document(id(2), 429, 2);
    node.refuse_document(id(5), 429, 1);

    const BulkOutcome outcome = client.send(batch_of(8));
    CHECK(outcome.indexed == 8);
    CHECK(outcome.rejected.empty());
    CHECK(outcome.retried == 3);  // two documents, then one
    const auto bulks = node.bulk_requests();
    REQUIRE(bulks.size() == 3);
    CHECK(bulks[0].ids == ids(0, 8));
    CHECK(bulks[1].ids == std::vector<std::string>{id(2), id(5)});
    CHECK(bulks[2].ids == std::vector<std::string>{id(2)});
    CHECK(node.stored(kIndex).size() == 8);
}

TEST_CASE("Past the retry budget, what the node still refuses is given up for later", "[export][bulk]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node, std::chrono::milliseconds(30)));

    SECTION("every request answered 503") {
        node.set_bulk_status(503);
        const BulkOutcome outcome = client.send(batch_of(4));
        CHECK(outcome.indexed == 0);
        REQUIRE(outcome.rejected.size() == 4);
        for (const auto &rejection : outcome.rejected) {
            CHECK(rejection.gave_up);
            CHECK(rejection.status == 0);
            CHECK_THAT(rejection.error, Contains("gave up after retrying for 30 ms") && Contains("HTTP 503"));
        }
        CHECK(node.requests("POST", "/_bulk").size() > 1);  // retried within the budget
    }
    SECTION("one item refused with 429 every time") {
        node.refuse_document(id(3), 429, 1000000);
        const BulkOutcome outcome = client.send(batch_of(4));
        CHECK(outcome.indexed == 3);
        REQUIRE(outcome.rejected.size() == 1);
        CHECK(outcome.rejected[0].document == 3);
        CHECK(outcome.rejected[0].gave_up);
        CHECK_THAT(outcome.rejected[0].error, Contains("es_rejected_execution_exception"));
        for (std::size_t k = 1; k < node.bulk_requests().size(); ++k)
            CHECK(node.bulk_requests()[k].ids == std::vector<std::string>{id(3)});
    }
    SECTION("the node cannot be reached") {
        node.set_up(false);
        const BulkOutcome outcome = client.send(batch_of(4));
        CHECK(outcome.indexed == 0);
        REQUIRE(outcome.rejected.size() == 4);
        CHECK(outcome.rejected[0].gave_up);
        CHECK_THAT(outcome.rejected[0].error, Contains("Connection refused"));
    }
    SECTION("a 400 is final at once, and not retried") {
        node.set_bulk_status(400);
        const BulkOutcome outcome = client.send(batch_of(4));
        REQUIRE(outcome.rejected.size() == 4);
        CHECK_FALSE(outcome.rejected[0].gave_up);
        CHECK(outcome.rejected[0].status == 400);
        CHECK(node.requests("POST", "/_bulk").size() == 1);
    }
}

TEST_CASE("409 counts as already indexed, unless a try of this request whose reply was lost stored it",
          "[export][bulk]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));

    SECTION("indexed by an earlier run") {
        node.store(kIndex, id(1));
        const BulkOutcome outcome = client.send(batch_of(4));
        CHECK(outcome.indexed == 3);
        CHECK(outcome.duplicates == 1);
        CHECK(outcome.rejected.empty());
    }
    SECTION("stored by the first try, whose reply never came") {
        HttpResponse lost;
        lost.transport_error = "Operation timed out";
        lost.request_sent = true;
        node.script("POST", "/_bulk", lost, /*act_first=*/true);
        const BulkOutcome outcome = client.send(batch_of(4));
        CHECK(outcome.indexed == 4);
        CHECK(outcome.duplicates == 0);
        CHECK(outcome.retried == 4);
        CHECK(node.requests("POST", "/_bulk").size() == 2);
    }
}
