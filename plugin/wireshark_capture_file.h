// SPDX-License-Identifier: GPL-2.0-or-later
// Which capture file Wireshark is showing, learned from one of its packets; the GUI
// export turns it into the run's tap::CaptureOrigin.
//
// Wireshark 4.0 has no plugin call that names the open file, and the Qt program exports
// none of its own symbols. Every packet does carry its epan session, though, and in
// Wireshark (and tshark) that session's packet provider is the `provider` member of the
// program's capture_file (cfile.h, a public header). wireshark_capture_file_of() walks back from
// the one to the other and checks the result before trusting it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

struct _packet_info;

namespace espcap {

struct WiresharkCaptureFile {
    std::string file_name;       // as Wireshark opened it
    bool is_temporary = false;   // a live capture's temporary file, not a file the user chose
    std::string display_filter;  // the applied display filter, "" when none
    std::uint32_t frames = 0;    // packets in the file
    std::uint32_t displayed = 0; // packets the display filter shows
};

// Empty when the packet's session does not lead to a capture_file that points back to
// that same session (another host program, another Wireshark layout).
std::optional<WiresharkCaptureFile> wireshark_capture_file_of(const _packet_info *pinfo);

}  // namespace espcap
