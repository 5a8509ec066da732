// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes the search-reply parser of espcap-pcap with arbitrary node replies. Beyond not
// crashing: a refused reply adds no packet and says why; an accepted one holds at most a
// page of hits, and every hit either is marked malformed or carries frame facts made of
// digits alone, since those reach tshark's display filter.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "packet_search.h"

namespace {
void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_search_hits: %s\n", what);
        std::abort();
    }
}

bool digits(const std::string &text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    const std::string reply(reinterpret_cast<const char *>(bytes), size);
    std::vector<espcap::retrieve::IndexedPacket> packets;
    std::string last_sort, pit = "before", error;
    if (!espcap::retrieve::parse_hits_page(reply, packets, last_sort, pit, error)) {
        require(!error.empty(), "a refused reply says why");
        require(packets.empty(), "a refused reply adds no packet");
        require(pit == "before", "a refused reply keeps the point in time");
        return 0;
    }
    require(packets.size() <= espcap::retrieve::kHitsPerPage, "at most a page of hits");
    if (!last_sort.empty())
        require(!nlohmann::json::parse(last_sort, nullptr, /*allow_exceptions=*/false).is_discarded(),
                "the sort values are JSON");
    for (const auto &packet : packets) {
        if (!packet.malformed.empty()) continue;
        require(digits(packet.frame_number), "a usable frame number is digits");
        require(digits(packet.frame_len) && digits(packet.cap_len), "usable lengths are digits");
        require(packet.time_epoch.find_first_not_of("-.0123456789") == std::string::npos, "a usable time is a number");
    }
    return 0;
}
