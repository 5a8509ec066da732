// SPDX-License-Identifier: GPL-2.0-or-later
// Where espcap-pcap reads a document's capture file. A document's file_name is data
// from the node, so it is confined: a relative name is resolved under captures= (every
// symbolic link and `..` followed, as realpath does) and read only if the result stays
// inside; an absolute name is read only when the user said absolute_paths=true.
//
//   CaptureFolder folder;
//   if (!open_capture_folder("/caps", false, folder, error)) ...;
//   const CapturePlace place = locate_capture(folder, "eth0/a.pcap");  // /caps/eth0/a.pcap
//   if (!place.problem.empty()) ... report, do not read
#pragma once

#include <cstddef>
#include <string>

namespace espcap::retrieve {

// Longer names are refused without a look: no path the system can open is longer.
constexpr std::size_t kMaxFileNameBytes = 4096;

struct CaptureFolder {
    std::string root;             // captures=, resolved (realpath)
    bool absolute_paths = false;  // absolute file names are read where they are
};

// Resolves `dir` ("" for the current folder). False with `error` set when it is not a
// folder that exists.
bool open_capture_folder(const std::string &dir, bool absolute_paths, CaptureFolder &out, std::string &error);

struct CapturePlace {
    std::string path;     // the resolved file to read, when problem is empty
    std::string problem;  // why the file is not read: "missing (...)", "outside captures= ..."
};

CapturePlace locate_capture(const CaptureFolder &folder, const std::string &file_name);

}  // namespace espcap::retrieve
