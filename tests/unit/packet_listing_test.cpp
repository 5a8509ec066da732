// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "packet_listing.h"

using namespace espcap::retrieve;

namespace {
IndexedPacket packet(const char *time, const char *number) {
    IndexedPacket p;
    p.time_epoch = time;
    p.frame_number = number;
    p.frame_len = "79";
    p.source = "10.0.0.4";
    p.destination = "2001:db8::1";
    p.protocol = "dns";
    return p;
}
}  // namespace

TEST_CASE("A listed packet is one line: UTC time to the nanosecond, addresses, protocol, length, file, frame",
          "[retrieve]") {
    const IndexedPacket dns = packet("1439587238.915946000", "12");
    CHECK(listing_line({&dns, "caps/dns.pcap"}) ==
          "2015-08-14 21:20:38.915946000  10.0.0.4         2001:db8::1      dns          79  caps/dns.pcap frame 12");
    IndexedPacket live = packet("0.5", "1");  // fewer digits; no addresses
    live.source.clear();
    live.destination.clear();
    CHECK_THAT(listing_line({&live, "a.pcap"}), Catch::StartsWith("1970-01-01 00:00:00.500000000  -    "));
}

TEST_CASE("Listed packets are in time order, then file and frame", "[retrieve]") {
    const IndexedPacket late = packet("20.000000001", "1"), early = packet("3.9", "7"), same_a = packet("5.0", "9"),
                        same_b = packet("5.0", "10");
    std::vector<ListedPacket> listed = {{&late, "a"}, {&same_b, "b"}, {&same_a, "b"}, {&early, "z"}};
    sort_for_listing(listed);
    CHECK(listed[0].packet == &early);
    CHECK(listed[1].packet == &same_a);  // frame 9 before frame 10: numbers, not text
    CHECK(listed[2].packet == &same_b);
    CHECK(listed[3].packet == &late);
}
