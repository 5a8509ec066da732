// SPDX-License-Identifier: GPL-2.0-or-later
// Exporter against a fake node (fake_node.h): the queue's order, the spool while the
// node is away, and the counts at the end.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "exporter.h"
#include "fake_node.h"
#include "temporary_folder.h"

namespace fs = std::filesystem;
using espcap::JsonBuffer;
using espcap::Options;
using espcap::exporter::Exporter;
using espcap::exporter::FieldSpec;
using espcap::exporter::RunStats;
using espcap::fake::CapturingReporter;
using espcap::fake::eventually;
using espcap::fake::fast_delivery;
using espcap::fake::FakeNode;
using espcap::fake::node_options;
using espcap::fake::NodeState;
using Catch::Contains;

namespace {

struct TemporaryFolder : espcap::test::TemporaryFolder {
    TemporaryFolder() : espcap::test::TemporaryFolder("espcap-exporter-test") {}
};

constexpr const char *kIndex = "packets-2015-07-30";

std::string id(std::size_t i) { return "doc-" + std::to_string(i); }

std::vector<std::string> ids(std::size_t from, std::size_t to) {
    std::vector<std::string> all;
    for (std::size_t i = from; i < to; ++i) all.push_back(id(i));
    return all;
}

void add_documents(Exporter &exporter, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
        const std::string document = R"({"layers":{"frame":{"frame_frame_number":")" + std::to_string(i) + "\"}}}";
        exporter.add_document(kIndex, id(i), std::string_view(document));
    }
}

std::function<bool(const NodeState &)> holds(std::size_t documents) {
    return [documents](const NodeState &state) {
        const auto index = state.indices.find(kIndex);
        return index != state.indices.end() && index->second.ids.size() == documents;
    };
}

std::vector<std::string> lines_of(const fs::path &file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The ids of the action lines of an NDJSON bulk body or file.
std::vector<std::string> action_ids(const std::vector<std::string> &lines) {
    std::vector<std::string> found;
    for (std::size_t i = 0; i < lines.size(); i += 2)
        found.push_back(nlohmann::json::parse(lines[i])["create"]["_id"].get<std::string>());
    return found;
}

}  // namespace

TEST_CASE("The file and each request keep the capture's order, whichever sender sends them",
          "[export][exporter]") {
    TemporaryFolder folder;
    FakeNode node;
    CapturingReporter reporter;
    Options options = node_options();
    options.output_file = (folder.path / "out.ndjson").string();
    options.chunk = 3;
    options.senders = 4;
    Exporter exporter(options, reporter, fast_delivery(options, node));
    REQUIRE(exporter.start().empty());
    add_documents(exporter, 0, 60);
    const RunStats stats = exporter.finish();

    CHECK(stats.documents_indexed == 60);
    CHECK(stats.documents_written == 60);
    CHECK(stats.documents_failed == 0);
    CHECK(action_ids(lines_of(options.output_file)) == ids(0, 60));
    std::set<std::string> sent;
    for (const auto &bulk : node.bulk_requests()) {
        REQUIRE_FALSE(bulk.ids.empty());
        const std::size_t first = std::stoul(bulk.ids.front().substr(4));
        CHECK(bulk.ids == ids(first, first + bulk.ids.size()));  // a run of the capture
        sent.insert(bulk.ids.begin(), bulk.ids.end());
    }
    CHECK(sent.size() == 60);
    CHECK(node.stored(kIndex).size() == 60);
}

TEST_CASE("While the node is away batches wait in the spool, and go first once it answers",
          "[export][exporter][spool]") {
    TemporaryFolder folder;
    FakeNode node;
    CapturingReporter reporter;
    Options options = node_options();
    options.spool = (folder.path / "spool").string();
    options.dead_letter = (folder.path / "dead-letter.ndjson").string();
    options.chunk = 5;
    options.senders = 1;  // one sender: the spool files are the capture's order
    node.set_up(false);
    Exporter exporter(options, reporter, fast_delivery(options, node));
    REQUIRE(exporter.start().empty());
    CHECK_THAT(exporter.start_warning(), Contains("Connection refused") && Contains("spooling to"));

    add_documents(exporter, 0, 20);
    REQUIRE(eventually([&] { return exporter.spool_files_left() == 4; }));
    CHECK(node.stored_count() == 0);

    node.set_up(true);
    REQUIRE(node.wait_until(holds(20)));
    CHECK(node.stored(kIndex) == ids(0, 20));  // replayed oldest first
    add_documents(exporter, 20, 25);           // after the spool
    const RunStats stats = exporter.finish();
    CHECK(node.stored(kIndex) == ids(0, 25));
    CHECK(stats.documents_indexed == 25);  // this run's spooled and replayed: indexed
    CHECK(stats.documents_spooled == 0);
    CHECK(stats.documents_failed == 0);
    CHECK(stats.replayed_indexed == 0);
    CHECK(exporter.spool_files_left() == 0);
}

