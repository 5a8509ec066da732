// SPDX-License-Identifier: GPL-2.0-or-later
// Writes one packet's document: tshark -T ek's packet line ("timestamp" + "layers")
// plus the ancestor's fields: file_name, file_date_utc, sniff_date_utc,
// sniff_timestamp and protocol, file_offset (the record's byte offset in its file), the capture interface's name when the capture
// records it (live captures, pcapng files), the sensor's identity and ECS event
// (sensor_identity.h), and the ECS copies (ecs_copies.h) with their GeoIP and ASN members
// (geo_enricher.h).
#pragma once

#include <string>
#include <vector>

#include "json_buffer.h"
#include "ek_tree_writer.h"
#include "capture_origin.h"
#include "interface_names.h"
#include "protocol_layers.h"

struct _packet_info;

namespace espcap::tap {

class GeoEnricher;

class PacketDocumentWriter {
public:
    // `registry`, `content`: see EkTreeWriter; registry is null when nothing maps the fields.
    PacketDocumentWriter(const CaptureOrigin &origin, ProtocolLayers layers, const FieldRegistry *registry,
                         DocumentContent content = {});

    // `community_id`: the packet's flow (community_id.h), written as network.community_id.
    void write(const _packet_info *pinfo, const _proto_node *tree, JsonBuffer &out,
               std::string_view community_id = {});

    // The packet's highest layer that counts as a protocol (the document's "protocol").
    std::string_view highest_protocol(const _packet_info *pinfo);

    // Which sensor writes (sensor_identity.h's identity_members()), written on every
    // document with the ECS event fields.
    void set_identity(const std::string &identity_members);

    // Adds GeoIP and ASN members to source and destination (null: none). Not owned.
    void set_geo(GeoEnricher *geo) { geo_ = geo; }

    // Names another file for the packets written from now on (a live capture's ring
    // buffer moved on); "" names none.
    void set_file_name(const std::string &file_name);

    // Whether the packet last written was malformed (see EkTreeWriter::saw_malformed).
    bool last_packet_malformed() const { return last_packet_malformed_; }

    // Members first written into an index (see field_discovery.h); select the index
    // before write(), take and clear the list after.
    FieldDiscovery &discovery() { return tree_writer_.discovery(); }

private:
    void append_interface(const _packet_info *pinfo, JsonBuffer &out);

    std::string identity_members_;  // pre-encoded observer, labels and event
    GeoEnricher *geo_ = nullptr;
    std::string file_members_;  // pre-encoded ',"file_name":...,"file_date_utc":...'
    EkTreeWriter tree_writer_;
    ProtocolLayers layers_;
    std::vector<signed char> counts_as_protocol_;  // by protocol id: -1 unknown, 0, 1
    InterfaceNames interface_names_;
    bool last_packet_malformed_ = false;
};

// Epoch seconds as a JSON number with 9 decimals, correct for negative times too.
void append_epoch_seconds(JsonBuffer &out, std::int64_t secs, int nsecs);

}  // namespace espcap::tap
