// SPDX-License-Identifier: GPL-2.0-or-later
// Narrows the search for filter=: from a Wireshark 4.0 display filter, an engine query
// that selects a superset of the documents whose packets the filter can select. tshark
// still decides every candidate on the original file (capture_extract.h), so the
// answer stays exact; the narrowing only saves reading files that cannot hold one.
//
// What narrows: a protocol tested alone (`dns`), and a field compared (`tcp.port == 80`,
// `len(dns.qry.name) > 15`, `eth.src[0:3] == 00:0c:29`), joined by `and`; `or` narrows
// when each branch does. Wireshark 4.0 compares only values that exist (`!=` too), so a
// compared field has a value in the packet: its member in the document, or at least its
// protocol's layer. What does not: a field tested alone (`tcp.analysis.retransmission`
// may have no value and sit in another protocol's layer), `not` (anything under it),
// functions other than lower/upper/len (count() is 0 for a missing field), and any
// construct this parser does not know (the whole filter then narrows nothing).
#pragma once

#include <set>
#include <string>
#include <vector>

namespace espcap::retrieve {

struct Narrowing {
    std::string query;        // a query clause (JSON text); "" when nothing narrows
    std::string description;  // what it requires, e.g. "dns.qry.name and (udp or tcp)"
};

// The words of `filter` that may name a field or protocol (`dns.qry.name`, `tcp`, but
// also an unquoted literal such as `GET`): tshark tells which are fields
// (display_filter_check.h), since Wireshark reads a word as a field when one has that name.
std::vector<std::string> field_name_candidates(const std::string &filter);

// The narrowing of `filter`, a filter tshark compiled, given which of its words are
// fields or protocols (`fields`).
Narrowing narrow_display_filter(const std::string &filter, const std::set<std::string> &fields);

}  // namespace espcap::retrieve
