// SPDX-License-Identifier: GPL-2.0-or-later
// What a replay sends from a spool file (replay_policy.h): espcap's own actions into
// espcap's own indices, from files only this user could have written (issue 27).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "bulk_batch.h"
#include "gzip.h"
#include "replay_policy.h"
#include "spool.h"
#include "spooled_mappings.h"
#include "temporary_folder.h"

namespace fs = std::filesystem;
using namespace espcap::exporter;
using Catch::Contains;

namespace {

constexpr const char *kDocument = R"({"layers":{}})";

BulkBatch batch_from(const std::string &body) {
    BulkBatch batch;
    REQUIRE(batch.assign_body(body));
    return batch;
}

// A spool folder with one file written by hand, as someone with write access to the
// folder could: `body` gzipped, and `mappings` beside it unless empty.
struct HandWrittenSpool {
    espcap::test::TemporaryFolder root{"espcap-replay-policy"};
    Spool spool{root.path.string(), {espcap::Endpoint{"http", "127.0.0.1", 9200, ""}}, 1 << 20};
    std::string file;

    HandWrittenSpool(const std::string &body, const std::string &mappings = "") {
        fs::create_directories(spool.folder());
        file = spool.folder() + "/00000000000000000001-1-0.ndjson.gz";
        std::ofstream(file, std::ios::binary) << gzip_compress(body);
        if (!mappings.empty())
            std::ofstream(spool.folder() + "/00000000000000000001-1-0.mappings.json.gz", std::ios::binary)
                << gzip_compress(mappings);
    }
    Spool::Loaded load(std::string &error) {
        BulkBatch batch;
        std::string mappings;
        return spool.load(file, batch, mappings, error);
    }
};

std::string mappings_with(const std::string &prefix, const std::string &index, const std::string &summary = "") {
    SpooledMappings mappings;
    mappings.template_spec.index_prefix = prefix;
    mappings.template_spec.registry_summary_json = summary;
    mappings.fields = {{index, "layers.ip.ip_ip_src", "ip"}};
    return spooled_mappings_json(mappings);
}

}  // namespace

TEST_CASE("Only espcap's own index names are replayed", "[export][spool][issue27]") {
    for (const char *name : {"packets-2015-07-30", "packets-flows-2015-07-30", "packets-no-timestamp", "lab-2-1999-12-31",
                             "l\xc3\xa9o-2015-07-30"})
        CHECK(is_espcap_index_name(name));
    for (const char *name : {"victim", "packets", "packets-2015-13-01", "packets-2015-07-32", "packets-2015-7-30",
                             "*-2015-07-30", "-2015-07-30", "_all-2015-07-30", "Packets-2015-07-30",
                             "a/b-2015-07-30", "-no-timestamp", "packets-no-timestamp-x", "packets-2015-07-30x"})
        CHECK_FALSE(is_espcap_index_name(name));
}

TEST_CASE("Only the actions espcap writes are replayed", "[export][spool][issue27]") {
    BulkBatch ours;
    ours.begin_document("packets-2015-07-30", "c0ffee-1");
    ours.buffer() += kDocument;
    ours.end_document();
    ours.begin_document("packets-flows-2015-07-30", "f10w-2", 7);
    ours.buffer() += kDocument;
    ours.end_document();
    CHECK(check_replayable_actions(ours).empty());

    const std::string refused_line = GENERATE(as<std::string>{},
        R"({"delete":{"_index":"victim","_id":"1"}})",
        R"({"create":{"_index":"victim","_id":"1"}})",
        R"({"create":{"_index":"*","_id":"1"}})",
        R"({"update":{"_index":"packets-2015-07-30","_id":"1"}})",
        R"({"index":{"_index":"packets-2015-07-30","_id":"1"}})",  // overwrites, with no version
        R"({"create":{"_index":"packets-2015-07-30","_id":"1","pipeline":"p"}})",
        R"({"create":{"_index":"packets-2015-07-30","_index":"victim-2015-07-30","_id":"1"}})",
        R"({"create":{"_index":"packets-2015-07-30","_id":"1"},"delete":{"_index":"victim","_id":"1"}})",
        R"({"create": {"_index":"packets-2015-07-30","_id":"1"}})",
        R"({"index":{"_index":"packets-2015-07-30","_id":"1","version":-1,"version_type":"external"}})",
        R"({"index":{"_index":"packets-2015-07-30","_id":"1","version":2,"version_type":"external_gte"}})",
        R"([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])",
        "not json");
    const BulkBatch batch = batch_from(std::string(ours.body()) + refused_line + "\n" + kDocument + "\n");
    CHECK_THAT(check_replayable_actions(batch), Contains("action line 3"));
}

