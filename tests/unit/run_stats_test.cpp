// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "run_stats.h"
#include "stats_file.h"
#include "temporary_folder.h"

using espcap::exporter::RunStats;

TEST_CASE("The summary line says what happened", "[export][summary]") {
    RunStats stats;
    stats.packets_seen = 1268;
    stats.documents_indexed = 1268;
    stats.bytes_sent = 5 * 1024 * 1024;
    stats.seconds = 1.5;
    stats.sent_to_node = true;
    stats.indices = {"packets-2015-07-30"};
    CHECK(stats.summary_line() ==
          "espcap: 1268 packets, 1268 indexed, 0 failed, 5.0 MiB sent in 1.50 s (packets-2015-07-30)");
    CHECK_FALSE(stats.failed());

    SECTION("failures name the first error") {
        stats.documents_failed = 2;
        stats.note_error("HTTP 400: mapper_parsing_exception");
        stats.note_error("a later error");
        CHECK(stats.failed());
        CHECK_THAT(stats.summary_line(), Catch::EndsWith("; first error: HTTP 400: mapper_parsing_exception"));
    }
    SECTION("many indices are abbreviated") {
        stats.indices = {"p-1", "p-2", "p-3", "p-4", "p-5"};
        CHECK_THAT(stats.summary_line(), Catch::EndsWith("(p-1, p-2, p-3 and 2 more)"));
    }
}

TEST_CASE("Documents already indexed by an earlier run are counted apart, not as failures", "[export][summary]") {
    RunStats stats;
    stats.packets_seen = 10;
    stats.documents_indexed = 4;
    stats.documents_duplicate = 6;
    stats.sent_to_node = true;
    CHECK_THAT(stats.summary_line(), Catch::StartsWith("espcap: 10 packets, 4 indexed, 0 failed, 6 already indexed,"));
    CHECK_FALSE(stats.failed());
}

TEST_CASE("Malformed packets are counted after the delivery counts, and only when there are some",
          "[export][summary]") {
    RunStats stats;
    stats.packets_seen = 66;
    stats.documents_indexed = 66;
    stats.bytes_sent = 2048;
    stats.sent_to_node = true;
    CHECK_THAT(stats.summary_line(), !Catch::Contains("malformed"));

    stats.packets_malformed = 2;
    CHECK_THAT(stats.summary_line(), Catch::StartsWith("espcap: 66 packets, 66 indexed, 0 failed, 2 malformed, 2.0 KiB sent in "));

    SECTION("also when writing only to a file") {
        stats.sent_to_node = false;
        stats.wrote_file = true;
        stats.documents_written = 66;
        CHECK_THAT(stats.summary_line(), Catch::StartsWith("espcap: 66 packets, 2 malformed, 66 written to file in "));
    }
}

TEST_CASE("Merging two runs' counts adds every counter and keeps the first error", "[export][summary]") {
    RunStats round;
    std::uint64_t next = 1;
    for (std::uint64_t *counter :
         {&round.packets_seen, &round.packets_malformed, &round.documents_indexed, &round.documents_failed,
          &round.documents_duplicate, &round.documents_dead_lettered, &round.documents_spooled,
          &round.replayed_indexed, &round.replayed_duplicates, &round.replayed_failed, &round.documents_written,
          &round.documents_not_written, &round.flows_written, &round.flow_updates, &round.documents_retried,
          &round.documents_outside_retention, &round.bytes_sent})
        *counter = next++;
    round.seconds = 0.5;
    round.indices = {"packets-2015-08-14"};
    round.dead_letter_path = "dead.ndjson";
    round.first_error = "HTTP 400: first";

    RunStats total;
    total.merge(round);
    RunStats second = round;
    second.first_error = "HTTP 500: second";
    second.indices = {"packets-2015-07-30"};
    total.merge(second);

    CHECK(total.packets_seen == 2 * round.packets_seen);
    CHECK(total.documents_dead_lettered == 2 * round.documents_dead_lettered);
    CHECK(total.replayed_failed == 2 * round.replayed_failed);
    CHECK(total.documents_retried == 2 * round.documents_retried);
    CHECK(total.bytes_sent == 2 * round.bytes_sent);
    CHECK(total.documents_outside_retention == 2 * round.documents_outside_retention);
    CHECK(total.seconds == 1.0);
    CHECK(total.first_error == "HTTP 400: first");
    CHECK(total.indices == std::set<std::string>{"packets-2015-07-30", "packets-2015-08-14"});
    CHECK(total.dead_letter_path == "dead.ndjson");
}

TEST_CASE("The stats file holds every count as JSON and replaces the last run's file", "[export][summary]") {
    espcap::test::TemporaryFolder folder;
    const std::string path = (folder.path / "stats.json").string();
    RunStats stats;
    stats.packets_seen = 108;
    stats.documents_indexed = 100;
    stats.documents_duplicate = 8;
    stats.flows_written = 3;
    stats.bytes_sent = 4096;
    stats.seconds = 0.25;
    stats.sent_to_node = true;
    stats.indices = {"packets-2015-08-14", "packets-flows-2015-08-14"};
    {
        std::ofstream old(path);
        old << "{\"packets\": 1, \"a longer file from an earlier run\": true, \"padding\": \"..........\"}";
    }

    REQUIRE(espcap::exporter::write_stats_file(path, stats).empty());
    std::ifstream in(path);
    const nlohmann::json json = nlohmann::json::parse(in);
    CHECK(json["packets"] == 108);
    CHECK(json["indexed"] == 100);
    CHECK(json["already_indexed"] == 8);
    CHECK(json["failed"] == 0);
    CHECK(json["spooled"] == 0);
    CHECK(json["flow_records"] == 3);
    CHECK(json["bytes_sent"] == 4096);
    CHECK(json["seconds"] == 0.25);
    CHECK(json["indices"] == nlohmann::json::array({"packets-2015-08-14", "packets-flows-2015-08-14"}));
    CHECK(json["first_error"].is_null());
    CHECK(json["outcome"] == "delivered");
    CHECK_FALSE(json.contains("padding"));
    CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    // Nothing left beside it.
    CHECK(std::distance(std::filesystem::directory_iterator(folder.path), std::filesystem::directory_iterator()) == 1);

    SECTION("a failed run says its first error, even one with bytes that are not UTF-8") {
        stats.documents_failed = 1;
        stats.note_error("HTTP 400: \xff bad");
        REQUIRE(espcap::exporter::write_stats_file(path, stats).empty());
        std::ifstream again(path);
        const nlohmann::json failed = nlohmann::json::parse(again);
        CHECK(failed["outcome"] == "failed");
        CHECK_THAT(failed["first_error"].get<std::string>(), Catch::StartsWith("HTTP 400: "));
    }
    SECTION("a file that cannot be written is an error, and no old file stays to be misread") {
        const std::string in_missing_folder = (folder.path / "missing" / "stats.json").string();
        CHECK_THAT(espcap::exporter::write_stats_file(in_missing_folder, stats),
                   Catch::StartsWith("cannot write the stats file '" + in_missing_folder + "': "));
    }
}
