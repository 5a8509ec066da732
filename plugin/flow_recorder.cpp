// SPDX-License-Identifier: GPL-2.0-or-later
#include "flow_recorder.h"

#include <wireshark.h>
#include <epan/epan.h>
#include <epan/packet_info.h>
#include <epan/proto.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <epan/dissectors/packet-icmp.h>
#include <epan/dissectors/packet-ip.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/dissectors/packet-udp.h>
#include <wiretap/wtap.h>

#include <algorithm>
#include <cstring>

#include "flow_document.h"
#include "flow_template.h"
#include "host_program.h"
#include "json_writer.h"
#include "wireshark_compat.h"

namespace espcap {
namespace {

// TCP segments that ended a connection still count in it for this long (Zeek's
// tcp_close_delay): the last ACK after both FINs belongs to the same conversation.
constexpr std::int64_t kTcpCloseDelaySeconds = 5;
// Open flows kept at most: about 300 bytes each, so under 100 MB for a busy link.
constexpr std::size_t kMaxOpenFlows = 250000;
// A flow record lists at most this many packet offsets (8 bytes each while the flow is
// open, about 7 characters each in the record); a longer flow's record says its list is
// incomplete.
constexpr std::size_t kMaxFileOffsetsPerFlow = 1000;

bool copy_address(const address &from, tap::FlowTuple &tuple, bool source) {
    if (!((from.type == AT_IPv4 && from.len == 4) || (from.type == AT_IPv6 && from.len == 16))) return false;
    if (tuple.address_size != 0 && tuple.address_size != from.len) return false;
    tuple.address_size = static_cast<std::uint8_t>(from.len);
    std::memcpy((source ? tuple.source : tuple.destination).data(), from.data, static_cast<std::size_t>(from.len));
    return true;
}

bool addresses_of(const address &source, const address &destination, tap::FlowTuple &tuple) {
    tuple.address_size = 0;
    return copy_address(source, tuple, true) && copy_address(destination, tuple, false);
}

// The callbacks run inside Wireshark's C code: an exception must stop here.
template <typename Member>
tap_packet_status guarded(void *listener, packet_info *pinfo, const void *data, Member member) {
    try {
        FlowRecorder *flows = *static_cast<FlowRecorder **>(listener);
        if (flows->counts_frame(pinfo)) (flows->*member)(pinfo, data);
    } catch (const std::exception &error) {
        host::report_error(std::string("flows: ") + error.what());
    }
    return TAP_PACKET_DONT_REDRAW;
}

tap_packet_status ip_tap(void *r, packet_info *pinfo, epan_dissect_t *, const void *data, tap_flags_t) {
    return guarded(r, pinfo, data, &FlowRecorder::on_ip);
}
tap_packet_status ipv6_tap(void *r, packet_info *pinfo, epan_dissect_t *, const void *data, tap_flags_t) {
    return guarded(r, pinfo, data, &FlowRecorder::on_ipv6);
}
tap_packet_status tcp_tap(void *r, packet_info *pinfo, epan_dissect_t *, const void *data, tap_flags_t) {
    return guarded(r, pinfo, data, &FlowRecorder::on_tcp);
}
tap_packet_status udp_tap(void *r, packet_info *pinfo, epan_dissect_t *, const void *data, tap_flags_t) {
    return guarded(r, pinfo, data, &FlowRecorder::on_udp);
}

struct TapSpec {
    const char *name;
    tap_packet_cb callback;
};
// Registered on these taps as one listener each.
constexpr TapSpec kTaps[] = {{"ip", ip_tap}, {"ipv6", ipv6_tap}, {"tcp", tcp_tap}, {"udp", udp_tap}};

}  // namespace

FlowRecorder::FlowRecorder(const Options &options)
    : options_(options),
      recording_(options.flows != Options::Flows::off),
      table_(tap::FlowLimits{options.flow_timeout_seconds, kTcpCloseDelaySeconds, kMaxOpenFlows, 8, 0,
                             kMaxFileOffsetsPerFlow}) {
    static_assert(std::tuple_size<decltype(listeners_)>::value == std::size(kTaps));
    listeners_.fill(this);
}

FlowRecorder::~FlowRecorder() { remove_taps(); }

std::string FlowRecorder::register_taps() {
    if (registered_) return "";
    // Flags 0, as the conversation tables: headers inside an ICMP error are not counted.
    for (std::size_t i = 0; i < std::size(kTaps); ++i) {
        const TapSpec &spec = kTaps[i];
        GString *error =
            register_tap_listener(spec.name, &listeners_[i], nullptr, 0, nullptr, spec.callback, nullptr, nullptr);
        if (error != nullptr) {
            std::string message = std::string("cannot register the ") + spec.name + " tap: " + error->str;
            g_string_free(error, TRUE);
            for (std::size_t registered = 0; registered < i; ++registered) remove_tap_listener(&listeners_[registered]);
            return message;
        }
    }
    registered_ = true;
    return "";
}

std::string FlowRecorder::set_filter(const char *filter) {
    if (!registered_) return "";
    for (FlowRecorder *&listener : listeners_) {
        GString *error = set_tap_dfilter(&listener, filter);
        if (error == nullptr) continue;
        std::string message = error->str;
        g_string_free(error, TRUE);
        return message;
    }
    return "";
}

void FlowRecorder::remove_taps() {
    if (!registered_) return;
    for (FlowRecorder *&listener : listeners_) remove_tap_listener(&listener);
    registered_ = false;
}

bool FlowRecorder::counts_frame(const packet_info *pinfo) const {
    return !displayed_only_ || pinfo->fd->passed_dfilter;
}

void FlowRecorder::start(exporter::Exporter *exporter, const std::string &file_name, bool live,
                         std::string identity, tap::GeoEnricher *geo) {
    geo_ = geo;
    exporter_ = exporter;
    identity_ = std::move(identity);
    live_ = live;
    table_.set_update_interval(live && options_.flow_update_seconds > 0 ? options_.flow_update_seconds : 0);
    daily_index_ = std::make_unique<tap::DailyIndex>(exporter::flow_index_prefix(options_.index_prefix));
    // Offsets point into the one file the packets are read from (-r, or -w without -b).
    // The flow taps saw the first packet before this: offsets are kept until now.
    if (file_name.empty()) table_.set_max_file_offsets(0);
    if (!file_name.empty()) {
        JsonBuffer member;
        member += R"(,"file_name":)";
        tap::append_json_string(member, file_name);
        file_member_ = member.str();
    }
}

void FlowRecorder::begin_frame_if_new(const packet_info *pinfo) {
    if (pinfo->num == frame_) return;
    frame_ = pinfo->num;
    have_ip_ = have_transport_ = false;
    touched_.clear();
}

void FlowRecorder::on_ip(const packet_info *pinfo, const void *header) {
    begin_frame_if_new(pinfo);
    const auto *ip = static_cast<const ws_ip4 *>(header);
    tap::FlowTuple tuple;
    if (!addresses_of(ip->ip_src, ip->ip_dst, tuple)) return;
    tuple.protocol = ip->ip_proto;
    ip_ = tuple;
    have_ip_ = true;
}

void FlowRecorder::on_ipv6(const packet_info *pinfo, const void *header) {
    begin_frame_if_new(pinfo);
    const auto *ip = static_cast<const ws_ip6 *>(header);
    tap::FlowTuple tuple;
    if (!addresses_of(ip->ip6_src, ip->ip6_dst, tuple)) return;
    tuple.protocol = ip->ip6_nxt;
    ip_ = tuple;
    have_ip_ = true;
}

void FlowRecorder::on_tcp(const packet_info *pinfo, const void *header) {
    const auto *tcp = static_cast<const tcp_info_t *>(header);
    tap::FlowTuple tuple;
    if (!addresses_of(tcp->ip_src, tcp->ip_dst, tuple)) return;
    tuple.protocol = tap::kIpProtoTcp;
    tuple.has_ports = true;
    tuple.source_port = tcp->th_sport;
    tuple.destination_port = tcp->th_dport;
    observe_transport(pinfo, tuple, tcp->th_stream, tcp->th_flags);
}

void FlowRecorder::on_udp(const packet_info *pinfo, const void *header) {
    const auto *udp = static_cast<const e_udphdr *>(header);
    tap::FlowTuple tuple;
    if (!addresses_of(udp->ip_src, udp->ip_dst, tuple)) return;
    tuple.protocol = tap::kIpProtoUdp;
    tuple.has_ports = true;
    tuple.source_port = udp->uh_sport;
    tuple.destination_port = udp->uh_dport;
    observe_transport(pinfo, tuple, udp->uh_stream, 0);
}

tap::FlowPacket FlowRecorder::packet_of(const packet_info *pinfo) const {
    tap::FlowPacket packet;
    packet.frame = pinfo->num;
    packet.file_offset = pinfo->fd->file_off;
    packet.secs = pinfo->abs_ts.secs;
    packet.nsecs = pinfo->abs_ts.nsecs;
    packet.frame_bytes = pinfo->fd->pkt_len;
    if (pinfo->rec != nullptr && (pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID))
        packet.interface_id = pinfo->rec->rec_header.packet_header.interface_id;
    return packet;
}

void FlowRecorder::observe_transport(const packet_info *pinfo, const tap::FlowTuple &tuple, std::uint32_t stream,
                                     std::uint16_t tcp_flags) {
    begin_frame_if_new(pinfo);
    transport_ = tuple;
    have_transport_ = true;
    if (!recording_) return;
    tap::FlowPacket packet = packet_of(pinfo);
    packet.tuple = tuple;
    packet.has_stream = true;
    packet.stream = stream;
    packet.tcp_flags = tcp_flags;
    touched_.push_back(&table_.observe(packet));
}

// The packet's flow as Community ID names it: ICMP by type and code, else the last
// TCP, UDP or SCTP header, else the IP protocol alone.
bool FlowRecorder::packet_tuple(const packet_info *pinfo, tap::FlowTuple &tuple) const {
    if (!have_ip_) return false;
    tuple = ip_;
    tuple.has_ports = false;
    const bool v4 = ip_.address_size == 4;
    static const int proto_icmp = proto_get_id_by_filter_name("icmp");
    static const int proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
    const auto *icmp = static_cast<const icmp_info_t *>(
        p_get_proto_data(wmem_file_scope(), const_cast<packet_info *>(pinfo), v4 ? proto_icmp : proto_icmpv6, 0));
    if (icmp != nullptr) {
        tuple.protocol = v4 ? tap::kIpProtoIcmp : tap::kIpProtoIcmpv6;
        tuple.has_ports = true;
        tuple.source_port = icmp->type;
        tuple.destination_port = icmp->code;
        return true;
    }
    if (have_transport_) {
        tuple = transport_;
        return true;
    }
    if (pinfo->ptype == PT_SCTP) {
        tuple.protocol = tap::kIpProtoSctp;
        tuple.has_ports = true;
        tuple.source_port = static_cast<std::uint16_t>(pinfo->srcport);
        tuple.destination_port = static_cast<std::uint16_t>(pinfo->destport);
    }
    return true;
}

const std::string &FlowRecorder::where(std::uint32_t interface_id) {
    static const std::string none;
    if (interface_id >= interface_members_.size()) return file_member_.empty() ? none : file_member_;
    return interface_members_[interface_id];
}

std::string_view FlowRecorder::end_frame(const packet_info *pinfo, std::string_view protocol) {
    begin_frame_if_new(pinfo);
    community_id_.clear();
    tap::FlowTuple tuple;
    const bool has_flow = packet_tuple(pinfo, tuple);
    if (has_flow) community_id_ = community_ids_.of(tuple);
    if (recording_) {
        if (has_flow && !have_transport_) {
            tap::FlowPacket packet = packet_of(pinfo);
            packet.tuple = tuple;
            touched_.push_back(&table_.observe(packet));
        }
        // The transport's own name says nothing the flow does not.
        static constexpr std::string_view kNotApplication[] = {"tcp", "udp", "sctp", "ip", "ipv6", "icmp", "icmpv6", "data", "eth", "frame"};
        const bool application =
            std::find(std::begin(kNotApplication), std::end(kNotApplication), protocol) == std::end(kNotApplication);
        for (tap::Flow *flow : touched_) {
            if (application) table_.note_protocol(*flow, protocol);
            // Names are looked up while the capture is open; one member per interface.
            const std::uint32_t id = flow->interface_id;
            if (id != tap::FlowPacket::kNoInterface && id >= interface_members_.size()) {
                interface_members_.resize(id + 1, file_member_);
                if (const std::string &name = interface_names_.member(pinfo, id); !name.empty())
                    interface_members_[id] = file_member_ + name;
            }
        }
        touched_.clear();
        latest_secs_ = std::max<std::int64_t>(latest_secs_, pinfo->abs_ts.secs);
        table_.expire(latest_secs_, ended_);
        write(ended_);
        ended_.clear();
        table_.due_updates(latest_secs_, updates_);
        write(updates_);
        updates_.clear();
    }
    have_ip_ = have_transport_ = false;
    frame_ = 0;
    return community_id_;
}

void FlowRecorder::write(const std::vector<tap::Flow> &flows) {
    if (exporter_ == nullptr) return;
    for (const tap::Flow &flow : flows) {
        const std::string &index = options_.daily ? daily_index_->name_for(flow.first_secs)
                                                  : exporter::flow_index_prefix(options_.index_prefix);
        indices_.insert(index);
        const tap::PacketId id = tap::flow_id(flow);
        // In a live capture every version of a record replaces the one before (bulk_batch.h);
        // a file's records are written once and created.
        exporter_->add_document(
            index, id.view(),
            [&](JsonBuffer &out) { tap::write_flow_document(flow, where(flow.interface_id), out, identity_, geo_); },
            live_ ? flow.version() : 0);
        ++(flow.final ? flows_written_ : flow_updates_);
    }
}

void FlowRecorder::finish() {
    if (!recording_) return;
    table_.drain(ended_);
    write(ended_);
    ended_.clear();
}

}  // namespace espcap
