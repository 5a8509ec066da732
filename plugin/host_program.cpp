// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_program.h"

#include <wireshark.h>
#include <wsutil/report_message.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <errno.h>  // program_invocation_short_name

#include "exit_status.h"

namespace espcap::host {

bool is_tshark() { return std::strncmp(program_invocation_short_name, "tshark", 6) == 0; }

void report_error(const std::string &message) {
    if (is_tshark()) {
        std::fprintf(stderr, "espcap: %s\n", message.c_str());
        std::fflush(stderr);
    } else {
        report_failure("espcap: %s", message.c_str());
    }
}

void exit_for_bad_usage(const std::string &message) {
    std::fprintf(stderr, "tshark: espcap: %s\n", message.c_str());
    std::fflush(nullptr);
    std::exit(exit_status::kBadUsage);
}

void report_bad_usage(const std::string &message) {
    if (is_tshark()) exit_for_bad_usage(message);
    report_failure("espcap: %s", message.c_str());
}

void ask_to_stop() {
    if (is_tshark()) std::raise(SIGINT);
}

namespace {
void exit_tshark_with(int status) {
    if (!is_tshark()) return;
    std::fflush(nullptr);
    std::exit(status);
}
}  // namespace

void exit_with_failure_status() { exit_tshark_with(exit_status::kFailed); }
// As bad usage: what was given (node, credentials, role) must change before a run can work.
void exit_with_refusal_status() { exit_tshark_with(exit_status::kBadUsage); }
void exit_with_spooled_status() { exit_tshark_with(exit_status::kStillSpooled); }

}  // namespace espcap::host
