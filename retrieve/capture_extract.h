// SPDX-License-Identifier: GPL-2.0-or-later
// Reads given packets out of one capture file with Wireshark's own tools, checks each is
// the packet that was indexed, and labels it with a packet comment:
//
//   tshark -r FILE -o frame.show_file_off:TRUE -Y 'frame.file_off in {...}' -w PART
//   editcap -a 1:'espcap-pcap: FILE frame N' ... PART COMMENTED_PART
//
// With filter=, a second pass over the original file, `-Y '(FILTER) && (frame.file_off
// in {...})'`, keeps the packets Wireshark's filter selects there: the same answer as
// `tshark -r FILE -Y FILTER`, within the documents found.
//
// A packet is found by its byte offset in the file (the document's file_offset) or, for
// documents indexed before file_offset existed, by its frame number. If any packet at
// those places differs from its document (time to the nanosecond, wire and captured
// length), the file is not the one that was indexed: none of its packets are delivered.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "packet_search.h"

namespace espcap::retrieve {

struct FileRequest {
    std::string name;  // as the documents name it
    std::string path;  // where it is read
    std::vector<IndexedPacket> packets;
    std::string display_filter;  // filter=: decided by a second pass over the file; "" none
    bool write = true;           // false: only find and check the packets (count=, list=)
};

struct FileExtraction {
    std::vector<std::string> parts;  // pcapng files holding the delivered packets (when writing)
    std::vector<const IndexedPacket *> selected;  // the delivered packets, into the request
    std::size_t filtered_out = 0;  // found and checked, but not selected by filter=
    std::string problem;  // why the file's packets are not delivered; empty when they are
};

// Writes the parts into `work_dir`, a folder of this file's own: extractions of
// different files share nothing and may run at once.
FileExtraction extract_packets(const FileRequest &request, const std::string &work_dir);

// The packet comment that names where a packet came from.
std::string source_comment(const std::string &file_name, const IndexedPacket &packet);

}  // namespace espcap::retrieve
