// espcap's settings: one validated value built from `-X espcap:key=value` arguments
// and Wireshark preferences. Plain C++; export/ and tap/ receive an Options and never
// read a preference themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "document_content.h"

namespace espcap {

struct Endpoint {
    std::string scheme;  // "http" or "https"
    std::string host;
    std::uint16_t port = 0;
    std::string path_prefix;  // "" or "/something", no trailing slash

    std::string url() const;  // scheme://host:port/prefix
    // localhost, 127.0.0.0/8 or ::1 written as such (names are not resolved here).
    bool is_loopback() const;
};

struct Options {
    std::vector<Endpoint> nodes;
    std::string output_file;  // "file": bulk NDJSON to a path, "-" = stdout
    std::size_t chunk = 1000;
    std::string index_prefix = "packets";
    std::string filter;  // display filter applied by the tap
    long timeout_seconds = 30;
    long retry_seconds = 120;
    bool install_template = true;  // "template"
    std::string template_file;     // where to write the template too
    bool daily = true;             // PREFIX-YYYY-MM-DD; false: every document in PREFIX
    std::size_t bulk_bytes = 5 * 1024 * 1024;
    long flush_interval_ms = 1000;  // "flush_interval", given in seconds
    // Bulk requests in flight at once: Elasticsearch parses, indexes and answers one
    // while the next is on its way, so even one node on two cores gains from three.
    unsigned senders = 3;
    // "gzip": true, false, or auto (the default): compress unless every node is on this
    // machine, where compression costs CPU at both ends and saves no network.
    enum class Compression { automatic, always, never };
    Compression gzip = Compression::automatic;
    bool compress_requests() const;
    std::string user, password, api_key, ca_file;
    bool tls_verify = true;
    std::string dead_letter = "espcap-dead-letter.ndjson";
    // Batches Elasticsearch could not take (down past the retry budget) wait here;
    // empty when spooling is off ("spool=off").
    std::string spool = "espcap-spool";
    std::string not_protocols_file;  // replaces the built-in config/not_protocols.list
    bool trace = false;              // print every bulk error in full
    std::uint64_t spool_max = std::uint64_t{1} << 30;
    // "flows": flow records in PREFIX-flows-YYYY-MM-DD beside the packets (on), none
    // (off), or flow records alone (only: no packet documents). Off by default: see
    // docs/flows.md for the measured cost.
    enum class Flows { off, on, only };
    Flows flows = Flows::off;
    // "flow_timeout": a flow idle this long (packet time) is written and forgotten.
    // Zeek's tcp_inactivity_timeout, the longest of Zeek's and Packetbeat's defaults.
    long flow_timeout_seconds = 300;
    DocumentContent content;  // profile, bytes, text_items, protocols, drop_protocols

    // espcap does nothing unless there is somewhere to send documents.
    bool active() const { return !nodes.empty() || !output_file.empty(); }
};

// One user-settable key: its name is the -X key and the preference name.
struct OptionSpec {
    const char *key;
    const char *title;        // for the Preferences dialog
    const char *description;  // includes the default
    bool secret = false;      // masked in the Preferences dialog, never printed
};

const std::vector<OptionSpec> &option_specs();

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

// Parses "host:port", "http://host:port/prefix", "https://[::1]:9200" ...
bool parse_endpoint(std::string_view text, Endpoint &out, std::string &error);

}  // namespace espcap
