// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>

#include "ek_member_grouper.h"

using espcap::tap::EkItem;
using espcap::tap::EkMember;
using espcap::tap::EkMemberGrouper;

namespace {

// Nodes are stand-ins: we only check which ones land in which member, in what order.
struct Grouped {
    std::vector<std::pair<std::uint32_t, std::vector<int>>> members;
};

Grouped group(const std::vector<EkItem> &items, const int *base) {
    EkMemberGrouper grouper;
    std::vector<EkMember> members;
    std::vector<const void *> nodes;
    grouper.group(items, members, nodes);
    Grouped result;
    for (const EkMember &m : members) {
        std::vector<int> instances;
        for (std::uint32_t i = 0; i < m.count; ++i)
            instances.push_back(static_cast<int>(static_cast<const int *>(nodes[m.first + i]) - base));
        result.members.emplace_back(m.name_id, instances);
    }
    return result;
}

}  // namespace

TEST_CASE("Distinct fields become one member each, in tree order", "[tap][ek]") {
    int n[3];
    const auto grouped = group({{0, 1, 10, &n[0]}, {0, 2, 20, &n[1]}, {0, 3, 30, &n[2]}}, n);
    REQUIRE(grouped.members.size() == 3);
    CHECK(grouped.members[0] == std::make_pair(10u, std::vector<int>{0}));
    CHECK(grouped.members[2] == std::make_pair(30u, std::vector<int>{2}));
}

TEST_CASE("A repeated field becomes one array member at its first place", "[tap][ek]") {
    int n[3];
    const auto grouped = group({{0, 1, 10, &n[0]}, {0, 2, 20, &n[1]}, {0, 1, 10, &n[2]}}, n);
    REQUIRE(grouped.members.size() == 2);
    CHECK(grouped.members[0] == std::make_pair(10u, std::vector<int>{0, 2}));
    CHECK(grouped.members[1] == std::make_pair(20u, std::vector<int>{1}));
}

TEST_CASE("Groups that tshark writes under the same name are merged group after group", "[tap][ek]") {
    // eth.addr (abbrev 5) under eth.dst (parent 1) and under eth.src (parent 2),
    // interleaved: tshark writes "eth_eth_addr":[a0,a2] ... "eth_eth_addr":a1, a merging
    // reader gets [a0,a2,a1].
    int n[4];
    const auto grouped = group({{1, 5, 7, &n[0]}, {2, 5, 7, &n[1]}, {1, 5, 7, &n[2]}, {1, 6, 8, &n[3]}}, n);
    REQUIRE(grouped.members.size() == 2);
    CHECK(grouped.members[0] == std::make_pair(7u, std::vector<int>{0, 2, 1}));
    CHECK(grouped.members[1] == std::make_pair(8u, std::vector<int>{3}));
}

TEST_CASE("An empty scope has no members", "[tap][ek]") {
    EkMemberGrouper grouper;
    std::vector<EkMember> members;
    std::vector<const void *> nodes;
    grouper.group({}, members, nodes);
    CHECK(members.empty());
    CHECK(nodes.empty());
}

TEST_CASE("Grouping appends after what the caller's stacks already hold", "[tap][ek]") {
    int n[2];
    EkMemberGrouper grouper;
    std::vector<EkMember> members{{99, 0, 1}};
    std::vector<const void *> nodes{nullptr};
    grouper.group({{0, 1, 5, &n[0]}, {0, 1, 5, &n[1]}}, members, nodes);
    REQUIRE(members.size() == 2);
    CHECK(members[1].first == 1);
    CHECK(members[1].count == 2);
    CHECK(nodes[1] == &n[0]);
    CHECK(nodes[2] == &n[1]);
}

TEST_CASE("Items with the same group key stay one group, under the first item's name", "[tap][ek]") {
    // A protocol and a field can share an abbrev (c15.tone); tshark keys groups by abbrev.
    int n[2];
    const auto grouped = group({{0, 1, 10, &n[0]}, {0, 1, 11, &n[1]}}, n);
    REQUIRE(grouped.members.size() == 1);
    CHECK(grouped.members[0] == std::make_pair(10u, std::vector<int>{0, 1}));
}

TEST_CASE("Each scope starts empty, whatever the scopes before it held", "[tap][ek]") {
    int n[3];
    EkMemberGrouper grouper;
    std::vector<EkMember> members;
    std::vector<const void *> nodes;
    grouper.group({{0, 1, 10, &n[0]}, {0, 2, 20, &n[1]}}, members, nodes);
    members.clear();
    nodes.clear();
    grouper.group({{0, 2, 20, &n[2]}}, members, nodes);
    REQUIRE(members.size() == 1);
    CHECK(members[0].name_id == 20);
    CHECK(members[0].count == 1);
    CHECK(nodes[0] == &n[2]);
}

TEST_CASE("A shape met again groups its own nodes as a fresh grouper would", "[tap][ek]") {
    // One long-lived grouper (which replays known shapes) against a new grouper per
    // scope, over random scopes from a small id alphabet, so shapes recur, differ by
    // one id, and meet each other at different stack depths.
    std::mt19937 random(20261128);
    std::uniform_int_distribution<std::uint32_t> id(0, 3), length(0, 9), offset(0, 3);
    EkMemberGrouper reused;
    std::vector<int> storage(64);
    for (int round = 0; round < 5000; ++round) {
        std::vector<EkItem> items(length(random));
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::uint32_t abbrev = id(random);
            // Mostly the name follows the abbrev, sometimes not (two abbrevs, one name).
            items[i] = EkItem{id(random) % 2, abbrev, abbrev == 3 ? 1 : abbrev, &storage[i + offset(random)]};
        }
        const std::size_t depth = offset(random);
        std::vector<EkMember> members(depth, EkMember{7, 0, 1}), fresh_members = members;
        std::vector<const void *> nodes(depth, nullptr), fresh_nodes = nodes;
        reused.group(items, members, nodes);
        EkMemberGrouper().group(items, fresh_members, fresh_nodes);
        REQUIRE(nodes == fresh_nodes);
        REQUIRE(members.size() == fresh_members.size());
        for (std::size_t m = 0; m < members.size(); ++m) {
            REQUIRE(members[m].name_id == fresh_members[m].name_id);
            REQUIRE(members[m].first == fresh_members[m].first);
            REQUIRE(members[m].count == fresh_members[m].count);
        }
    }
}
