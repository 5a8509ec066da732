// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "options.h"
#include "retention.h"

using espcap::exporter::daily_index_day;
using espcap::exporter::outside_retention;

TEST_CASE("Only PREFIX-YYYY-MM-DD and PREFIX-flows-YYYY-MM-DD with real dates are daily indices",
          "[export][retention]") {
    CHECK(daily_index_day("packets-1970-01-01", "packets") == 0);
    CHECK(daily_index_day("packets-2015-08-14", "packets") == 16661);
    CHECK(daily_index_day("packets-flows-2015-08-14", "packets") == 16661);
    CHECK(daily_index_day("packets-2016-02-29", "packets") == 16860);
    for (const char *other : {"packets-notes", "packets", "packets-", "packets-2015-08-14x", "packets-2015-8-14",
                              "packets-2015-02-29", "packets-2015-13-01", "packets-2015-04-31",
                              "packets-other-2015-08-14", "packetsx-2015-08-14", "lab-2015-08-14",
                              "packets-no-timestamp", "packets-flows-notes"}) {
        CAPTURE(other);
        CHECK_FALSE(daily_index_day(other, "packets"));
    }
}

TEST_CASE("An index is outside retention when its day is more than DAYS days before today", "[export][retention]") {
    const std::int64_t today = 20000;
    const std::string day_30_ago = "p-2024-09-04";  // day 19970
    REQUIRE(daily_index_day(day_30_ago, "p") == 19970);
    CHECK_FALSE(outside_retention(day_30_ago, "p", 30, today));
    CHECK(outside_retention("p-2024-09-03", "p", 30, today));
    CHECK(outside_retention("p-flows-2024-09-03", "p", 30, today));
    CHECK_FALSE(outside_retention("p-notes", "p", 30, today));
    CHECK_FALSE(outside_retention("p-2024-09-03", "q", 30, today));
}

TEST_CASE("retention is off by default, a number of days, or off", "[options][retention]") {
    CHECK(espcap::parse_options({}).options.retention_days == 0);
    CHECK(espcap::parse_options({{"retention", "30"}}).options.retention_days == 30);
    CHECK(espcap::parse_options({{"retention", "off"}}).options.retention_days == 0);
    for (const char *bad : {"0", "-1", "30d", "36501", ""}) {
        CAPTURE(bad);
        CHECK_THAT(espcap::parse_options({{"retention", bad}}).error, Catch::Contains("'retention'"));
    }
}
