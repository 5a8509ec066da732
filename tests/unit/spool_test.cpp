// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "bulk_batch.h"
#include "spool.h"
#include "spooled_mappings.h"
#include "temporary_folder.h"

namespace fs = std::filesystem;
using espcap::Endpoint;
using espcap::exporter::BulkBatch;
using espcap::exporter::Spool;

namespace {

struct TemporaryFolder : espcap::test::TemporaryFolder {
    TemporaryFolder() : espcap::test::TemporaryFolder("espcap-spool-test") {}
};

BulkBatch batch_of(int documents) {
    BulkBatch batch;
    for (int i = 0; i < documents; ++i) {
        batch.begin_document("packets-2015-07-30", "c0ffee-" + std::to_string(i));
        batch.buffer() += R"({"layers":{"frame":{"frame_frame_number":")" + std::to_string(i) + "\"}}}";
        batch.end_document();
    }
    return batch;
}

// Mappings as a run writes them for batch_of()'s index; `tag` tells two apart.
std::string mappings_of(const std::string &tag) {
    espcap::exporter::SpooledMappings mappings;
    mappings.template_spec.index_prefix = "packets";
    mappings.fields = {{"packets-2015-07-30", "layers." + tag + ".field", "long"}};
    return espcap::exporter::spooled_mappings_json(mappings);
}

Endpoint node(const std::string &host, std::uint16_t port) {
    Endpoint e;
    e.scheme = "http";
    e.host = host;
    e.port = port;
    return e;
}

}  // namespace

TEST_CASE("A spooled batch comes back document for document", "[export][spool]") {
    TemporaryFolder root;
    Spool spool(root.path.string(), {node("127.0.0.1", 9200)}, 1 << 20);
    REQUIRE(spool.open().empty());
    CHECK(spool.folder() == (root.path / "127.0.0.1_9200").string());

    const BulkBatch sent = batch_of(5);
    REQUIRE(spool.store(sent, {0, 1, 2, 3, 4}, "").empty());
    REQUIRE(spool.store(sent, {1, 3}, "").empty());  // only the documents that were not delivered

    const auto files = spool.pending_files();
    REQUIRE(files.size() == 2);
    BulkBatch loaded;
    std::string mappings = "stale", error;
    REQUIRE(spool.load(files[0], loaded, mappings, error) == Spool::Loaded::ok);
    CHECK(mappings.empty());  // stored without any
    CHECK(loaded.body() == sent.body());
    REQUIRE(spool.load(files[1], loaded, mappings, error) == Spool::Loaded::ok);
    REQUIRE(loaded.document_count() == 2);
    CHECK(loaded.document_lines(0) == sent.document_lines(1));
    CHECK(loaded.document_lines(1) == sent.document_lines(3));

    spool.remove(files[0]);
    CHECK(spool.pending_files() == std::vector<std::string>{files[1]});
}

TEST_CASE("A spooled batch keeps its mappings, and loses them with it", "[export][spool]") {
    TemporaryFolder root;
    Spool spool(root.path.string(), {node("127.0.0.1", 9200)}, 1 << 20);
    REQUIRE(spool.open().empty());
    const BulkBatch sent = batch_of(3);
    REQUIRE(spool.store(sent, {0, 1, 2}, mappings_of("first")).empty());
    REQUIRE(spool.store(sent, {2}, mappings_of("second")).empty());
    const auto files = spool.pending_files();
    REQUIRE(files.size() == 2);  // mappings files are not batches to replay

    BulkBatch loaded;
    std::string mappings, error;
    REQUIRE(spool.load(files[1], loaded, mappings, error) == Spool::Loaded::ok);
    CHECK(mappings == mappings_of("second"));
    CHECK(loaded.document_count() == 1);

    spool.remove(files[1]);
    std::size_t left = 0;
    for (const auto &entry : fs::directory_iterator(spool.folder()))
        left += entry.path().filename().string()[0] != '.';
    CHECK(left == 2);  // the first batch and its mappings
    const std::string damaged = spool.set_aside(files[0], Spool::Loaded::damaged);
    CHECK(fs::exists(damaged));
    REQUIRE(spool.pending_files().empty());
}