TEST_CASE("A node lost mid-run: past the retry budget its batches go to the spool, and come back with it",
          "[export][exporter][spool]") {
    TemporaryFolder folder;
    FakeNode node;
    CapturingReporter reporter;
    Options options = node_options();
    options.spool = (folder.path / "spool").string();
    options.dead_letter = (folder.path / "dead-letter.ndjson").string();
    options.chunk = 5;
    options.senders = 1;
    Exporter exporter(options, reporter, fast_delivery(options, node, std::chrono::milliseconds(20)));
    REQUIRE(exporter.start().empty());
    CHECK(exporter.start_warning().empty());
    add_documents(exporter, 0, 5);
    REQUIRE(node.wait_until(holds(5)));

    node.set_up(false);
    add_documents(exporter, 5, 10);
    REQUIRE(eventually([&] { return exporter.spool_files_left() == 1; }));

    SECTION("the node comes back before the end") {
        node.set_up(true);
        REQUIRE(node.wait_until(holds(10)));
        const RunStats stats = exporter.finish();
        CHECK(stats.documents_indexed == 10);
        CHECK(stats.documents_spooled == 0);
        CHECK(stats.documents_retried > 0);
        CHECK(exporter.spool_files_left() == 0);
    }
    SECTION("the node stays away: the spool keeps them for a later run") {
        const RunStats stats = exporter.finish();
        CHECK(stats.documents_indexed == 5);
        CHECK(stats.documents_spooled == 5);
        CHECK(stats.documents_failed == 0);
        CHECK_THAT(stats.summary_line(), Contains("5 spooled to " + exporter.spool_folder()));
        CHECK(exporter.spool_files_left() == 1);
    }
}

TEST_CASE("Without a spool, documents the node will not take within the retry budget fail into the dead-letter file",
          "[export][exporter]") {
    TemporaryFolder folder;
    FakeNode node;
    CapturingReporter reporter;
    Options options = node_options();
    options.dead_letter = (folder.path / "dead-letter.ndjson").string();
    options.chunk = 5;
    Exporter exporter(options, reporter, fast_delivery(options, node, std::chrono::milliseconds(20)));
    REQUIRE(exporter.start().empty());
    node.set_bulk_status(503);
    add_documents(exporter, 0, 5);
    const RunStats stats = exporter.finish();
    CHECK(stats.documents_indexed == 0);
    CHECK(stats.documents_failed == 5);
    CHECK(stats.documents_dead_lettered == 5);
    CHECK(stats.documents_spooled == 0);
    CHECK_THAT(stats.first_error, Contains("gave up after retrying"));
    CHECK(lines_of(options.dead_letter).size() == 5);
}

TEST_CASE("Documents the node already holds count as already indexed, not as failed", "[export][exporter]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    node.store(kIndex, id(1));
    node.store(kIndex, id(3));
    Exporter exporter(options, reporter, fast_delivery(options, node));
    REQUIRE(exporter.start().empty());
    add_documents(exporter, 0, 5);
    const RunStats stats = exporter.finish();
    CHECK(stats.documents_indexed == 3);
    CHECK(stats.documents_duplicate == 2);
    CHECK(stats.documents_failed == 0);
    CHECK_FALSE(stats.failed());
    CHECK_THAT(stats.summary_line(), Contains("3 indexed, 0 failed") && Contains("2 already indexed"));
}

TEST_CASE("A node that keeps silent does not hold up the start or the end of a run", "[export][exporter][spool]") {
    TemporaryFolder folder;
    FakeNode node;
    CapturingReporter reporter;
    Options options = node_options();
    options.spool = (folder.path / "spool").string();
    node.set_silent(true);
    Exporter exporter(options, reporter, fast_delivery(options, node));
    REQUIRE(exporter.start().empty());  // after banner_wait
    CHECK_THAT(exporter.start_warning(), Contains("no answer within 50 ms"));
    add_documents(exporter, 0, 3);
    const RunStats stats = exporter.finish();  // cancels the connector's request
    CHECK(stats.documents_spooled == 3);
    CHECK(exporter.spool_files_left() == 1);
}

