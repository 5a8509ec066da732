// SPDX-License-Identifier: GPL-2.0-or-later
// espcap's settings: one validated value built from `-X espcap:key=value` arguments
// and Wireshark preferences. Plain C++; export/ and tap/ receive an Options and never
// read a preference themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "document_content.h"

namespace espcap {

struct Endpoint {
    static constexpr std::uint16_t kDefaultPort = 9200;  // when a node names none
    std::string scheme;  // "http" or "https"
    std::string host;
    std::uint16_t port = 0;
    std::string path_prefix;  // "" or "/something", no trailing slash

    std::string url() const;  // scheme://host:port/prefix
    // localhost, 127.0.0.0/8 or ::1 written as such (names are not resolved here).
    bool is_loopback() const;
};

// Every member starts at its option's default from the table in option_table.cpp, the
// one place defaults are written: a default-constructed Options is what a run with no
// option gets.
struct Options {
    Options();

    std::vector<Endpoint> nodes;
    std::string output_file;  // "file": bulk NDJSON to a path, "-" = stdout
    std::size_t chunk = 0;
    std::string index_prefix;
    std::string filter;  // display filter applied by the tap
    long timeout_seconds = 0;
    long retry_seconds = 0;
    bool install_template = false;  // "template"
    std::string template_file;      // where to write the template too
    std::string stats_file;         // the run's counts as JSON, written at the end
    // Who saw the packets: "sensor" (observer.name) and "labels" (labels.KEY), written
    // on every packet and flow record.
    std::string sensor;
    std::vector<std::pair<std::string, std::string>> labels;
    // MaxMind DB files: "geoip" (City or Country) and "asn"; "" for none.
    std::string geoip_database;
    std::string asn_database;
    // "retention": espcap's daily indices older than this many days are deleted (0: never).
    long retention_days = 0;
    bool daily = false;             // PREFIX-YYYY-MM-DD; false: every document in PREFIX
    std::size_t bulk_bytes = 0;
    long flush_interval_ms = 0;  // "flush_interval", given in seconds
    unsigned senders = 0;  // bulk requests in flight at once
    // "gzip": true, false, or auto (the default): compress unless every node is on this
    // machine, where compression costs CPU at both ends and saves no network.
    enum class Compression { automatic, always, never };
    Compression gzip = Compression::automatic;
    bool compress_requests() const;
    std::string user, password, api_key, ca_file;
    bool tls_verify = false;
    std::string dead_letter;
    // Batches Elasticsearch could not take (down past the retry budget) wait here;
    // empty when spooling is off ("spool=off").
    std::string spool;
    std::string not_protocols_file;  // replaces the built-in config/not_protocols.list
    bool trace = false;              // print every bulk error in full
    std::uint64_t spool_max = 0;
    std::uint64_t dead_letter_max = 0;
    // "flows": flow records in PREFIX-flows-YYYY-MM-DD beside the packets (on), none
    // (off), or flow records alone (only: no packet documents). Off by default: see
    // docs/flows.md for the measured cost.
    enum class Flows { off, on, only };
    Flows flows = Flows::off;
    // "flow_timeout": a flow idle this long (packet time) is written and forgotten.
    long flow_timeout_seconds = 0;
    // "flow_update": in a live capture, a flow's record is rewritten this often while the
    // flow goes on (0: only when it ends).
    long flow_update_seconds = 0;
    DocumentContent content;  // profile, bytes, text_items, protocols, drop_protocols
    // "aggregatable": which fields get doc values, the per-field column that
    // aggregations, sorting and scripts read: every field but per-packet noise (all), or
    // only the fields analysts group by (common; the compact profile). Every field stays
    // searchable either way; the rules are in export/field_storage.cpp.
    enum class Aggregatable { all, common };
    Aggregatable aggregatable = Aggregatable::all;

    // espcap does nothing unless there is somewhere to send documents.
    bool active() const { return !nodes.empty() || !output_file.empty(); }
};

// Where an option applies. Every program accepts every key; those it does not use it
// ignores, and its usage names the keys that matter to it.
enum OptionUse : unsigned {
    kUsedByTshark = 1,  // tshark -X espcap:... and the Wireshark preferences: every key
    kUsedByReplay = 2,  // espcap-replay: the connection, the spool, the template
    kUsedByPcap = 4,    // espcap-pcap: the connection and the index prefix
};

// One user-settable key: a row of the table in option_table.cpp. Parsing, its error
// messages, the Preferences dialog, the README's options table and the tools' usage
// all read these rows.
struct OptionSpec {
    // How a value is read into an Options. On failure it either explains the problem
    // itself or leaves `problem` empty: the error then says what `expects` describes.
    using Apply = std::function<bool(Options &, const std::string &value, std::string &problem)>;
    // A numeric option's accepted range, in the unit its member holds (flush_interval:
    // milliseconds), how to read the member back and how to write a value as option text.
    struct Limits {
        double min = 0, max = 0;
        std::function<double(const Options &)> read;
        std::function<std::string(double)> text;
    };

    const char *key;    // the -X key and the preference name
    const char *title;  // for the Preferences dialog
    // What the option does, in Markdown (`code`, [text](link)); "{values}" stands for
    // `values` so a range is written once. The default is not in it.
    std::string help;
    const char *default_value;  // the text every Options is parsed from; nullptr: none
    const char *when_unset;     // what no value means, for the docs ("none", "all packets")
    std::string values;         // what it accepts, in Markdown: "1 to 100000", "`true` or `false`"
    std::string expects;        // for errors: "a whole number from 1 to 100000"
    Apply apply;
    std::optional<Limits> limits;
    unsigned used_by = kUsedByTshark;  // OptionUse bits
    bool secret = false;               // masked in the Preferences dialog; its value is never printed
    bool applied_first = false;        // it sets other keys (profile): those given with it override it
    const char *instead_of = nullptr;  // another key giving the same thing (password_file: password)

    std::string help_markdown() const;     // `help` with its values
    std::string default_markdown() const;  // 1000, `5m`, none
    std::string description() const;      // plain text for the Preferences dialog: help, then default
};

// The table: every key espcap knows, in the order the Preferences dialog lists them.
const std::vector<OptionSpec> &option_specs();

// The keys used by `use` (an OptionUse), comma-separated, for usage texts.
std::string option_keys(unsigned use);

// The README's options table, one row per key ("| key | default | meaning |").
std::string options_markdown_table();

using RawOptions = std::vector<std::pair<std::string, std::string>>;

struct OptionsResult {
    Options options;
    std::string error;  // empty when the options are valid; names the offending key
    bool ok() const { return error.empty(); }
};

// Splits the text after "-X espcap:" into key and value ("node=host:9200").
// Returns false with `error` set when there is no '=' or no key.
bool split_option_argument(std::string_view argument, std::pair<std::string, std::string> &out,
                           std::string &error);

// Validates every entry; later entries override earlier ones with the same key, so
// callers pass preferences first and -X arguments last. An empty value is an error:
// callers leave out the preferences that are not set.
OptionsResult parse_options(const RawOptions &raw);

// One line per secret (password, api_key) given in `command_line`, where other users
// can read it (ps, /proc/PID/cmdline): it works, but the *_file key is the safe way.
std::vector<std::string> command_line_secret_warnings(const RawOptions &command_line);

// One line per setting that weakens the connection: tls_verify=false, and credentials
// sent in clear text over http:// to a node that is not on this machine.
std::vector<std::string> connection_warnings(const Options &options);

// Parses "host:port", "http://host:port/prefix", "https://[::1]:9200" ...
bool parse_endpoint(std::string_view text, Endpoint &out, std::string &error);

}  // namespace espcap
