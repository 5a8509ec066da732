// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcap_options.h"

#include <charconv>
#include <fstream>
#include <iterator>

namespace espcap::retrieve {
namespace {

// Each matching document costs a few hundred bytes while espcap-pcap runs.
constexpr std::size_t kMaxPacketsLimit = 100000000;

bool read_text_file(const std::string &path, std::string &out) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return false;
    out.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    return true;
}

template <typename Member>
PcapOptionSpec::Apply text(Member member) {
    return [member](PcapOptions &o, const std::string &value, std::string &) {
        member(o) = value;
        return true;
    };
}

bool parse_boolean(const std::string &key, const std::string &value, bool &out, std::string &error) {
    if (value != "true" && value != "false") {
        error = key + ": expected true or false";
        return false;
    }
    out = value == "true";
    return true;
}

}  // namespace

const std::vector<PcapOptionSpec> &pcap_option_specs() {
    static const std::vector<PcapOptionSpec> specs = {
        {"filter", nullptr,
         "A Wireshark display filter (`dns.qry.name contains \"example\"`, `ip.addr == 10.0.0.0/8`, "
         "`udp.port in {53, 5353}`): the answer is the packets `tshark -r FILE -Y FILTER` selects, among those "
         "the other keys find. Checked by Wireshark's own compiler first; decided by tshark on the original "
         "capture files. Alone (the engine narrows the search to the packets that may match) or with the keys below.",
         [](PcapOptions &o, const std::string &value, std::string &) {
             o.display_filter = value;
             o.query.everything = true;
             return true;
         }},
        {"query", nullptr,
         "A Lucene query string, as typed in Kibana's search bar (`protocol:dns`, `source.ip:\"10.1.2.3\"`, "
         "`layers.tcp.tcp_tcp_dstport:443`).",
         text([](PcapOptions &o) -> std::string & { return o.query.lucene; })},
        {"query_dsl", nullptr,
         "A query in Elasticsearch's query DSL: inline JSON (starting with `{`), or the name of a file holding it. "
         "Either the query clause (`{\"term\":{\"source.ip\":\"10.0.0.0/8\"}}`) or a whole search body "
         "(`{\"query\":{...}}`, of which only `query` is used).",
         [](PcapOptions &o, const std::string &value, std::string &error) {
             // Inline JSON starts with '{'; anything else names a file holding it.
             if (!value.empty() && value.front() == '{') {
                 o.query.dsl = value;
                 return true;
             }
             if (read_text_file(value, o.query.dsl)) return true;
             error = "query_dsl: cannot read '" + value + "'";
             return false;
         }},
        {"flow", nullptr,
         "A flow record's id (`_id` in `PREFIX-flows-*`): that flow's packets, read from its capture file at the "
         "offsets the record lists, with `flows=only` too. Not with `query`, `query_dsl`, `from` or `to`.",
         text([](PcapOptions &o) -> std::string & { return o.flow.flow_id; })},
        {"community_id", nullptr,
         "A Community ID (`1:...`): the packets of every flow record with that `network.community_id`, as "
         "`flow`.",
         text([](PcapOptions &o) -> std::string & { return o.flow.community_id; })},
        {"from", nullptr,
         "The packets' earliest time (inclusive) on `timestamp`: epoch milliseconds, an ISO 8601 date or time "
         "(`2024-05-01`, `2024-05-01T12:00:00Z`) or date math (`now-1h`).",
         text([](PcapOptions &o) -> std::string & { return o.query.from; })},
        {"to", nullptr, "The packets' latest time, exclusive; written as `from`.",
         text([](PcapOptions &o) -> std::string & { return o.query.to; })},
        {"captures", nullptr,
         "The folder relative `file_name`s are looked up in (default: the current folder). A name that leads "
         "outside it (`..`, a symbolic link) is refused. `file_name` is the path given to `tshark -r` when the "
         "file was indexed.",
         text([](PcapOptions &o) -> std::string & { return o.captures_dir; })},
        {"absolute_paths", "false",
         "`true` also reads documents whose `file_name` is absolute, wherever it points; `false` refuses them, "
         "since a document could name any file.",
         [](PcapOptions &o, const std::string &value, std::string &error) {
             return parse_boolean("absolute_paths", value, o.absolute_paths, error);
         }},
        {"count", "false",
         "`true` prints the number of packets found on stdout; no `-w` needed.",
         [](PcapOptions &o, const std::string &value, std::string &error) {
             return parse_boolean("count", value, o.count, error);
         }},
        {"list", "false",
         "`true` prints one line per packet on stdout, in time order: time (UTC), source, destination, protocol, "
         "length, file and frame; no `-w` needed.",
         [](PcapOptions &o, const std::string &value, std::string &error) {
             return parse_boolean("list", value, o.list, error);
         }},
        // The default holds tens of megabytes of hits, and more packets than anyone
        // opens in Wireshark at once.
        {"max_packets", "100000",
         "Most documents a search may match, 1 to " + std::to_string(kMaxPacketsLimit) +
             "; a search matching more writes nothing and exits 1.",
         [](PcapOptions &o, const std::string &value, std::string &error) {
             std::size_t number = 0;
             const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
             if (ec != std::errc() || end != value.data() + value.size() || number < 1 || number > kMaxPacketsLimit) {
                 error = "max_packets: expected a whole number from 1 to " + std::to_string(kMaxPacketsLimit);
                 return false;
             }
             o.max_packets = number;
             return true;
         }},
    };
    return specs;
}

PcapOptions::PcapOptions() {
    for (const PcapOptionSpec &spec : pcap_option_specs()) {
        std::string ignored;
        if (spec.default_value != nullptr) spec.apply(*this, spec.default_value, ignored);
    }
}

bool take_pcap_option(const std::string &key, const std::string &value, PcapOptions &options, std::string &error) {
    for (const PcapOptionSpec &spec : pcap_option_specs()) {
        if (key != spec.key) continue;
        // As for espcap's own keys: an empty value is a mistake, never "all".
        if (value.empty()) error = key + "= needs a value";
        else spec.apply(options, value, error);
        return true;
    }
    return false;
}

std::string pcap_options_markdown_table() {
    std::string table = "| key | default | meaning |\n|---|---|---|\n";
    for (const PcapOptionSpec &spec : pcap_option_specs()) {
        table += std::string("| `") + spec.key + "` | " +
                 (spec.default_value ? "`" + std::string(spec.default_value) + "`" : std::string("none")) + " | " +
                 spec.help + " |\n";
    }
    return table;
}

std::string pcap_option_keys() {
    std::string keys;
    for (const PcapOptionSpec &spec : pcap_option_specs()) keys += (keys.empty() ? "" : ", ") + std::string(spec.key);
    return keys;
}

}  // namespace espcap::retrieve
