// SPDX-License-Identifier: GPL-2.0-or-later
// The open flows of a capture, fed one packet at a time, and the flows that ended.
//
//   FlowTable table(limits);
//   Flow &flow = table.observe(packet);          // per TCP/UDP header, or per IP packet
//   table.note_protocol(flow, "http");
//   table.expire(latest_time, ended);            // after each frame: idle and closed flows
//   table.due_updates(latest_time, updates);     // long flows' records so far
//   table.drain(ended);                          // at the end of the capture: every flow
//
// A flow is one Wireshark conversation: TCP and UDP by their stream index (so a reused
// address/port pair is a new flow, as in `tshark -z conv,tcp`), anything else over IP
// by its address pair and protocol (and ports, for SCTP). The side that sent the first
// packet is the source. Time is packet time, so reading a file gives the same flows as
// capturing it did. Memory is bounded: a flow ends when it is idle for `idle_timeout`,
// a TCP flow `close_delay` after its FIN in both directions or a RST (the last ACK still
// counts), and past `max_open` flows the least recently seen one ends early.
//
// A flow that lasts longer than `update_interval` gets its record written while it goes
// on, every update_interval seconds of packet time in which it saw packets: the same
// record (same id) with the counts so far and an `event.end` that moves. Each version of
// the record carries a number that only grows (version()), so whatever order the
// updates reach the index in, the newest stays.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "community_id.h"

namespace espcap::tap {

// One packet's view of its flow: source is this packet's sender.
struct FlowPacket {
    FlowTuple tuple;
    bool has_stream = false;  // TCP and UDP: Wireshark's stream index
    std::uint32_t stream = 0;
    std::uint32_t frame = 0;
    std::int64_t file_offset = 0;  // the record's offset in its file: with the time, which packet
    std::int64_t secs = 0;
    std::int32_t nsecs = 0;
    std::uint32_t frame_bytes = 0;  // the frame's length on the wire, as conv tables count
    std::uint16_t tcp_flags = 0;
    std::uint32_t interface_id = kNoInterface;
    static constexpr std::uint32_t kNoInterface = 0xffffffffu;
};

enum class FlowEnd : std::uint8_t { fin, rst, idle, capture_end, table_full };
std::string_view flow_end_name(FlowEnd end);

struct Flow {
    FlowTuple initiator;  // the first packet's direction; ports zero when it has none
    std::string community_id;
    bool has_stream = false;
    std::uint32_t stream = 0;
    std::uint32_t first_frame = 0, last_frame = 0;
    std::int64_t first_file_offset = 0;  // names the first packet across runs (frame numbers do not)
    std::uint32_t ordinal = 0;  // flows begun earlier by the same frame (a tunnel's inner flow)
    std::int64_t first_secs = 0, last_secs = 0;
    std::int32_t first_nsecs = 0, last_nsecs = 0;
    std::uint64_t packets[2] = {0, 0};  // [0] source to destination, [1] back
    std::uint64_t bytes[2] = {0, 0};
    std::uint16_t tcp_flags = 0;  // every flag seen, either direction
    bool fin_seen[2] = {false, false};
    bool closed = false;  // FIN both ways or RST: ends after close_delay
    FlowEnd end = FlowEnd::capture_end;
    std::uint32_t interface_id = FlowPacket::kNoInterface;
    std::vector<std::string_view> protocols;  // application protocols, first seen first
    // Where the flow's packets are in the capture file (record offsets, as packet
    // documents' file_offset), so its packets can be read back without packet documents.
    // At most FlowLimits::max_file_offsets; `file_offsets_complete` is false past that.
    std::vector<std::int64_t> file_offsets;
    bool file_offsets_complete = true;
    bool final = false;                 // ended: no update follows this record
    std::uint64_t packets_at_update = 0;  // packets when the last update was taken
    std::int64_t updated_secs = 0;        // packet time of the last update (or the start)

    std::uint64_t total_packets() const { return packets[0] + packets[1]; }
    // Greater for every later record of the flow: twice the packets, plus one when final
    // (an update never follows the final record, and a final record with no packet since
    // the last update still replaces it).
    std::uint64_t version() const { return total_packets() * 2 + (final ? 1 : 0); }
};

struct FlowLimits {
    std::int64_t idle_timeout_seconds = 300;
    std::int64_t close_delay_seconds = 5;
    std::size_t max_open = 250000;
    std::size_t max_protocols = 8;
    std::int64_t update_interval_seconds = 0;  // 0: a flow's record is written once, when it ends
    std::size_t max_file_offsets = 0;          // per flow; 0: none kept (no file to point into)
};

class FlowTable {
public:
    explicit FlowTable(FlowLimits limits) : limits_(limits) {}

    // Counts the packet in its flow (a new one when none is open) and returns it. The
    // reference is valid until the next expire() or drain().
    Flow &observe(const FlowPacket &packet);
    // `name` must outlive the table (Wireshark's protocol names do).
    void note_protocol(Flow &flow, std::string_view name);

    // Moves flows that ended by `now` (seconds) to `ended`, and the least recently seen
    // ones while more than max_open are open.
    void expire(std::int64_t now, std::vector<Flow> &ended);
    // Every open flow, in the order they began.
    void drain(std::vector<Flow> &ended);
    // Copies of the flows that saw packets and were not written for update_interval
    // seconds by `now`. Looks at the table at most every update_interval / 4 seconds.
    void due_updates(std::int64_t now, std::vector<Flow> &updates);
    void set_update_interval(std::int64_t seconds) { limits_.update_interval_seconds = seconds; }
    // 0 also drops the offsets kept so far (those of the first packets, seen before the
    // capture's file was known to be absent).
    void set_max_file_offsets(std::size_t most);

    std::size_t open_flows() const { return index_.size(); }

private:
    struct Key {
        std::uint8_t protocol, address_size;
        bool has_stream;
        std::uint32_t stream;
        std::array<std::uint8_t, 16> low, high;
        std::uint16_t low_port, high_port;
        bool operator==(const Key &other) const;
    };
    struct KeyHash {
        std::size_t operator()(const Key &key) const;
    };
    using List = std::list<std::pair<Key, Flow>>;
    struct Entry {
        List *list;
        List::iterator node;
    };
    static Key key_of(const FlowPacket &packet);
    void end(List &list, List::iterator node, FlowEnd why, std::vector<Flow> &ended);

    FlowLimits limits_;
    // Least recently seen first: the open flows, and TCP flows waiting out close_delay.
    List open_, closed_;
    std::int64_t next_update_scan_ = INT64_MIN;
    std::unordered_map<Key, Entry, KeyHash> index_;
    std::uint32_t last_frame_ = 0;
    std::uint32_t flows_begun_in_frame_ = 0;
};

}  // namespace espcap::tap
