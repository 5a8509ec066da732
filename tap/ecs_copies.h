// SPDX-License-Identifier: GPL-2.0-or-later
// The Elastic Common Schema fields espcap copies into each document: source.ip,
// source.port, destination.ip, destination.port and network.transport.
//
// They are copies, not field aliases, because an alias points at exactly one field and
// source.ip has to cover both ip_ip_src and ipv6_ipv6_src (and source.port the TCP,
// UDP and SCTP ports). They come from the packet's top-level layers: addresses from
// the outermost IPv4/IPv6 layer, the transport from the first TCP, UDP, SCTP, ICMP or
// ICMPv6 layer. Layers nested inside another (the packet quoted by an ICMP error) never
// count, so an ICMP error keeps the addresses of the router that sent it.
//
// The tree writer reports where it wrote the values; append() copies them, and adds
// what the GeoIP and ASN databases say about each address (geo_enricher.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "json_buffer.h"

namespace espcap::tap {

class GeoEnricher;

class EcsCopies {
public:
    enum class Role : std::uint8_t {
        none,
        network_layer,    // the "ip" and "ipv6" layer objects
        transport_layer,  // "tcp", "udp", "sctp", "icmp", "icmpv6"
        source_address,   // ip_ip_src, ipv6_ipv6_src (inside a network layer)
        destination_address,
        source_port,      // tcp_tcp_srcport, ... (inside a transport layer)
        destination_port,
    };
    static Role role_of(std::string_view member_name);

    void begin_packet();

    // A top-level layer starts. True when it is the one copied from (the first of its
    // kind); then its members are reported until leave_layer().
    bool enter_layer(Role layer, std::string_view layer_name);
    void leave_layer() { inside_ = Role::none; }
    bool inside_copied_layer() const { return inside_ != Role::none; }

    // A member of the copied layer was written as out[begin, end).
    void record(Role role, std::size_t begin, std::size_t end);

    // Writes ',"source":{...},"destination":{...},"network":{...}' for what was found,
    // and the packet's Community ID (computed elsewhere) as network.community_id; with
    // `geo`, each address's geo and as members.
    void append(JsonBuffer &out, std::string_view community_id = {}, GeoEnricher *geo = nullptr);

private:
    struct Span {
        std::size_t begin = 0, end = 0;
        bool empty() const { return begin == end; }
    };
    void append_object(JsonBuffer &out, const char *name, const Span &address, const Span &port, GeoEnricher *geo);

    Role inside_ = Role::none;
    bool network_seen_ = false;
    bool transport_seen_ = false;
    std::string_view transport_;  // its ECS name
    Span source_address_, destination_address_, source_port_, destination_port_;
};

}  // namespace espcap::tap
