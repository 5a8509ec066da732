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
// tshark checks -e names before the filter, and lists the unknown ones after this line,
// each on a line of its own after a tab.
constexpr const char *kUnknownFields = "Some fields aren't valid:";

bool starts_with(const std::string &text, const std::string &prefix) { return text.rfind(prefix, 0) == 0; }

ProgramRun read_empty_capture(const std::string &empty, const std::string &filter,
                              const std::vector<std::string> &fields) {
    std::vector<std::string> argv = {"tshark", "-n", "-r", empty, "-Y", filter};
    if (!fields.empty()) argv.insert(argv.end(), {"-T", "fields"});
    for (const std::string &field : fields) argv.insert(argv.end(), {"-e", field});
    return run_program(argv);
}

std::vector<std::string> error_lines(const ProgramRun &run) {
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

// The words tshark named as unknown, or false when its list is not what was asked about.
bool unknown_words(const std::string &err, std::set<std::string> &known) {
    std::istringstream list(err.substr(err.find(kUnknownFields)));
    std::string line;
    std::getline(list, line);
    bool any = false;
    while (std::getline(list, line) && !line.empty() && line[0] == '\t') {
        if (known.erase(line.substr(1)) == 0) return false;
        any = true;
    }
    return any;
}

}  // namespace

FilterCheck check_display_filter(const std::string &filter, const std::vector<std::string> &words,
                                 const std::string &work_dir) {
    FilterCheck check;
    const std::string empty = work_dir + "/empty.pcap";
    {
        std::ofstream out(empty, std::ios::binary);
        out.write(reinterpret_cast<const char *>(kEmptyPcap), sizeof kEmptyPcap);
        if (!out) {
            check.errors = {"cannot write " + empty + " to check the filter on"};
            return check;
        }
    }
    ProgramRun run = read_empty_capture(empty, filter, words);
    if (run.ok()) {
        check.fields.insert(words.begin(), words.end());
        return check;
    }
    if (!words.empty() && run.err.find(kUnknownFields) != std::string::npos) {
        std::set<std::string> known(words.begin(), words.end());
        if (unknown_words(run.err, known)) check.fields = std::move(known);
        run = read_empty_capture(empty, filter, {});
        if (run.ok()) return check;
        check.fields.clear();
    }
    check.errors = error_lines(run);
    return check;
}

}  // namespace espcap::retrieve
