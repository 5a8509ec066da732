// SPDX-License-Identifier: GPL-2.0-or-later
// Runs one of Wireshark's command-line tools (tshark, editcap, mergecap) and collects
// what it printed. Nothing goes through a shell: each argument reaches the tool as is.
#pragma once

#include <string>
#include <vector>

namespace espcap::retrieve {

struct ProgramRun {
    int exit_status = -1;  // -1 when the program could not be started
    std::string out, err;  // its standard output and standard error
    std::string start_error;  // why it could not be started
    bool ok() const { return exit_status == 0; }
    // One line for a report: the start error, or the exit status and stderr's last line.
    std::string describe_failure(const std::string &program) const;
};

ProgramRun run_program(const std::vector<std::string> &argv);

}  // namespace espcap::retrieve
