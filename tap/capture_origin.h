// SPDX-License-Identifier: GPL-2.0-or-later
// Where a run's packets come from, as their documents name it: the one description of
// a capture's origin. The front ends learn it their own way, tshark from its command
// line (plugin/capture_arguments.h), Wireshark from the file it shows
// (plugin/wireshark_capture_file.h), and hand it to the pipeline.
#pragma once

#include <string>

namespace espcap::tap {

struct CaptureOrigin {
    std::string file_name;      // the capture file the packets are in; empty for a live capture without one
    std::string file_date_utc;  // its modification time, "YYYY-MM-DDTHH:MM:SS"; empty for live captures
    // tshark -b ... -w FILE: each packet is named after the ring buffer file it is in.
    std::string ring_buffer_write_file;
    // Packets arrive as they are captured (tshark -i): long flows' records are updated
    // while they go on (flow_update). A file is read faster than its packets' time.
    bool live = false;
};

}  // namespace espcap::tap
