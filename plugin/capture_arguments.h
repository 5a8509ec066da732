// SPDX-License-Identifier: GPL-2.0-or-later
// What tshark's command line says about the capture (-r, -i, -w, -b): Wireshark's
// plugin API does not tell a tap which file is being read. The session turns it into
// the run's tap::CaptureOrigin.
#pragma once

#include <string>
#include <vector>

namespace espcap {

struct CaptureArguments {
    std::string read_file;                // -r / --read-file, empty when capturing live
    std::vector<std::string> interfaces;  // -i / --interface
    std::string write_file;               // -w: where a live capture is also written ("-": stdout)
    bool ring_buffer = false;             // -b / --ring-buffer: -w names a series of files

    // The file a live capture's packets are read back from, so documents can name it:
    // tshark reads what dumpcap writes to -w. Empty when there is none (no -w, "-") or
    // when it changes during the run (a ring buffer).
    std::string live_file() const;
};

// Reads tshark/wireshark style arguments (argv[0] first), honouring bundled short
// options (-qr FILE), attached values (-rFILE, --read-file=FILE) and "--".
CaptureArguments capture_arguments_of(const std::vector<std::string> &argv);

// Whether `candidate` (a file name, no folder) is one of the files dumpcap writes for
// `-b ... -w write_file`: STEM_NNNNN_YYYYMMDDhhmmss.EXT for write_file STEM.EXT.
bool is_ring_buffer_file(const std::string &write_file, const std::string &candidate);

// With a ring buffer, the file tshark reads packets back from now: the one this process
// has open (under /proc/self/fd) that is a ring-buffer file of `write_file`, written in
// write_file's own form (its folder as given + the file's name). "" if none is open.
std::string open_ring_buffer_file(const std::string &write_file);

// The running process's arguments, from /proc/self/cmdline (empty if unavailable).
std::vector<std::string> current_process_arguments();

// The file's modification time as "YYYY-MM-DDTHH:MM:SS" UTC, or "" if it cannot be read.
std::string file_date_utc(const std::string &path);

}  // namespace espcap
