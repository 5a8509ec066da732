// SPDX-License-Identifier: GPL-2.0-or-later
// list=true: one line per packet, for a quick look without writing a file:
//
//   2015-08-14 21:20:38.915946000  192.168.1.2      8.8.8.8          dns        79  caps/dns.pcap frame 1
//
// time (UTC, to the nanosecond), source and destination (the outermost IP layer's, as
// the document's source.ip and destination.ip), protocol (the highest), wire length,
// file and frame number. The caller escapes each line: every value comes from a document.
#pragma once

#include <string>
#include <vector>

#include "packet_search.h"

namespace espcap::retrieve {

struct ListedPacket {
    const IndexedPacket *packet;
    std::string file_name;
};

std::string listing_line(const ListedPacket &listed);

// Time order (then file and frame), as the pcapng is merged.
void sort_for_listing(std::vector<ListedPacket> &packets);

}  // namespace espcap::retrieve
