// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "guarded.h"

using espcap::guarded;

TEST_CASE("guarded() runs the work and says whether it finished", "[plugin][guarded]") {
    std::vector<std::string> reported;
    const auto report = [&](const std::string &message) { reported.push_back(message); };
    int runs = 0;
    CHECK(guarded("tap", report, [&] { ++runs; }));
    CHECK(runs == 1);
    CHECK(reported.empty());
}

TEST_CASE("No exception leaves guarded(): it is reported with where it happened", "[plugin][guarded]") {
    std::vector<std::string> reported;
    const auto report = [&](const std::string &message) { reported.push_back(message); };
    CHECK_FALSE(guarded("packet tap", report, [] { throw std::runtime_error("type_error: invalid UTF-8"); }));
    CHECK_FALSE(guarded("shutdown", report, [] { throw 42; }));
    REQUIRE(reported.size() == 2);
    CHECK(reported[0] == "internal error in packet tap: type_error: invalid UTF-8");
    CHECK(reported[1] == "internal error in shutdown: unknown exception");
}

TEST_CASE("A reporter that throws does not let the exception out either", "[plugin][guarded]") {
    const auto report = [](const std::string &) { throw std::bad_alloc(); };
    CHECK_FALSE(guarded("menu", report, [] { throw std::logic_error("x"); }));
}