TEST_CASE("The spool keeps to its size bound and says so", "[export][spool]") {
    TemporaryFolder root;
    Spool spool(root.path.string(), {node("es.example", 9200)}, 400);
    REQUIRE(spool.open().empty());
    const BulkBatch batch = batch_of(50);
    std::string error;
    for (int i = 0; i < 10 && error.empty(); ++i) error = spool.store(batch, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "");
    CHECK_THAT(error, Catch::Contains("is full"));
    std::uintmax_t on_disk = 0;
    for (const auto &file : spool.pending_files()) on_disk += fs::file_size(file);
    CHECK(on_disk <= 400);
    CHECK(on_disk > 0);

    // A new process starts from what the folder already holds.
    Spool again(root.path.string(), {node("es.example", 9200)}, 400);
    REQUIRE(again.open().empty());
    CHECK_THAT(again.store(batch, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, ""), Catch::Contains("is full"));
}

TEST_CASE("The spool folder is made by the first batch stored, not before", "[export][spool]") {
    TemporaryFolder root;
    Spool spool((root.path / "spool").string(), {node("127.0.0.1", 9200)}, 1 << 20);
    REQUIRE(spool.open().empty());
    CHECK_FALSE(fs::exists(root.path / "spool"));  // runs that never spool leave nothing
    CHECK(spool.pending_files().empty());
    REQUIRE(spool.store(batch_of(2), {0, 1}, "").empty());
    CHECK(spool.pending_files().size() == 1);

    std::ofstream(root.path / "a-file") << "x";
    Spool under_a_file((root.path / "a-file" / "spool").string(), {node("127.0.0.1", 9200)}, 1 << 20);
    CHECK_THAT(under_a_file.open(), Catch::Contains("cannot create spool folder"));
}

TEST_CASE("Damaged spool files are refused and set aside", "[export][spool]") {
    TemporaryFolder root;
    Spool spool(root.path.string(), {node("::1", 9201)}, 1 << 20);
    REQUIRE(spool.open().empty());
    CHECK(fs::path(spool.folder()).filename() == "__1_9201");
    fs::create_directories(spool.folder());
    const std::string damaged = spool.folder() + "/00000000000000000001-1-0.ndjson.gz";
    std::ofstream(damaged) << "this is not gzip";
    BulkBatch batch;
    std::string mappings, error;
    CHECK(spool.load(damaged, batch, mappings, error) == Spool::Loaded::damaged);
    CHECK_THAT(error, Catch::Contains("damaged gzip data"));
    CHECK(spool.set_aside(damaged, Spool::Loaded::damaged) == damaged + ".damaged");
    CHECK(spool.pending_files().empty());
}

TEST_CASE("Only one process replays a spool folder at a time", "[export][spool]") {
    TemporaryFolder root;
    Spool first(root.path.string(), {node("127.0.0.1", 9200)}, 1 << 20);
    Spool second(root.path.string(), {node("127.0.0.1", 9200)}, 1 << 20);
    REQUIRE(first.open().empty());
    REQUIRE(second.open().empty());
    fs::create_directories(first.folder());
    REQUIRE(first.try_lock_replay());
    CHECK_FALSE(second.try_lock_replay());  // flock is per open file, so this models two processes
    first.unlock_replay();
    CHECK(second.try_lock_replay());
}

TEST_CASE("A bulk body is split back into its documents", "[export][spool]") {
    BulkBatch batch;
    CHECK(batch.assign_body("{\"create\":{}}\n{\"a\":1}\n{\"create\":{}}\n{\"b\":2}\n"));
    CHECK(batch.document_count() == 2);
    CHECK(batch.document_lines(1) == "{\"create\":{}}\n{\"b\":2}\n");
    CHECK_FALSE(batch.assign_body("{\"create\":{}}\n"));              // an action without its document
    CHECK_FALSE(batch.assign_body("{\"create\":{}}\n{\"a\":1}"));     // cut off mid-line
    CHECK(batch.empty());
}

