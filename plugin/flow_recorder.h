// SPDX-License-Identifier: GPL-2.0-or-later
// Flows and Community IDs for a run: listens to Wireshark's "ip", "ipv6", "tcp" and
// "udp" taps, the same ones `tshark -z conv,...` counts from, and at the end of each
// frame (the "frame" tap comes last) names the packet's flow and hands the flows that
// ended to the exporter as documents of PREFIX-flows-YYYY-MM-DD.
//
//   FlowRecorder flows(options);
//   flows.register_taps();                         // with the packet tap
//   flows.start(exporter, file_name);              // before the first document
//   std::string_view id = flows.end_frame(pinfo, protocol);  // per frame: its Community ID
//   flows.finish();                                // every open flow is written
//
// Taps fire from inside Wireshark's C code: nothing here lets an exception out.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "community_id.h"
#include "daily_index.h"
#include "exporter.h"
#include "flow_table.h"
#include "geo_enricher.h"
#include "interface_names.h"
#include "options.h"

struct _packet_info;

namespace espcap {

class FlowRecorder {
public:
    explicit FlowRecorder(const Options &options);
    ~FlowRecorder();
    FlowRecorder(const FlowRecorder &) = delete;
    FlowRecorder &operator=(const FlowRecorder &) = delete;

    std::string register_taps();  // an error for the user, or ""
    // Whether `options` would record flows the same way.
    bool options_equal(const Options &options) const {
        return options.flows == options_.flows && options.flow_timeout_seconds == options_.flow_timeout_seconds &&
               options.flow_update_seconds == options_.flow_update_seconds &&
               options.index_prefix == options_.index_prefix && options.daily == options_.daily;
    }
    std::string set_filter(const char *filter);
    void remove_taps();
    // Frames the display filter hides count in no flow (the GUI's displayed packets).
    void count_displayed_only() { displayed_only_ = true; }
    bool counts_frame(const _packet_info *pinfo) const;

    // `live`: updates the records of long flows every flow_update seconds (a file's
    // flows are written once, when they end).
    // `identity`: the sensor's pre-encoded members, written on every record; `geo`: the
    // addresses' GeoIP and ASN members (not owned), or null.
    void start(exporter::Exporter *exporter, const std::string &file_name, bool live, std::string identity = {},
               tap::GeoEnricher *geo = nullptr);
    // The frame's Community ID ("" when it has no IP flow); counts the frame in its
    // flows and writes those that ended.
    std::string_view end_frame(const _packet_info *pinfo, std::string_view protocol);
    void finish();

    // Whether end_frame() reads its `protocol` (flow records on): else it need not be found.
    bool recording() const { return recording_; }
    std::uint64_t flows_written() const { return flows_written_; }
    std::uint64_t flow_updates() const { return flow_updates_; }
    const std::set<std::string> &indices() const { return indices_; }

    // Tap callbacks (per header).
    void on_ip(const _packet_info *pinfo, const void *header);
    void on_ipv6(const _packet_info *pinfo, const void *header);
    void on_tcp(const _packet_info *pinfo, const void *header);
    void on_udp(const _packet_info *pinfo, const void *header);

private:
    void begin_frame_if_new(const _packet_info *pinfo);
    tap::FlowPacket packet_of(const _packet_info *pinfo) const;
    void observe_transport(const _packet_info *pinfo, const tap::FlowTuple &tuple, std::uint32_t stream,
                           std::uint16_t tcp_flags);
    bool packet_tuple(const _packet_info *pinfo, tap::FlowTuple &tuple) const;
    void write(const std::vector<tap::Flow> &flows);
    const std::string &where(std::uint32_t interface_id);

    Options options_;
    bool recording_;  // flows on or only; else Community IDs alone
    bool registered_ = false;
    bool displayed_only_ = false;
    // One listener per tap, each with an id of its own (remove_tap_listener() and
    // set_tap_dfilter() find a listener by its data pointer): an element's address.
    std::array<FlowRecorder *, 4> listeners_;
    tap::FlowTable table_;
    exporter::Exporter *exporter_ = nullptr;
    std::unique_ptr<tap::DailyIndex> daily_index_;
    std::string file_member_;  // ',"file_name":"..."' or ""
    std::string identity_;     // ',"observer":{...}...' (sensor_identity.h)
    tap::GeoEnricher *geo_ = nullptr;
    tap::InterfaceNames interface_names_;
    std::vector<std::string> interface_members_;  // by interface id: file and interface members
    std::set<std::string> indices_;
    std::uint64_t flows_written_ = 0;
    std::uint64_t flow_updates_ = 0;
    bool live_ = false;
    std::vector<tap::Flow> updates_;

    // What the taps saw of the current frame.
    std::uint32_t frame_ = 0;
    bool have_ip_ = false;
    tap::FlowTuple ip_;  // the last IP header outside any ICMP error: addresses, protocol
    bool have_transport_ = false;
    tap::FlowTuple transport_;  // the last TCP or UDP header
    std::vector<tap::Flow *> touched_;  // flows this frame counted in (valid until expire)
    std::vector<tap::Flow> ended_;
    std::int64_t latest_secs_ = INT64_MIN;
    std::string community_id_;
    tap::CommunityIds community_ids_;
};

}  // namespace espcap
