// SPDX-License-Identifier: GPL-2.0-or-later
#include "flow_table.h"

#include <algorithm>
#include <cstring>

namespace espcap::tap {
namespace {

constexpr std::uint16_t kTcpFin = 0x01;
constexpr std::uint16_t kTcpRst = 0x04;

// ICMP "ports" are the message type and code: they name a Community ID, not a flow.
bool ports_name_flow(const FlowTuple &t) { return t.protocol != kIpProtoIcmp && t.protocol != kIpProtoIcmpv6; }

bool same_endpoint(const FlowTuple &a, const FlowTuple &b) {
    return std::memcmp(a.source.data(), b.source.data(), a.address_size) == 0 &&
           (!ports_name_flow(a) || a.source_port == b.source_port);
}

}  // namespace

std::string_view flow_end_name(FlowEnd end) {
    switch (end) {
    case FlowEnd::fin: return "fin";
    case FlowEnd::rst: return "rst";
    case FlowEnd::idle: return "idle";
    case FlowEnd::capture_end: return "capture_end";
    case FlowEnd::table_full: return "table_full";
    }
    return "";
}

bool FlowTable::Key::operator==(const Key &o) const {
    return protocol == o.protocol && address_size == o.address_size && has_stream == o.has_stream &&
           stream == o.stream && low == o.low && high == o.high && low_port == o.low_port && high_port == o.high_port;
}

std::size_t FlowTable::KeyHash::operator()(const Key &key) const {
    // FNV-1a over the fields that vary; the addresses dominate.
    std::uint64_t hash = 1469598103934665603ull;
    auto mix = [&hash](const std::uint8_t *bytes, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
    };
    mix(key.low.data(), key.address_size);
    mix(key.high.data(), key.address_size);
    const std::uint8_t rest[] = {key.protocol,
                                 static_cast<std::uint8_t>(key.low_port), static_cast<std::uint8_t>(key.low_port >> 8),
                                 static_cast<std::uint8_t>(key.high_port), static_cast<std::uint8_t>(key.high_port >> 8),
                                 static_cast<std::uint8_t>(key.stream), static_cast<std::uint8_t>(key.stream >> 8),
                                 static_cast<std::uint8_t>(key.stream >> 16)};
    mix(rest, sizeof rest);
    return static_cast<std::size_t>(hash);
}

// The same key whichever way the packet goes: the lower (address, port) first.
FlowTable::Key FlowTable::key_of(const FlowPacket &packet) {
    FlowTuple t = packet.tuple;
    if (!ports_name_flow(t)) t.source_port = t.destination_port = 0;
    Key key{};
    key.protocol = t.protocol;
    key.address_size = t.address_size;
    key.has_stream = packet.has_stream;
    key.stream = packet.stream;
    const int order = std::memcmp(t.source.data(), t.destination.data(), t.address_size);
    const bool source_low = order < 0 || (order == 0 && t.source_port <= t.destination_port);
    key.low = source_low ? t.source : t.destination;
    key.high = source_low ? t.destination : t.source;
    key.low_port = source_low ? t.source_port : t.destination_port;
    key.high_port = source_low ? t.destination_port : t.source_port;
    return key;
}

void FlowTable::set_max_file_offsets(std::size_t most) {
    limits_.max_file_offsets = most;
    if (most != 0) return;
    for (List *list : {&open_, &closed_})
        for (auto &entry : *list) {
            entry.second.file_offsets.clear();
            entry.second.file_offsets_complete = true;
        }
}

Flow &FlowTable::observe(const FlowPacket &packet) {
    if (packet.frame != last_frame_) {
        last_frame_ = packet.frame;
        flows_begun_in_frame_ = 0;
    }
    const Key key = key_of(packet);
    auto found = index_.find(key);
    if (found == index_.end()) {
        open_.emplace_back(key, Flow{});
        Flow &flow = open_.back().second;
        flow.initiator = packet.tuple;
        flow.community_id = community_id(packet.tuple);
        flow.has_stream = packet.has_stream;
        flow.stream = packet.stream;
        flow.first_frame = packet.frame;
        flow.first_file_offset = packet.file_offset;
        flow.ordinal = flows_begun_in_frame_++;
        flow.first_secs = packet.secs;
        flow.first_nsecs = packet.nsecs;
        flow.updated_secs = packet.secs;
        flow.interface_id = packet.interface_id;
        found = index_.emplace(key, Entry{&open_, std::prev(open_.end())}).first;
    } else {
        // Most recently seen goes last, so expire() only looks at the front.
        Entry &entry = found->second;
        entry.list->splice(entry.list->end(), *entry.list, entry.node);
    }
    Flow &flow = found->second.node->second;
    const int direction = same_endpoint(packet.tuple, flow.initiator) ? 0 : 1;
    ++flow.packets[direction];
    flow.bytes[direction] += packet.frame_bytes;
    flow.last_frame = packet.frame;
    if (limits_.max_file_offsets > 0 && packet.file_offset >= 0 &&
        (flow.file_offsets.empty() || flow.file_offsets.back() != packet.file_offset)) {
        if (flow.file_offsets.size() < limits_.max_file_offsets)
            flow.file_offsets.push_back(packet.file_offset);
        else
            flow.file_offsets_complete = false;
    }
    // Out-of-order timestamps (merged captures) must not move the end backwards.
    if (packet.secs > flow.last_secs || (packet.secs == flow.last_secs && packet.nsecs > flow.last_nsecs) ||
        flow.packets[0] + flow.packets[1] == 1) {
        flow.last_secs = packet.secs;
        flow.last_nsecs = packet.nsecs;
    }
    if (packet.tuple.protocol == kIpProtoTcp) {
        flow.tcp_flags |= packet.tcp_flags;
        if (packet.tcp_flags & kTcpFin) flow.fin_seen[direction] = true;
        const bool rst = (packet.tcp_flags & kTcpRst) != 0;
        if (!flow.closed && (rst || (flow.fin_seen[0] && flow.fin_seen[1]))) {
            flow.closed = true;
            flow.end = rst ? FlowEnd::rst : FlowEnd::fin;
            Entry &entry = found->second;
            closed_.splice(closed_.end(), open_, entry.node);
            entry.list = &closed_;
        }
    }
    return flow;
}

void FlowTable::note_protocol(Flow &flow, std::string_view name) {
    if (name.empty() || flow.protocols.size() >= limits_.max_protocols) return;
    if (std::find(flow.protocols.begin(), flow.protocols.end(), name) == flow.protocols.end())
        flow.protocols.push_back(name);
}

void FlowTable::end(List &list, List::iterator node, FlowEnd why, std::vector<Flow> &ended) {
    if (!node->second.closed) node->second.end = why;
    node->second.final = true;
    index_.erase(node->first);
    ended.push_back(std::move(node->second));
    list.erase(node);
}

void FlowTable::expire(std::int64_t now, std::vector<Flow> &ended) {
    while (!closed_.empty() && now - closed_.front().second.last_secs >= limits_.close_delay_seconds)
        end(closed_, closed_.begin(), FlowEnd::fin, ended);
    while (!open_.empty() && now - open_.front().second.last_secs >= limits_.idle_timeout_seconds)
        end(open_, open_.begin(), FlowEnd::idle, ended);
    while (index_.size() > limits_.max_open) {
        List &oldest = open_.empty() ? closed_ : open_;
        end(oldest, oldest.begin(), FlowEnd::table_full, ended);
    }
}

void FlowTable::due_updates(std::int64_t now, std::vector<Flow> &updates) {
    const std::int64_t interval = limits_.update_interval_seconds;
    if (interval <= 0 || now < next_update_scan_) return;
    next_update_scan_ = now + std::max<std::int64_t>(1, interval / 4);
    for (List *list : {&open_, &closed_}) {
        for (auto &[key, flow] : *list) {
            if (now - flow.updated_secs < interval || flow.total_packets() == flow.packets_at_update) continue;
            flow.updated_secs = now;
            flow.packets_at_update = flow.total_packets();
            updates.push_back(flow);
        }
    }
}

void FlowTable::drain(std::vector<Flow> &ended) {
    const std::size_t first = ended.size();
    for (List *list : {&closed_, &open_}) {
        while (!list->empty()) end(*list, list->begin(), FlowEnd::capture_end, ended);
    }
    std::sort(ended.begin() + static_cast<std::ptrdiff_t>(first), ended.end(), [](const Flow &a, const Flow &b) {
        return a.first_frame != b.first_frame ? a.first_frame < b.first_frame : a.ordinal < b.ordinal;
    });
}

}  // namespace espcap::tap
