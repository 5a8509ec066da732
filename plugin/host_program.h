// SPDX-License-Identifier: GPL-2.0-or-later
// What espcap may do to the program it is loaded into. tshark is a batch tool whose
// exit status scripts read; Wireshark is an interactive window that must never exit
// because of us.
#pragma once

#include <string>

namespace espcap::host {

bool is_tshark();

// One line on stderr (tshark) or a dialog (Wireshark).
void report_error(const std::string &message);

// Bad usage before any packet was read: tshark exits with status 1.
[[noreturn]] void exit_for_bad_usage(const std::string &message);
void report_bad_usage(const std::string &message);

// Stops reading or capturing the way Ctrl-C does (tshark only): tshark finishes the
// current packet, runs its shutdown routines and exits.
void ask_to_stop();

// At shutdown, when not everything reached Elasticsearch, tshark must not exit with
// status 0: 2 when documents failed (see the dead-letter file), 3 when some wait in the
// spool (nothing lost, but not searchable yet).
void exit_with_failure_status();
// The run stopped at start: the node refused us (401, 403, a certificate) or is none.
void exit_with_refusal_status();
void exit_with_spooled_status();

}  // namespace espcap::host