TEST_CASE("A hand-written spool file of deletes is refused and set aside", "[export][spool][issue27]") {
    HandWrittenSpool hand_written(std::string(R"({"delete":{"_index":"victim","_id":"1"}})") + "\n" + kDocument +
                                  "\n");
    std::string error;
    REQUIRE(hand_written.load(error) == Spool::Loaded::refused);
    CHECK_THAT(error, Contains("refused") && Contains("delete"));
    CHECK(hand_written.spool.set_aside(hand_written.file, Spool::Loaded::refused) == hand_written.file + ".refused");
    CHECK(hand_written.spool.pending_files().empty());
}

TEST_CASE("Spool files others could have written are refused", "[export][spool][issue27]") {
    BulkBatch ours;
    ours.begin_document("packets-2015-07-30", "c0ffee-1");
    ours.buffer() += kDocument;
    ours.end_document();
    HandWrittenSpool hand_written{std::string(ours.body())};
    std::string error;
    REQUIRE(hand_written.load(error) == Spool::Loaded::ok);

    SECTION("writable by the group or by anyone") {
        REQUIRE(::chmod(hand_written.file.c_str(), 0620) == 0);
        CHECK(hand_written.load(error) == Spool::Loaded::refused);
        CHECK_THAT(error, Contains("writable by other users (mode 0620)"));
    }
    SECTION("through a symbolic link") {
        const std::string elsewhere = hand_written.root.path.string() + "/elsewhere.ndjson.gz";
        fs::rename(hand_written.file, elsewhere);
        fs::create_symlink(elsewhere, hand_written.file);
        CHECK(hand_written.load(error) == Spool::Loaded::refused);
        CHECK_THAT(error, Contains("symbolic link"));
    }
    SECTION("owned by another user") {
        if (::geteuid() != 0) {
            WARN("not run: only root can give a file away");
            return;
        }
        REQUIRE(::chown(hand_written.file.c_str(), 65534, 65534) == 0);
        CHECK(hand_written.load(error) == Spool::Loaded::refused);
        CHECK_THAT(error, Contains("owned by uid 65534"));
    }
}

TEST_CASE("A spool file's mappings are checked as closely as its actions", "[export][spool][issue27]") {
    BulkBatch ours;
    ours.begin_document("packets-2015-07-30", "c0ffee-1");
    ours.buffer() += kDocument;
    ours.end_document();
    const std::string body(ours.body());
    std::string error;
    {
        HandWrittenSpool fine(body, mappings_with("packets", "packets-2015-07-30", R"({"fields":1})"));
        CHECK(fine.load(error) == Spool::Loaded::ok);
    }
    const std::string mappings = GENERATE(mappings_with("*", "packets-2015-07-30"),       // a template for every index
                                          mappings_with("packets", "victim"),              // a request path
                                          mappings_with("packets", "packets-2015-07-31"),  // not the batch's index
                                          mappings_with("packets", "packets-2015-07-30", "not json"),
                                          std::string("{"));
    HandWrittenSpool hand_written(body, mappings);
    CHECK(hand_written.load(error) == Spool::Loaded::refused);
    CHECK_THAT(error, Contains("refused"));
    const std::string kept = hand_written.spool.set_aside(hand_written.file, Spool::Loaded::refused);
    CHECK(fs::exists(hand_written.spool.folder() + "/00000000000000000001-1-0.mappings.json.gz.refused"));
    CHECK(fs::exists(kept));
}
