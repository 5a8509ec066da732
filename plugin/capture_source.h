// Where the host program reads packets from, learned from its command line:
// Wireshark's plugin API does not tell a tap which file is being read.
#pragma once

#include <string>
#include <vector>

namespace espcap {

struct CaptureSource {
    std::string read_file;                // -r / --read-file, empty when capturing live
    std::vector<std::string> interfaces;  // -i / --interface
};

// Reads tshark/wireshark style arguments (argv[0] first), honouring bundled short
// options (-qr FILE), attached values (-rFILE, --read-file=FILE) and "--".
CaptureSource capture_source_from_arguments(const std::vector<std::string> &argv);

// The running process's arguments, from /proc/self/cmdline (empty if unavailable).
std::vector<std::string> current_process_arguments();

// The file's modification time as "YYYY-MM-DDTHH:MM:SS" UTC, or "" if it cannot be read.
std::string file_date_utc(const std::string &path);

}  // namespace espcap
