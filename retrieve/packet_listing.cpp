// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet_listing.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <tuple>

namespace espcap::retrieve {
namespace {

// frame.time_epoch ("secs.nnnnnnnnn", checked when the hit was read) as seconds and
// nanoseconds, for ordering and printing.
std::pair<std::int64_t, std::uint32_t> epoch_parts(const std::string &time_epoch) {
    const std::size_t dot = time_epoch.find('.');
    std::int64_t seconds = 0;
    std::from_chars(time_epoch.data(), time_epoch.data() + dot, seconds);
    std::string fraction = time_epoch.substr(dot + 1, 9);
    fraction.resize(9, '0');
    std::uint32_t nanos = 0;
    std::from_chars(fraction.data(), fraction.data() + fraction.size(), nanos);
    return {seconds, nanos};
}

std::string utc_text(const std::string &time_epoch) {
    const auto [seconds, nanos] = epoch_parts(time_epoch);
    const std::time_t time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    char text[64];
    if (gmtime_r(&time, &utc) == nullptr || std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &utc) == 0)
        return time_epoch;
    char with_nanos[80];
    std::snprintf(with_nanos, sizeof with_nanos, "%s.%09" PRIu32, text, nanos);
    return with_nanos;
}

std::string or_dash(const std::string &text) { return text.empty() ? "-" : text; }

}  // namespace

std::string listing_line(const ListedPacket &listed) {
    const IndexedPacket &packet = *listed.packet;
    char columns[160];
    std::snprintf(columns, sizeof columns, "%s  %-15s  %-15s  %-8s  %5s  ", utc_text(packet.time_epoch).c_str(),
                  or_dash(packet.source).c_str(), or_dash(packet.destination).c_str(),
                  or_dash(packet.protocol).c_str(), packet.frame_len.c_str());
    // Addresses and protocols may be long (IPv6, a hostile document): nothing is cut.
    std::string line = columns;
    if (line.size() + 1 >= sizeof columns)
        line = utc_text(packet.time_epoch) + "  " + or_dash(packet.source) + "  " + or_dash(packet.destination) + "  " +
               or_dash(packet.protocol) + "  " + packet.frame_len + "  ";
    return line + listed.file_name + " frame " + packet.frame_number;
}

void sort_for_listing(std::vector<ListedPacket> &packets) {
    const auto key = [](const ListedPacket &listed) {
        std::uint64_t frame = 0;
        const std::string &number = listed.packet->frame_number;
        std::from_chars(number.data(), number.data() + number.size(), frame);
        return std::make_tuple(epoch_parts(listed.packet->time_epoch), listed.file_name, frame);
    };
    std::stable_sort(packets.begin(), packets.end(),
                     [&key](const ListedPacket &a, const ListedPacket &b) { return key(a) < key(b); });
}

}  // namespace espcap::retrieve
