// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <string>

#include "field_discovery.h"
#include "recently_used.h"

using espcap::RecentlyUsed;
using espcap::tap::FieldDiscovery;
using espcap::FieldType;

TEST_CASE("Only the entries used last are kept", "[tap][issue13]") {
    RecentlyUsed<int> recent(2);
    recent.insert("a", 1);
    recent.insert("b", 2);
    REQUIRE(recent.find("a") != nullptr);  // now "b" is the oldest
    recent.insert("c", 3);
    CHECK(recent.size() == 2);
    CHECK(recent.find("b") == nullptr);
    CHECK(*recent.find("a") == 1);
    CHECK(*recent.find("c") == 3);
    recent.erase("a");
    CHECK(recent.find("a") == nullptr);
    CHECK(recent.size() == 1);
}

TEST_CASE("A field is discovered once per index, and again in an index forgotten since", "[tap][issue13]") {
    FieldDiscovery discovery;
    const std::uint32_t ip = discovery.object_path(FieldDiscovery::kLayersPath, 1, "ip");
    auto day = [](int n) { return "packets-day-" + std::to_string(n); };

    discovery.select_index(day(0));
    discovery.note(ip, 2, "ip_ip_src", FieldType::ip);
    discovery.note(ip, 2, "ip_ip_src", FieldType::ip);
    REQUIRE(discovery.discovered().size() == 1);
    CHECK(discovery.discovered()[0].path == "layers.ip.ip_ip_src");
    discovery.discovered().clear();

    // Days after it, up to the bound: day 0 is still known.
    for (int n = 1; n < static_cast<int>(FieldDiscovery::kRememberedIndices); ++n) {
        discovery.select_index(day(n));
        discovery.note(ip, 2, "ip_ip_src", FieldType::ip);
    }
    CHECK(discovery.discovered().size() == FieldDiscovery::kRememberedIndices - 1);
    discovery.discovered().clear();
    discovery.select_index(day(0));
    discovery.note(ip, 2, "ip_ip_src", FieldType::ip);
    CHECK(discovery.discovered().empty());

    // Past the bound, the day used longest ago is forgotten: its fields are found again,
    // so their mappings are checked again before its next documents go.
    for (int n = 100; n < 100 + static_cast<int>(FieldDiscovery::kRememberedIndices); ++n) {
        discovery.select_index(day(n));
        discovery.note(ip, 2, "ip_ip_src", FieldType::ip);
    }
    discovery.discovered().clear();
    discovery.select_index(day(0));
    discovery.note(ip, 2, "ip_ip_src", FieldType::ip);
    REQUIRE(discovery.discovered().size() == 1);
    CHECK(discovery.discovered()[0].index == day(0));
}
