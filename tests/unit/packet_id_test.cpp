// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "packet_id.h"

using espcap::tap::packet_id;
using espcap::tap::PacketRecord;

namespace {

const unsigned char kBytes[] = {0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x10, 0x08, 0x00, 0x45, 0x00};

PacketRecord sample() {
    PacketRecord record;
    record.file_offset = 248;
    record.secs = 1439555811;
    record.nsecs = 123456000;
    record.wire_length = 10;
    record.captured_length = 10;
    record.bytes = kBytes;
    record.byte_count = sizeof kBytes;
    return record;
}

}  // namespace

TEST_CASE("A packet id is 22 base64url characters", "[tap][id]") {
    const std::string id(packet_id(sample()).view());
    CHECK(id.size() == 22);
    CHECK(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    // 16 bytes leave 4 bits in the last character: only A, Q, g or w can end the text.
    CHECK(std::string("AQgw").find(id.back()) != std::string::npos);
}

TEST_CASE("The same packet gets the same id in every run and every build", "[tap][id]") {
    CHECK(packet_id(sample()).view() == packet_id(sample()).view());
    // Ids already stored must stay valid: a change of the digest's input or encoding
    // would store every packet of an indexed file a second time.
    CHECK(packet_id(sample()).view() == "oEAo914s_JviRVcQc1yVbw");  // also XXH3_128bits() in one call
}

TEST_CASE("Any difference in the record gives a different id", "[tap][id]") {
    unsigned char other_bytes[sizeof kBytes];
    std::copy(std::begin(kBytes), std::end(kBytes), other_bytes);
    other_bytes[9] ^= 1;
    using Change = void (*)(PacketRecord &, const unsigned char *);
    const std::pair<const char *, Change> changes[] = {
        {"file offset", [](PacketRecord &r, const unsigned char *) { r.file_offset += 1; }},
        {"seconds", [](PacketRecord &r, const unsigned char *) { r.secs += 1; }},
        {"nanoseconds", [](PacketRecord &r, const unsigned char *) { r.nsecs += 1; }},
        {"wire length", [](PacketRecord &r, const unsigned char *) { r.wire_length += 1; }},
        {"captured length", [](PacketRecord &r, const unsigned char *) { r.captured_length -= 1; }},
        {"an interface id 0", [](PacketRecord &r, const unsigned char *) { r.has_interface = true; }},
        {"interface 1", [](PacketRecord &r, const unsigned char *) { r.has_interface = true, r.interface_id = 1; }},
        {"one bit of the bytes", [](PacketRecord &r, const unsigned char *bytes) { r.bytes = bytes; }},
        {"one byte fewer", [](PacketRecord &r, const unsigned char *) { r.byte_count -= 1; }},
    };
    std::set<std::string> ids{std::string(packet_id(sample()).view())};
    for (const auto &[what, change] : changes) {
        PacketRecord record = sample();
        change(record, other_bytes);
        INFO(what);
        CHECK(ids.insert(std::string(packet_id(record).view())).second);
    }
}
