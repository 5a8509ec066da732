// SPDX-License-Identifier: GPL-2.0-or-later
// Writes one flow record (flow_table.h) as a document of the PREFIX-flows-* indices:
//
//   {"@timestamp":"2015-03-18T16:40:13.511523000Z",
//    "event":{"kind":"event","category":["network"],"dataset":"espcap.flow","module":"espcap",
//             "type":["connection","end"],
//             "start":"...","end":"...","duration":1503000,"reason":"fin"},
//    "network":{"community_id":"1:...","transport":"tcp","iana_number":"6","type":"ipv4",
//               "protocol":["http"],"packets":9,"bytes":1434},
//    "source":{"ip":"10.0.0.1","port":50000,"packets":5,"bytes":700,"geo":{...},"as":{...}},
//    "destination":{"ip":"10.0.0.2","port":80,"packets":4,"bytes":734},
//    "flow":{"first_frame":1,"last_frame":9,"stream":0,"tcp_flags":["FIN","SYN","PSH","ACK"]},
//    "file_name":"capture.pcap","observer":{"hostname":"probe-7","name":"dmz"}}
//
// Field names follow ECS where it has them (event.*, network.*, source.packets ...);
// the frame range and TCP flags go under "flow", which ECS leaves free.
#pragma once

#include <string>
#include <string_view>

#include "flow_table.h"
#include "json_buffer.h"
#include "packet_id.h"

namespace espcap::tap {

class GeoEnricher;

// `where`: the pre-encoded ',"file_name":"..."' or ',"interface":"..."' member, or "";
// `identity`: the sensor's pre-encoded members (sensor_identity.h), or "";
// `geo`: adds source.geo/as and destination.geo/as (geo_enricher.h), or null.
void write_flow_document(const Flow &flow, std::string_view where, JsonBuffer &out,
                         std::string_view identity = {}, GeoEnricher *geo = nullptr);

// The flow record's _id: its first packet (file offset and time), its Community ID and
// its place among the flows that packet began, so a re-run gives the same id and a 409
// means this very flow record is stored.
PacketId flow_id(const Flow &flow);

// "tcp", "udp", "icmp", "ipv6-icmp", "sctp", or the protocol number as text.
std::string transport_name(std::uint8_t protocol);

}  // namespace espcap::tap
