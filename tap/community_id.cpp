// SPDX-License-Identifier: GPL-2.0-or-later
#include "community_id.h"

#include <glib.h>

#include <cstring>
#include <memory>

namespace espcap::tap {
namespace {

// ICMP and ICMPv6 messages that come in request/answer pairs: both directions get one
// id, because the answer's type takes the place of the destination port. Any other
// type is one-way and keeps its own order.
struct IcmpPair {
    std::uint8_t protocol;
    std::uint16_t type, counterpart;
};
constexpr IcmpPair kIcmpPairs[] = {
    {kIpProtoIcmp, 8, 0},      {kIpProtoIcmp, 0, 8},       // echo
    {kIpProtoIcmp, 13, 14},    {kIpProtoIcmp, 14, 13},     // timestamp
    {kIpProtoIcmp, 15, 16},    {kIpProtoIcmp, 16, 15},     // information
    {kIpProtoIcmp, 10, 9},     {kIpProtoIcmp, 9, 10},      // router solicitation
    {kIpProtoIcmp, 17, 18},    {kIpProtoIcmp, 18, 17},     // address mask
    {kIpProtoIcmpv6, 128, 129}, {kIpProtoIcmpv6, 129, 128},  // echo
    {kIpProtoIcmpv6, 130, 131}, {kIpProtoIcmpv6, 131, 130},  // multicast listener
    {kIpProtoIcmpv6, 133, 134}, {kIpProtoIcmpv6, 134, 133},  // router solicitation
    {kIpProtoIcmpv6, 135, 136}, {kIpProtoIcmpv6, 136, 135},  // neighbor solicitation
    {kIpProtoIcmpv6, 139, 140}, {kIpProtoIcmpv6, 140, 139},  // node information
    {kIpProtoIcmpv6, 144, 145}, {kIpProtoIcmpv6, 145, 144},  // home agent discovery
};

bool one_way_icmp(FlowTuple &tuple) {
    if (tuple.protocol != kIpProtoIcmp && tuple.protocol != kIpProtoIcmpv6) return false;
    for (const IcmpPair &pair : kIcmpPairs) {
        if (pair.protocol == tuple.protocol && pair.type == tuple.source_port) {
            tuple.destination_port = pair.counterpart;
            return false;
        }
    }
    return true;
}

void put_be16(std::uint8_t *out, std::uint16_t value) {
    out[0] = static_cast<std::uint8_t>(value >> 8);
    out[1] = static_cast<std::uint8_t>(value & 0xff);
}

}  // namespace

std::string community_id(const FlowTuple &original) {
    FlowTuple tuple = original;
    const bool one_way = tuple.has_ports && one_way_icmp(tuple);
    const int order = std::memcmp(tuple.source.data(), tuple.destination.data(), tuple.address_size);
    const bool ordered = order < 0 || (order == 0 && (!tuple.has_ports || tuple.source_port < tuple.destination_port));
    if (!one_way && !ordered) {
        std::swap(tuple.source, tuple.destination);
        std::swap(tuple.source_port, tuple.destination_port);
    }

    // seed(2) addresses(2 x 16) protocol(1) padding(1) ports(2 x 2)
    std::uint8_t input[2 + 32 + 2 + 4] = {};
    std::size_t size = 2;  // the default seed, 0
    std::memcpy(input + size, tuple.source.data(), tuple.address_size);
    size += tuple.address_size;
    std::memcpy(input + size, tuple.destination.data(), tuple.address_size);
    size += tuple.address_size;
    input[size++] = tuple.protocol;
    input[size++] = 0;
    if (tuple.has_ports) {
        put_be16(input + size, tuple.source_port);
        put_be16(input + size + 2, tuple.destination_port);
        size += 4;
    }

    std::uint8_t digest[20];
    gsize digest_size = sizeof digest;
    std::unique_ptr<GChecksum, void (*)(GChecksum *)> sha1(g_checksum_new(G_CHECKSUM_SHA1), g_checksum_free);
    g_checksum_update(sha1.get(), input, size);
    g_checksum_get_digest(sha1.get(), digest, &digest_size);
    std::unique_ptr<gchar, void (*)(gpointer)> base64(g_base64_encode(digest, digest_size), g_free);
    return std::string("1:") + base64.get();
}

namespace {

bool same_flow(const FlowTuple &a, const FlowTuple &b) {
    return a.protocol == b.protocol && a.address_size == b.address_size && a.has_ports == b.has_ports &&
           a.source_port == b.source_port && a.destination_port == b.destination_port && a.source == b.source &&
           a.destination == b.destination;
}

// Over every byte same_flow() compares (unused address bytes are zero).
std::uint64_t slot_hash(const FlowTuple &tuple) {
    std::uint64_t words[4];
    std::memcpy(&words[0], tuple.source.data(), sizeof tuple.source);
    std::memcpy(&words[2], tuple.destination.data(), sizeof tuple.destination);
    std::uint64_t hash = (std::uint64_t{tuple.protocol} << 48) | (std::uint64_t{tuple.address_size} << 40) |
                         (std::uint64_t{tuple.has_ports} << 32) | (std::uint64_t{tuple.source_port} << 16) |
                         tuple.destination_port;
    for (const std::uint64_t word : words) hash = (hash ^ word) * 0x9e3779b97f4a7c15ULL;
    return hash ^ (hash >> 32);
}

}  // namespace

const std::string &CommunityIds::of(const FlowTuple &tuple) {
    static_assert((kSlots & (kSlots - 1)) == 0, "kSlots must be a power of two");
    if (slots_.empty()) slots_.resize(kSlots);
    Slot &slot = slots_[slot_hash(tuple) & (kSlots - 1)];
    if (!slot.used || !same_flow(slot.tuple, tuple)) {
        slot.id = community_id(tuple);
        slot.tuple = tuple;
        slot.used = true;
    }
    return slot.id;
}

}  // namespace espcap::tap
