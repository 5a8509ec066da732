// SPDX-License-Identifier: GPL-2.0-or-later
// Checks a display filter (filter=) with Wireshark's own compiler: tshark reads an
// empty capture with it, so a syntax error or an unknown field is refused in
// Wireshark's words, before any search runs, and a filter that compiles alone is one
// expression that "(FILTER) && ..." can extend. The same tshark run says which words
// of the filter name fields or protocols (filter_narrowing.h needs to know).
#pragma once

#include <set>
#include <string>
#include <vector>

namespace espcap::retrieve {

struct FilterCheck {
    // Wireshark's message lines for a filter it refuses (with the caret line under the
    // place); empty when it compiles.
    std::vector<std::string> errors;
    // The words Wireshark knows as field or protocol names (tshark prints them with
    // `-T fields -e WORD`, and names the ones it does not know). Empty when tshark gives
    // no clear answer: then nothing counts as a field and nothing narrows.
    std::set<std::string> fields;
};

// Checks `filter` and which of `words` are fields. `work_dir` receives an empty capture
// to read. Usually one tshark run; two when a word is not a field.
FilterCheck check_display_filter(const std::string &filter, const std::vector<std::string> &words,
                                 const std::string &work_dir);

}  // namespace espcap::retrieve
