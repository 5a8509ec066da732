// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "program_options.h"

using espcap::read_program_options;

TEST_CASE("A program's KEY=VALUE arguments are read as tshark's -X keys", "[options]") {
    const char *argv[] = {"espcap-setup", "node=localhost:9200", "index=sensor1", "password=hunter2"};
    const auto given = read_program_options(4, argv);
    REQUIRE(given.ok());
    CHECK(given.options.index_prefix == "sensor1");
    CHECK(given.raw.size() == 3);
    // The secret on the command line is warned about, never repeated.
    REQUIRE(given.warnings.size() == 1);
    CHECK_THAT(given.warnings[0], Catch::Contains("password"));
    CHECK_THAT(given.warnings[0], !Catch::Contains("hunter2"));
}

TEST_CASE("Help, bad arguments and a missing node are told apart", "[options]") {
    const char *help[] = {"espcap-replay", "node=x:1", "--help"};
    CHECK(read_program_options(3, help).help);
    const char *no_equals[] = {"espcap-replay", "node"};
    CHECK_FALSE(read_program_options(2, no_equals).error.empty());
    const char *unknown[] = {"espcap-replay", "node=x:1", "colour=red"};
    CHECK_THAT(read_program_options(3, unknown).error, Catch::Contains("colour"));
    const char *no_node[] = {"espcap-replay", "index=x"};
    CHECK(read_program_options(2, no_node).error == "node= is required");
}
