// SPDX-License-Identifier: GPL-2.0-or-later
#include "flow_document.h"

#include <algorithm>
#include <limits>

#include <arpa/inet.h>

#include "geo_enricher.h"
#include "json_writer.h"
#include "utc_time.h"

namespace espcap::tap {
namespace {

void append_address(JsonBuffer &out, const FlowTuple &tuple, bool source) {
    char text[INET6_ADDRSTRLEN] = "";
    const auto &bytes = source ? tuple.source : tuple.destination;
    inet_ntop(tuple.address_size == 4 ? AF_INET : AF_INET6, bytes.data(), text, sizeof text);
    out += '"';
    out += text;
    out += '"';
}

// "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", in quotes.
void append_time(JsonBuffer &out, std::int64_t secs, std::int32_t nsecs) {
    out += '"';
    append_utc_date_time(out, to_utc(secs));
    out += '.';
    append_decimal(out, static_cast<std::uint64_t>(nsecs), 9);
    out += "Z\"";
}

// From the first packet to the last: 0 when the last is not later, and at most what a
// long field holds. Counted in unsigned arithmetic, since a crafted capture's timestamps
// near the INT64 limits overflow any signed difference.
std::uint64_t duration_nanoseconds(const Flow &flow) {
    constexpr std::uint64_t kNanosecondsPerSecond = 1000000000;
    constexpr auto kLongest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (flow.last_secs < flow.first_secs || (flow.last_secs == flow.first_secs && flow.last_nsecs <= flow.first_nsecs))
        return 0;
    const std::uint64_t seconds = static_cast<std::uint64_t>(flow.last_secs) - static_cast<std::uint64_t>(flow.first_secs);
    if (seconds > kLongest / kNanosecondsPerSecond) return kLongest;
    std::uint64_t nanoseconds = seconds * kNanosecondsPerSecond;  // < 2^63: room for the sum below
    if (flow.last_nsecs >= flow.first_nsecs)
        nanoseconds += static_cast<std::uint64_t>(std::int64_t{flow.last_nsecs} - flow.first_nsecs);
    else
        nanoseconds -= static_cast<std::uint64_t>(std::int64_t{flow.first_nsecs} - flow.last_nsecs);
    return std::min(nanoseconds, kLongest);
}

void append_endpoint(JsonBuffer &out, const Flow &flow, bool source, GeoEnricher *geo) {
    const int direction = source ? 0 : 1;
    out += source ? R"("source":{"ip":)" : R"(,"destination":{"ip":)";
    const std::size_t address_begin = out.size();
    append_address(out, flow.initiator, source);
    const std::size_t address_end = out.size();
    if (flow.initiator.has_ports && flow.initiator.protocol != kIpProtoIcmp &&
        flow.initiator.protocol != kIpProtoIcmpv6) {
        out += R"(,"port":)";
        append_decimal(out, source ? flow.initiator.source_port : flow.initiator.destination_port);
    }
    out += R"(,"packets":)";
    append_decimal(out, flow.packets[direction]);
    out += R"(,"bytes":)";
    append_decimal(out, flow.bytes[direction]);
    // The address as written above is the enricher's key: it is not formatted twice.
    if (geo != nullptr) out += geo->members_of_json_text({out.data() + address_begin, address_end - address_begin});
    out += '}';
}

void append_tcp_flags(JsonBuffer &out, std::uint16_t flags) {
    static constexpr const char *kNames[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS"};
    out += R"(,"tcp_flags":[)";
    bool first = true;
    for (unsigned bit = 0; bit < 9; ++bit) {
        if (!(flags & (1u << bit))) continue;
        if (!first) out += ',';
        first = false;
        out += '"';
        out += kNames[bit];
        out += '"';
    }
    out += ']';
}

}  // namespace

std::string transport_name(std::uint8_t protocol) {
    switch (protocol) {
    case kIpProtoTcp: return "tcp";
    case kIpProtoUdp: return "udp";
    case kIpProtoIcmp: return "icmp";
    case kIpProtoIcmpv6: return "ipv6-icmp";
    case kIpProtoSctp: return "sctp";
    default: return std::to_string(protocol);
    }
}

void write_flow_document(const Flow &flow, std::string_view where, JsonBuffer &out, std::string_view identity,
                         GeoEnricher *geo) {
    out += R"({"@timestamp":)";
    append_time(out, flow.first_secs, flow.first_nsecs);
    // An update is the record of a flow still going on: no "end" type and no reason yet.
    out += R"(,"event":{"kind":"event","category":["network"],"dataset":"espcap.flow","module":"espcap",)";
    out += flow.final ? R"("type":["connection","end"],"start":)" : R"("type":["connection"],"start":)";
    append_time(out, flow.first_secs, flow.first_nsecs);
    out += R"(,"end":)";
    append_time(out, flow.last_secs, flow.last_nsecs);
    // ECS durations are nanoseconds.
    out += R"(,"duration":)";
    append_decimal(out, duration_nanoseconds(flow));
    if (flow.final) {
        out += R"(,"reason":")";
        out += flow_end_name(flow.end);
        out += '"';
    }
    out += R"(},"network":{"community_id":)";
    append_json_string(out, flow.community_id);
    out += R"(,"transport":")";
    out += transport_name(flow.initiator.protocol);
    out += R"(","iana_number":")";
    append_decimal(out, flow.initiator.protocol);
    out += flow.initiator.address_size == 4 ? R"(","type":"ipv4")" : R"(","type":"ipv6")";
    out += R"(,"protocol":[)";
    for (std::size_t i = 0; i < flow.protocols.size(); ++i) {
        if (i != 0) out += ',';
        append_json_string(out, flow.protocols[i]);
    }
    out += R"(],"packets":)";
    append_decimal(out, flow.packets[0] + flow.packets[1]);
    out += R"(,"bytes":)";
    append_decimal(out, flow.bytes[0] + flow.bytes[1]);
    out += "},";
    append_endpoint(out, flow, true, geo);
    append_endpoint(out, flow, false, geo);
    out += R"(,"flow":{"first_frame":)";
    append_decimal(out, flow.first_frame);
    out += R"(,"last_frame":)";
    append_decimal(out, flow.last_frame);
    if (flow.has_stream) {
        out += R"(,"stream":)";
        append_decimal(out, flow.stream);
    }
    if (flow.initiator.protocol == kIpProtoTcp) append_tcp_flags(out, flow.tcp_flags);
    if (!flow.file_offsets.empty()) {
        out += R"(,"file_offsets":[)";
        for (std::size_t i = 0; i < flow.file_offsets.size(); ++i) {
            if (i != 0) out += ',';
            append_decimal(out, static_cast<std::uint64_t>(flow.file_offsets[i]));
        }
        out += flow.file_offsets_complete ? "]" : R"(],"file_offsets_complete":false)";
    }
    out += '}';
    out += where;
    out += identity;
    out += '}';
}

PacketId flow_id(const Flow &flow) {
    std::string key = std::to_string(flow.first_file_offset);
    key.append(":").append(std::to_string(flow.first_secs)).append(".").append(std::to_string(flow.first_nsecs));
    key.append(":").append(std::to_string(flow.ordinal)).append(":").append(flow.community_id);
    return content_id(key);
}

}  // namespace espcap::tap
