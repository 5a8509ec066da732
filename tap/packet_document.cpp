// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet_document.h"

#include <wireshark.h>
#include <epan/packet_info.h>
#include <epan/proto.h>
#include <epan/epan.h>
#include <epan/wmem_scopes.h>
#include <wiretap/wtap.h>

#include "json_writer.h"
#include "sensor_identity.h"
#include "utc_time.h"
#include "wireshark_compat.h"

namespace espcap::tap {
namespace {

// ',"name":"value"', encoded once and appended to every document.
std::string encoded_string_member(std::string_view name, std::string_view value) {
    JsonBuffer member;
    member += ',';
    append_member_name(member, name);
    append_json_string(member, value);
    return member.str();
}

}  // namespace

void append_epoch_seconds(JsonBuffer &out, std::int64_t secs, int nsecs) {
    // nstime keeps 0 <= nsecs < 1e9 for any sign of secs: the value is secs + nsecs/1e9.
    std::uint64_t whole;
    std::uint32_t fraction;
    if (secs >= 0 || nsecs == 0) {
        if (secs < 0) out += '-';
        whole = secs < 0 ? 0 - static_cast<std::uint64_t>(secs) : static_cast<std::uint64_t>(secs);
        fraction = static_cast<std::uint32_t>(nsecs);
    } else {
        out += '-';
        whole = (0 - static_cast<std::uint64_t>(secs)) - 1;
        fraction = static_cast<std::uint32_t>(1000000000 - nsecs);
    }
    append_decimal(out, whole);
    out += '.';
    append_decimal(out, fraction, 9);
}

PacketDocumentWriter::PacketDocumentWriter(const CaptureOrigin &origin, ProtocolLayers layers,
                                           const FieldRegistry *registry, DocumentContent content)
    : identity_members_(kPacketEventMember), tree_writer_(registry, std::move(content)), layers_(std::move(layers)) {
    if (!origin.file_name.empty()) file_members_ += encoded_string_member("file_name", origin.file_name);
    if (!origin.file_date_utc.empty())
        file_members_ += encoded_string_member("file_date_utc", origin.file_date_utc);
}

void PacketDocumentWriter::set_identity(const std::string &identity_members) {
    identity_members_ = identity_members + kPacketEventMember;
}

void PacketDocumentWriter::set_file_name(const std::string &file_name) {
    file_members_ = file_name.empty() ? "" : encoded_string_member("file_name", file_name);
}

std::string_view PacketDocumentWriter::highest_protocol(const packet_info *pinfo) {
    if (pinfo->layers == nullptr) return {};
    const char *highest = nullptr;
    const char *top = nullptr;
    for (wmem_list_frame_t *frame = wmem_list_head(pinfo->layers); frame != nullptr;
         frame = wmem_list_frame_next(frame)) {
        const int proto_id = static_cast<int>(GPOINTER_TO_UINT(wmem_list_frame_data(frame)));
        const char *name = proto_get_protocol_filter_name(proto_id);
        if (name == nullptr || proto_id < 0) continue;
        top = name;
        if (static_cast<std::size_t>(proto_id) >= counts_as_protocol_.size())
            counts_as_protocol_.resize(static_cast<std::size_t>(proto_id) + 256, -1);
        signed char &verdict = counts_as_protocol_[static_cast<std::size_t>(proto_id)];
        if (verdict < 0) verdict = layers_.counts_as_protocol(name) ? 1 : 0;
        if (verdict == 1) highest = name;
    }
    // With no real protocol at all (a lone data frame), the top layer is still a clue.
    return highest != nullptr ? highest : top != nullptr ? top : "";
}

void PacketDocumentWriter::append_interface(const packet_info *pinfo, JsonBuffer &out) {
    if (pinfo->rec == nullptr || !(pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID)) return;
    out += interface_names_.member(pinfo, pinfo->rec->rec_header.packet_header.interface_id);
}

void PacketDocumentWriter::write(const packet_info *pinfo, const proto_node *tree, JsonBuffer &out,
                                 std::string_view community_id) {
    const nstime_t &ts = pinfo->abs_ts;
    out += R"({"timestamp":")";
    // As tshark -T ek writes it: seconds as unsigned, then milliseconds.
    append_decimal(out, static_cast<std::uint64_t>(ts.secs));
    append_decimal(out, static_cast<std::uint64_t>(ts.nsecs / 1000000), 3);
    out += '"';

    out += R"(,"sniff_timestamp":)";
    append_epoch_seconds(out, ts.secs, ts.nsecs);
    out += R"(,"sniff_date_utc":")";
    append_utc_date_time(out, to_utc(ts.secs));
    out += '"';
    out += file_members_;
    // Where the record starts in the file it was read from (for a live capture, the
    // file tshark captures into), so the packet can be found again there.
    out += R"(,"file_offset":)";
    const std::int64_t offset = pinfo->fd != nullptr ? pinfo->fd->file_off : 0;
    if (offset < 0) out += '-';
    append_decimal(out, offset < 0 ? 0 - static_cast<std::uint64_t>(offset) : static_cast<std::uint64_t>(offset));
    append_interface(pinfo, out);
    out += R"(,"protocol":)";
    append_json_string(out, highest_protocol(pinfo));
    out += identity_members_;

    out += R"(,"layers":)";
    if (tree != nullptr) {
        tree_writer_.write_layers(tree, out);
        tree_writer_.ecs().append(out, community_id, geo_);
    } else {
        out += "{}";
    }
    last_packet_malformed_ = tree != nullptr && tree_writer_.saw_malformed();
    out += '}';
}

}  // namespace espcap::tap
