// SPDX-License-Identifier: GPL-2.0-or-later
#include "ecs_copies.h"

#include "geo_enricher.h"

namespace espcap::tap {

EcsCopies::Role EcsCopies::role_of(std::string_view name) {
    struct Entry {
        std::string_view name;
        Role role;
    };
    static constexpr Entry kRoles[] = {
        {"ip", Role::network_layer},
        {"ipv6", Role::network_layer},
        {"tcp", Role::transport_layer},
        {"udp", Role::transport_layer},
        {"sctp", Role::transport_layer},
        {"icmp", Role::transport_layer},
        {"icmpv6", Role::transport_layer},
        {"ip_ip_src", Role::source_address},
        {"ipv6_ipv6_src", Role::source_address},
        {"ip_ip_dst", Role::destination_address},
        {"ipv6_ipv6_dst", Role::destination_address},
        {"tcp_tcp_srcport", Role::source_port},
        {"udp_udp_srcport", Role::source_port},
        {"sctp_sctp_srcport", Role::source_port},
        {"tcp_tcp_dstport", Role::destination_port},
        {"udp_udp_dstport", Role::destination_port},
        {"sctp_sctp_dstport", Role::destination_port},
    };
    for (const Entry &entry : kRoles)
        if (entry.name == name) return entry.role;
    return Role::none;
}

void EcsCopies::begin_packet() {
    inside_ = Role::none;
    network_seen_ = transport_seen_ = false;
    transport_ = {};
    source_address_ = destination_address_ = source_port_ = destination_port_ = Span{};
}

bool EcsCopies::enter_layer(Role layer, std::string_view layer_name) {
    bool &seen = layer == Role::network_layer ? network_seen_ : transport_seen_;
    if (seen) return false;
    seen = true;
    inside_ = layer;
    if (layer == Role::transport_layer) {
        // ECS names the transport by its IANA keyword. Literals: layer_name may not live long.
        static constexpr std::string_view kTransports[] = {"tcp", "udp", "sctp", "icmp"};
        transport_ = "ipv6-icmp";
        for (std::string_view known : kTransports)
            if (layer_name == known) transport_ = known;
    }
    return true;
}

void EcsCopies::record(Role role, std::size_t begin, std::size_t end) {
    const bool addresses = inside_ == Role::network_layer;
    const bool ports = inside_ == Role::transport_layer;
    if (addresses && role == Role::source_address) source_address_ = {begin, end};
    if (addresses && role == Role::destination_address) destination_address_ = {begin, end};
    if (ports && role == Role::source_port) source_port_ = {begin, end};
    if (ports && role == Role::destination_port) destination_port_ = {begin, end};
}

void EcsCopies::append_object(JsonBuffer &out, const char *name, const Span &address, const Span &port,
                              GeoEnricher *geo) {
    if (address.empty() && port.empty()) return;
    // The values were written earlier into `out` itself: JsonBuffer::append copies from
    // its own bytes safely, even when it grows.
    out += ",\"";
    out += name;
    out += "\":{";
    if (!address.empty()) {
        out += "\"ip\":";
        out.append(out.data() + address.begin, address.end - address.begin);
    }
    if (!port.empty()) {
        out += address.empty() ? "\"port\":" : ",\"port\":";
        out.append(out.data() + port.begin, port.end - port.begin);
    }
    if (geo != nullptr && !address.empty())
        out += geo->members_of_json_text({out.data() + address.begin, address.end - address.begin});
    out += '}';
}

void EcsCopies::append(JsonBuffer &out, std::string_view community_id, GeoEnricher *geo) {
    append_object(out, "source", source_address_, source_port_, geo);
    append_object(out, "destination", destination_address_, destination_port_, geo);
    if (transport_.empty() && community_id.empty()) return;
    out += R"(,"network":{)";
    if (!transport_.empty()) {
        out += R"("transport":")";
        out += transport_;
        out += '"';
    }
    if (!community_id.empty()) {
        // "1:" and base64: nothing to escape.
        out += transport_.empty() ? R"("community_id":")" : R"(,"community_id":")";
        out += community_id;
        out += '"';
    }
    out += '}';
}

}  // namespace espcap::tap
