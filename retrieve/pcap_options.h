// SPDX-License-Identifier: GPL-2.0-or-later
// espcap-pcap's own keys (query=, captures=, max_packets=...): one table gives each its
// default, what it accepts and its help, and parsing, the usage text and the table in
// docs/retrieval.md (checked by tests/unit/pcap_options_test.cpp) all read it. The
// connection keys (node=, index=, user=...) are espcap's, in common/option_table.cpp.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "flow_packets.h"
#include "packet_search.h"

namespace espcap::retrieve {

struct PcapOptions {
    PcapOptions();  // every key at its table default

    PacketQuery query;         // query=, query_dsl=, from=, to=
    std::string captures_dir;  // captures=: where relative file names are looked up; "" = here
    bool absolute_paths = false;
    std::size_t max_packets = 0;
    std::string display_filter;  // filter=: decided by tshark on the original files
    FlowQuery flow;              // flow=, community_id=: a flow's packets, from its records
    bool count = false;          // print how many packets, on stdout
    bool list = false;           // print one line per packet, on stdout
    std::string output;          // -w
};

struct PcapOptionSpec {
    const char *key;
    const char *default_value;  // parsed into every PcapOptions; nullptr: none
    std::string help;           // Markdown
    // Reads `value`; false with `error` set when it is not acceptable.
    using Apply = std::function<bool(PcapOptions &, const std::string &value, std::string &error)>;
    Apply apply;
};

const std::vector<PcapOptionSpec> &pcap_option_specs();

// Applies key=value when `key` is one of espcap-pcap's own keys: returns false when it
// is not (it is then one of espcap's options); `error` says why a value was refused.
bool take_pcap_option(const std::string &key, const std::string &value, PcapOptions &options, std::string &error);

// docs/retrieval.md's table of these keys ("| key | default | meaning |").
std::string pcap_options_markdown_table();

// The keys, comma-separated, for the usage text.
std::string pcap_option_keys();

}  // namespace espcap::retrieve
