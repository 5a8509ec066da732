// SPDX-License-Identifier: GPL-2.0-or-later
// Checks a display filter (filter=) with Wireshark's own compiler: tshark reads an
// empty capture with it, so a syntax error or an unknown field is refused in
// Wireshark's words, before any search runs, and a filter that compiles alone is one
// expression that "(FILTER) && ..." can extend.
#pragma once

#include <string>
#include <vector>

namespace espcap::retrieve {

// Wireshark's message lines for a filter it refuses (with the caret line under the
// place), empty when it compiles. `work_dir` receives an empty capture to read.
std::vector<std::string> display_filter_errors(const std::string &filter, const std::string &work_dir);

}  // namespace espcap::retrieve