TEST_CASE("spool_max bounds the folder, whichever process wrote to it", "[export][spool][issue13]") {
    TemporaryFolder root;
    const BulkBatch batch = batch_of(50);
    const std::vector<std::size_t> ten = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    // Two Spool objects on one folder: two runs spooling at once.
    Spool first(root.path.string(), {node("es.example", 9200)}, 1200);
    Spool second(root.path.string(), {node("es.example", 9200)}, 1200);
    REQUIRE(first.open().empty());
    REQUIRE(second.open().empty());
    std::string first_error, second_error;
    for (int i = 0; i < 20 && (first_error.empty() || second_error.empty()); ++i) {
        if (first_error.empty()) first_error = first.store(batch, ten, R"({"fields":"x"})");
        if (second_error.empty()) second_error = second.store(batch, ten, R"({"fields":"x"})");
    }
    CHECK_THAT(first_error, Catch::Contains("is full"));
    CHECK_THAT(second_error, Catch::Contains("is full"));
    std::uintmax_t on_disk = 0;
    for (const auto &entry : fs::directory_iterator(first.folder()))
        if (entry.path().filename().string()[0] != '.') on_disk += entry.file_size();
    CHECK(on_disk <= 1200);
    CHECK(on_disk > 600);
}

TEST_CASE("A batch's mappings are kept gzipped, and older plain ones still read", "[export][spool][issue13]") {
    TemporaryFolder root;
    Spool spool(root.path.string(), {node("127.0.0.1", 9200)}, 1 << 20);
    REQUIRE(spool.open().empty());
    // Thousands of fields, as a day index of a rich capture has.
    espcap::exporter::SpooledMappings many;
    many.template_spec.index_prefix = "packets";
    for (int i = 0; i < 3000; ++i)
        many.fields.push_back({"packets-2015-07-30",
                               "layers.proto" + std::to_string(i % 300) + ".proto_field_" + std::to_string(i), "long"});
    const std::string mappings = espcap::exporter::spooled_mappings_json(many);
    REQUIRE(spool.store(batch_of(2), {0, 1}, mappings).empty());
    const auto files = spool.pending_files();
    REQUIRE(files.size() == 1);
    const std::string batch_file = files[0];
    const std::string stem = batch_file.substr(0, batch_file.size() - std::string(".ndjson.gz").size());
    REQUIRE(fs::exists(stem + ".mappings.json.gz"));
    const auto kept = fs::file_size(stem + ".mappings.json.gz");
    CHECK(kept * 5 < mappings.size());  // measured: 130 KB of JSON keep in 10 KB
    BulkBatch loaded;
    std::string read_back, error;
    REQUIRE(spool.load(batch_file, loaded, read_back, error) == Spool::Loaded::ok);
    CHECK(read_back == mappings);

    // A spool written by an older espcap: NAME.mappings.json, plain.
    fs::remove(stem + ".mappings.json.gz");
    std::ofstream(stem + ".mappings.json") << mappings_of("plain");
    REQUIRE(spool.load(batch_file, loaded, read_back, error) == Spool::Loaded::ok);
    CHECK(read_back == mappings_of("plain"));
    spool.remove(batch_file);
    CHECK_FALSE(fs::exists(stem + ".mappings.json"));
}

TEST_CASE("A replay lists the files only once it holds the lock", "[export][spool][issue13]") {
    TemporaryFolder root;
    Spool first(root.path.string(), {node("127.0.0.1", 9200)}, 1 << 20);
    Spool second(root.path.string(), {node("127.0.0.1", 9200)}, 1 << 20);
    REQUIRE(first.open().empty());
    REQUIRE(second.open().empty());
    REQUIRE(first.store(batch_of(2), {0, 1}, "").empty());
    std::vector<std::string> files, others;
    REQUIRE(first.begin_replay(files));
    CHECK(files.size() == 1);
    CHECK_FALSE(second.begin_replay(others));
    CHECK(others.empty());  // nothing that the first may be about to remove
    first.remove(files[0]);
    first.unlock_replay();
    REQUIRE(second.begin_replay(others));
    CHECK(others.empty());
    second.unlock_replay();
    CHECK_FALSE(second.wait_for_other_replay());  // nobody replays now
}
