// SPDX-License-Identifier: GPL-2.0-or-later
// Community ID v1 (https://github.com/corelight/community-id-spec): one string that
// names a flow the same way in espcap, Zeek, Suricata, Arkime and Packetbeat, so a
// flow found in one tool is one query away in the others.
//
//   FlowTuple t{6, 4, src, dst, true, 1122, 3344};
//   std::string id = community_id(t);   // "1:wCb3OG7yAFWelaUydu0D+125CLM="
//
// Default seed (0) and base64, as the specification's baseline and Wireshark's
// `communityid` post-dissector default to.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace espcap::tap {

struct FlowTuple {
    std::uint8_t protocol = 0;      // IANA protocol number: 6 TCP, 17 UDP, 1 ICMP ...
    std::uint8_t address_size = 0;  // 4 (IPv4) or 16 (IPv6)
    std::array<std::uint8_t, 16> source{}, destination{};
    bool has_ports = false;  // TCP, UDP, SCTP ports, or ICMP/ICMPv6 type and code
    std::uint16_t source_port = 0, destination_port = 0;  // host order; type and code for ICMP
};

constexpr std::uint8_t kIpProtoIcmp = 1;
constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::uint8_t kIpProtoUdp = 17;
constexpr std::uint8_t kIpProtoIcmpv6 = 58;
constexpr std::uint8_t kIpProtoSctp = 132;

// "1:" + base64(SHA-1(seed, ordered addresses, protocol, 0, ordered ports)).
std::string community_id(const FlowTuple &tuple);

// community_id() of recent flows: one SHA-1 per flow rather than per packet (it was 5%
// of the serializer's instructions). Direct-mapped by a hash of the tuple; a flow that
// lands on another's slot replaces it and costs one more SHA-1 when that flow returns.
class CommunityIds {
public:
    const std::string &of(const FlowTuple &tuple);

    static constexpr std::size_t kSlots = 1024;  // a power of two

private:
    struct Slot {
        bool used = false;
        FlowTuple tuple;
        std::string id;
    };
    std::vector<Slot> slots_;  // sized on first use
};

}  // namespace espcap::tap