TEST_CASE("The end of a run cuts a replay short after `timeout`, and the rest waits in the spool",
          "[export][exporter][spool][issue27]") {
    TemporaryFolder folder;
    FakeNode node;
    CapturingReporter reporter;
    Options options = node_options();
    options.spool = (folder.path / "spool").string();
    options.dead_letter = (folder.path / "dead-letter.ndjson").string();
    options.chunk = 5;
    options.senders = 1;
    options.timeout_seconds = 1;
    node.set_up(false);
    {
        Exporter earlier(options, reporter, fast_delivery(options, node));
        REQUIRE(earlier.start().empty());
        add_documents(earlier, 0, 20);
        REQUIRE(earlier.finish().documents_spooled == 20);  // four files
    }
    Exporter exporter(options, reporter, fast_delivery(options, node, std::chrono::minutes(1)));
    REQUIRE(exporter.start().empty());  // the node away: the replay starts once it answers
    node.set_silent_after_bulks(1);     // the replay's second request gets no answer
    node.set_up(true);
    REQUIRE(node.wait_until(holds(5)));

    // Waiting out the replay (as before issue 27), finish() would hang on this node: the
    // guard lets the test fail instead.
    std::atomic<bool> finished{false};
    std::thread guard([&] {
        eventually([&] { return finished.load(); }, std::chrono::seconds(20));
        node.set_silent_after_bulks(SIZE_MAX);
    });
    const auto started = std::chrono::steady_clock::now();
    const RunStats stats = exporter.finish();
    const auto took = std::chrono::steady_clock::now() - started;
    finished = true;
    guard.join();
    CHECK(took < std::chrono::seconds(5));  // timeout=1, then the cut
    CHECK(stats.replayed_indexed == 5);
    CHECK(node.stored_count() == 5);
    CHECK(exporter.spool_files_left() == 3);  // the cut file's documents stored again, and two untouched
    CHECK(stats.replayed_failed == 0);
}

TEST_CASE("New fields are mapped before the batch that uses them, through 429 and 5xx", "[export][exporter][mappings]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    espcap::exporter::HttpResponse busy;
    busy.status = GENERATE(429L, 503L);
    busy.body = R"({"error":"busy"})";
    // The index is new: its fields go with its creation request.
    const std::string creation = "/" + std::string(kIndex);
    node.script("PUT", creation, busy);
    node.script("PUT", creation, busy);
    Exporter exporter(options, reporter, fast_delivery(options, node));
    REQUIRE(exporter.start().empty());
    exporter.add_document(kIndex, id(0), [&](JsonBuffer &out) {
        out += R"({"layers":{"ip":{"ip_ip_src":"192.0.2.1"}}})";
        std::vector<FieldSpec> fields{{kIndex, "layers.ip.ip_ip_src", "ip"}};
        exporter.mappings().add(fields);
    });
    const RunStats stats = exporter.finish();
    CHECK(stats.documents_indexed == 1);
    CHECK(node.requests("PUT", creation).size() == 3);
    CHECK(node.properties(kIndex)["layers"]["properties"]["ip"]["properties"]["ip_ip_src"]["type"] == "ip");
    // The mapping went in before the document.
    const auto requests = node.requests();
    std::size_t last_mapping = 0, first_bulk = requests.size();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        if (requests[i].method == "PUT" && requests[i].path.rfind(creation, 0) == 0) last_mapping = i;
        if (requests[i].path.rfind("/_bulk", 0) == 0 && first_bulk == requests.size()) first_bulk = i;
    }
    CHECK(last_mapping < first_bulk);
    CHECK(reporter.warnings().empty());
}

TEST_CASE("A mapping the node refuses is a warning, and costs no document", "[export][exporter][mappings]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    espcap::exporter::HttpResponse refused;
    refused.status = 400;
    refused.body = R"({"error":{"type":"mapper_parsing_exception","reason":"no"},"status":400})";
    node.script("PUT", "/" + std::string(kIndex), refused);  // the creation with the fields
    node.script("PUT", "/_mapping", refused);                 // then the fields alone
    Exporter exporter(options, reporter, fast_delivery(options, node));
    REQUIRE(exporter.start().empty());
    for (std::size_t i = 0; i < 4; ++i) {
        exporter.add_document(kIndex, id(i), [&](JsonBuffer &out) {
            out += R"({"layers":{"udp":{"udp_udp_port":53,"udp_udp_length":40}}})";
            if (i > 0) return;  // the fields are new in the first document only
            std::vector<FieldSpec> fields{{kIndex, "layers.udp.udp_udp_port", "long"},
                                          {kIndex, "layers.udp.udp_udp_length", "long"}};
            exporter.mappings().add(fields);
        });
    }
    const RunStats stats = exporter.finish();
    CHECK(stats.documents_indexed == 4);
    CHECK(stats.documents_failed == 0);
    const auto warnings = reporter.warnings();
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Contains("cannot map 2 new fields in " + std::string(kIndex)) &&
                                Contains("HTTP 400") && Contains("mapper_parsing_exception"));
}
