// SPDX-License-Identifier: GPL-2.0-or-later
#include "display_filter_check.h"

#include <fstream>
#include <sstream>

#include "program_runner.h"

namespace espcap::retrieve {
namespace {

// A pcap file header and no packet: Ethernet, microseconds, snaplen 65535.
constexpr unsigned char kEmptyPcap[] = {0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};

bool starts_with(const std::string &text, const std::string &prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

std::vector<std::string> display_filter_errors(const std::string &filter, const std::string &work_dir) {
    const std::string empty = work_dir + "/empty.pcap";
    {
        std::ofstream out(empty, std::ios::binary);
        out.write(reinterpret_cast<const char *>(kEmptyPcap), sizeof kEmptyPcap);
        if (!out) return {"cannot write " + empty + " to check the filter on"};
    }
    const ProgramRun run = run_program({"tshark", "-n", "-r", empty, "-Y", filter});
    if (run.ok()) return {};
    if (run.exit_status < 0) return {run.describe_failure("tshark")};
    std::vector<std::string> lines;
    std::istringstream err(run.err);
    std::string line;
    while (std::getline(err, line)) {
        // tshark's warning about running as root says nothing about the filter.
        if (line.empty() || starts_with(line, "Running as user")) continue;
        lines.push_back(starts_with(line, "tshark: ") ? line.substr(8) : line);
    }
    if (lines.empty()) lines.push_back(run.describe_failure("tshark"));
    return lines;
}

}  // namespace espcap::retrieve
