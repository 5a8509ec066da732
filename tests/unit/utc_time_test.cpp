// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "daily_index.h"
#include "utc_time.h"

using espcap::tap::DailyIndex;

namespace {
std::string date_time(std::int64_t secs) { return espcap::tap::utc_date_time(espcap::tap::to_utc(secs)); }
}  // namespace

TEST_CASE("UTC date and time of epoch seconds", "[tap][time]") {
    CHECK(date_time(0) == "1970-01-01T00:00:00");
    CHECK(date_time(1438233730) == "2015-07-30T05:22:10");
    CHECK(date_time(951782400) == "2000-02-29T00:00:00");  // leap day
    CHECK(date_time(-1) == "1969-12-31T23:59:59");
    CHECK(date_time(18446744073204LL) == "586524-01-19T07:53:24");  // corpus/pcapng-example
}

TEST_CASE("Years have at least four characters, sign included, as printf's %04d", "[tap][time]") {
    CHECK(date_time(-62135596800LL) == "0001-01-01T00:00:00");
    CHECK(date_time(-62167219200LL) == "0000-01-01T00:00:00");
    CHECK(date_time(-62198755200LL) == "-001-01-01T00:00:00");
}

TEST_CASE("The index is named after the packet's UTC day", "[tap][index]") {
    DailyIndex index("packets");
    CHECK(index.name_for(1438233730) == "packets-2015-07-30");
    SECTION("the last second of a day and the first of the next") {
        CHECK(index.name_for(1438300799) == "packets-2015-07-30");
        CHECK(index.name_for(1438300800) == "packets-2015-07-31");
        CHECK(index.name_for(1438300799) == "packets-2015-07-30");  // the cache follows back
    }
    SECTION("before 1970") {
        CHECK(index.name_for(-1) == "packets-1969-12-31");
        CHECK(index.name_for(-86400) == "packets-1969-12-31");
        CHECK(index.name_for(-86401) == "packets-1969-12-30");
    }
    SECTION("another prefix") {
        DailyIndex other("lab");
        CHECK(other.name_for(0) == "lab-1970-01-01");
    }
}

TEST_CASE("A packet without a timestamp goes to PREFIX-no-timestamp, not to 1970 (issue 13 item 11b)",
          "[tap][time]") {
    DailyIndex index("lab");
    CHECK(index.name_for(false, 0) == "lab-no-timestamp");
    CHECK(index.name_for(true, 0) == "lab-1970-01-01");  // a real timestamp of epoch 0
    CHECK(index.name_for(false, 1438233730) == "lab-no-timestamp");
    CHECK(index.name_for(true, 1438233730) == "lab-2015-07-30");
}

TEST_CASE("Timestamps at the INT64 limits convert without overflow (issue 27)", "[tap][time][issue27]") {
    // Checked against Python's calendar moved by whole 400-year cycles of 146097 days.
    CHECK(date_time(INT64_MAX) == "292277026596-12-04T15:30:07");
    CHECK(date_time(INT64_MIN) == "-292277022657-01-27T08:29:52");
    CHECK(date_time(INT64_MIN + 1) == "-292277022657-01-27T08:29:53");
    CHECK(espcap::tap::epoch_day(INT64_MIN) == -106751991167301);
}
