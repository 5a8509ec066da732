// SPDX-License-Identifier: GPL-2.0-or-later
// A packet document's _id names the packet itself, never its place in one run's
// numbering: the same packet gets the same id in any run and under any filter (-R,
// -2 -R, -Y), from a file that grew since, from tshark or the GUI, across tshark's -M
// session resets; a different packet gets a different id. So a 409 from Elasticsearch
// only ever means "this very packet is already stored".
//
//   PacketRecord record = packet_record(pinfo, edt);
//   PacketId id = packet_id(record);       // id.view(): 22 characters
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

struct _packet_info;
struct epan_dissect;

namespace espcap::tap {

// What names one record of a capture file.
struct PacketRecord {
    std::int64_t file_offset = 0;  // where the record starts in the file it was read from
    std::int64_t secs = 0;         // absolute timestamp (0 when the record has none)
    std::int32_t nsecs = 0;
    std::uint32_t wire_length = 0;
    std::uint32_t captured_length = 0;
    bool has_interface = false;
    std::uint32_t interface_id = 0;
    const unsigned char *bytes = nullptr;  // the captured bytes, byte_count of them
    std::uint32_t byte_count = 0;
};

class PacketId {
public:
    static constexpr std::size_t kLength = 22;  // base64url of 16 bytes, no padding
    std::string_view view() const { return {text_.data(), text_.size()}; }
    std::array<char, kLength> &text() { return text_; }

private:
    std::array<char, kLength> text_{};
};

// base64url without padding of XXH3-128 over every member of `record` and its bytes.
// Elasticsearch stores such an _id as its 16 raw bytes.
PacketId packet_id(const PacketRecord &record);

// The same 22-character form for another record espcap names by what it is (a flow:
// its first packet and its key), so a re-run gives it the same id.
PacketId content_id(std::string_view content);

// The record behind a dissected packet (packet_record.cpp, which needs Wireshark).
PacketRecord packet_record(const _packet_info *pinfo, const epan_dissect *edt);

}  // namespace espcap::tap
