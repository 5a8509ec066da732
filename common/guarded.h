// SPDX-License-Identifier: GPL-2.0-or-later
// Wireshark calls us from C: an exception that leaves a tap, preference, init, shutdown
// or menu callback cannot unwind through its frames and ends the program
// (std::terminate), as does one that leaves a thread's body (the exporter's sender and
// connector threads). Each such entry point runs its work through guarded(), which
// reports the exception instead; the caller decides what the failure means (a packet
// counted as failed...).
//
//   guarded("packet tap", report, [&] { index_packet(pinfo, edt); });
#pragma once

#include <exception>
#include <string>

namespace espcap {

// Runs `work`; returns false when it threw, after telling `report` what (and where).
// Never throws, even when `report` does.
template <typename Report, typename Work>
bool guarded(const char *where, Report &&report, Work &&work) noexcept {
    std::string what;
    try {
        work();
        return true;
    } catch (const std::exception &error) {
        try {
            what = error.what();
        } catch (...) {
        }
    } catch (...) {
    }
    try {
        report(std::string("internal error in ") + where + ": " + (what.empty() ? "unknown exception" : what));
    } catch (...) {
    }
    return false;
}

}  // namespace espcap
