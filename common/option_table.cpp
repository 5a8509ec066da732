// SPDX-License-Identifier: GPL-2.0-or-later
// The option table: every key espcap knows, each with its default, what it accepts,
// how it is read, its help and where it applies. parse_options(), the Preferences
// dialog (plugin/plugin.cpp), the README's options table (checked by
// tests/unit/readme_options_test.cpp) and the tools' usage all read it, so a key, a
// default or a limit is written here and nowhere else.
#include <charconv>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "option_values.h"
#include "options.h"
#include "secret_file.h"

namespace espcap {
namespace {

using detail::byte_size_text;
using detail::seconds_text;

using detail::kGiga;
using detail::kKilo;
using detail::kMega;

// Larger limits are "all" in practice: a byte field is at most one frame or reassembly.
constexpr std::size_t kMaxByteLimit = std::size_t{1} << 20;

// Where each key applies (see OptionUse).
constexpr unsigned kConnecting = kUsedByTshark | kUsedByReplay | kUsedByPcap;
constexpr unsigned kSending = kUsedByTshark | kUsedByReplay;
constexpr unsigned kIndexing = kUsedByTshark;

// One kind of value: how it is read, and what it accepts as the docs and errors say it.
struct Value {
    OptionSpec::Apply apply;
    std::string values;   // Markdown
    std::string expects;  // for errors
    std::optional<OptionSpec::Limits> limits;
};

// A value only its reader describes: it explains its own errors.
Value custom(OptionSpec::Apply apply) {
    Value kind;
    kind.apply = std::move(apply);
    return kind;
}

// `place` is a pointer to a member of Options, or a function giving a member's member.
template <typename Place>
Value text(Place place) {
    return custom([place](Options &o, const std::string &value, std::string &) {
        std::invoke(place, o) = value;
        return true;
    });
}

// `values` and `expects` for a closed list of spellings: "`a`, `b` or `c`".
template <typename T>
void describe_spellings(Value &kind, const std::vector<std::pair<const char *, T>> &spellings) {
    for (std::size_t i = 0; i < spellings.size(); ++i) {
        const std::string separator = i == 0 ? "" : i + 1 == spellings.size() ? " or " : ", ";
        kind.values += separator + "`" + spellings[i].first + "`";
        kind.expects += separator + spellings[i].first;
    }
}

// A closed list of spellings, each standing for one value of the member.
template <typename Place, typename T>
Value choice(Place place, std::vector<std::pair<const char *, T>> spellings) {
    Value kind;
    describe_spellings(kind, spellings);
    kind.apply = [place, spellings = std::move(spellings)](Options &o, const std::string &value, std::string &) {
        for (const auto &[spelling, meaning] : spellings) {
            if (value == spelling) {
                std::invoke(place, o) = meaning;
                return true;
            }
        }
        return false;
    };
    return kind;
}

template <typename Place>
Value boolean(Place place) {
    return choice<Place, bool>(place, {{"true", true}, {"false", false}});
}

template <typename Place>
OptionSpec::Limits limits(Place place, double min, double max,
                          std::function<std::string(double)> text = [](double value) {
                              return std::to_string(static_cast<long long>(value));
                          }) {
    return {min, max, [place](const Options &o) { return static_cast<double>(std::invoke(place, o)); },
            std::move(text)};
}

// A whole number from min to max; `noun` says what it counts in errors ("seconds").
template <typename Int, typename Place>
Value whole_number(Place place, const char *noun, Int min, Int max) {
    Value kind;
    kind.values = std::to_string(min) + " to " + std::to_string(max);
    kind.expects = std::string(noun) + " from " + kind.values;
    kind.apply = [place, min, max](Options &o, const std::string &value, std::string &) {
        Int number{};
        if (!detail::parse_whole_number<Int>(value, min, max, number)) return false;
        std::invoke(place, o) = number;
        return true;
    };
    kind.limits = limits(place, static_cast<double>(min), static_cast<double>(max));
    return kind;
}

template <typename Int, typename Place>
Value count(Place place, Int min, Int max) {
    return whole_number<Int>(place, "a whole number", min, max);
}

template <typename Place>
Value seconds(Place place, long min, long max) {
    return whole_number<long>(place, "seconds", min, max);
}

// Bytes written "5m", "512k", "1g" or as a plain number.
template <typename Place>
Value byte_size(Place place, std::size_t min, std::size_t max, const char *example) {
    Value kind;
    kind.values = byte_size_text(min) + " to " + byte_size_text(max);
    kind.expects = "a size from " + kind.values + " (e.g. " + example + ")";
    kind.apply = [place, min, max](Options &o, const std::string &value, std::string &) {
        std::size_t bytes = 0;
        if (!detail::parse_byte_size(value, min, max, bytes)) return false;
        std::invoke(place, o) = bytes;
        return true;
    };
    kind.limits = limits(place, static_cast<double>(min), static_cast<double>(max));
    return kind;
}

// Seconds with up to three decimals, held in milliseconds.
template <typename Place>
Value seconds_in_ms(Place place, long min_ms, long max_ms, const char *example) {
    Value kind;
    kind.values = seconds_text(min_ms) + " to " + seconds_text(max_ms);
    kind.expects = "seconds from " + kind.values + " (e.g. " + example + ")";
    kind.apply = [place, min_ms, max_ms](Options &o, const std::string &value, std::string &) {
        return detail::parse_seconds_as_ms(value, min_ms, max_ms, std::invoke(place, o));
    };
    kind.limits = limits(place, static_cast<double>(min_ms), static_cast<double>(max_ms),
                         [](double ms) { return seconds_text(static_cast<long>(ms)); });
    return kind;
}

Value node_list() {
    return custom([](Options &o, const std::string &value, std::string &problem) {
        return detail::parse_node_list(value, o.nodes, problem);
    });
}

Value index_prefix() {
    return custom([](Options &o, const std::string &value, std::string &problem) {
        if (!detail::valid_index_prefix(value, problem)) {
            problem = "'" + detail::shown(value) + "' " + problem;
            return false;
        }
        o.index_prefix = value;
        return true;
    });
}

// A folder, or off (false) for none.
Value folder_or_off(std::string Options::*place) {
    return custom([place](Options &o, const std::string &value, std::string &) {
        o.*place = (value == "off" || value == "false") ? "" : value;
        return true;
    });
}

// A file whose one line is the secret that goes to `place`.
Value secret_file(std::string Options::*place) {
    return custom([place](Options &o, const std::string &path, std::string &problem) {
        return read_secret_file(path, o.*place, problem);
    });
}

Value protocol_list(std::vector<std::string> DocumentContent::*place) {
    return custom([place](Options &o, const std::string &value, std::string &problem) {
        return detail::parse_protocol_list(value, o.content.*place, problem);
    });
}

Value retention_days() {
    Value kind = whole_number<long>(&Options::retention_days, "days", 1, 36500);
    kind.expects = "off or a number of days from " + kind.values;
    OptionSpec::Apply days = std::move(kind.apply);
    kind.apply = [days = std::move(days)](Options &o, const std::string &value, std::string &problem) {
        if (value == "off") {
            o.retention_days = 0;
            return true;
        }
        return days(o, value, problem);
    };
    kind.limits.reset();  // "off" is 0, outside the range
    return kind;
}

Value labels() {
    return custom([](Options &o, const std::string &value, std::string &problem) {
        return detail::parse_labels(value, o.labels, problem);
    });
}

bool &text_items(Options &o) { return o.content.text_items; }

// profile: each name stands for a whole DocumentContent and a choice of doc values.
struct Profile {
    DocumentContent content;
    Options::Aggregatable aggregatable = Options::Aggregatable::all;
};

Value profile() {
    Profile compact;
    compact.content.byte_limit = 0;
    compact.content.text_items = false;
    compact.aggregatable = Options::Aggregatable::common;
    std::vector<std::pair<const char *, Profile>> profiles = {{"full", Profile{}}, {"compact", compact}};
    Value kind;
    describe_spellings(kind, profiles);
    kind.apply = [profiles = std::move(profiles)](Options &o, const std::string &value, std::string &) {
        for (const auto &[name, chosen] : profiles) {
            if (value == name) {
                o.content = chosen.content;
                o.aggregatable = chosen.aggregatable;
                return true;
            }
        }
        return false;
    };
    return kind;
}

// bytes: all, none, or how many of a byte field's first bytes are written.
Value byte_limit() {
    Value kind;
    kind.values = "1 to " + std::to_string(kMaxByteLimit);
    kind.expects = "all, none or a number of bytes from " + kind.values;
    kind.apply = [](Options &o, const std::string &value, std::string &) {
        if (value == "all" || value == "none") {
            o.content.byte_limit = value == "all" ? DocumentContent::kAllBytes : 0;
            return true;
        }
        std::size_t limit = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
        if (ec != std::errc() || end != value.data() + value.size() || limit < 1 || limit > kMaxByteLimit)
            return false;
        o.content.byte_limit = limit;
        return true;
    };
    return kind;
}

struct Default {
    const char *value;       // parsed into every Options
    const char *when_unset;  // or, with no value, what that means
};
Default is(const char *value) { return {value, nullptr}; }
Default unset(const char *meaning) { return {nullptr, meaning}; }

OptionSpec option(const char *key, const char *title, Value kind, Default fallback, unsigned used_by,
                  std::string help) {
    OptionSpec spec{key, title, std::move(help), fallback.value, fallback.when_unset, std::move(kind.values),
                    std::move(kind.expects), std::move(kind.apply), std::move(kind.limits)};
    spec.used_by = used_by;
    return spec;
}

OptionSpec secret(OptionSpec spec) {
    spec.secret = true;
    return spec;
}

// Two ways of giving one thing (password and password_file): a run takes one of them.
OptionSpec instead_of(const char *other_key, OptionSpec spec) {
    spec.instead_of = other_key;
    return spec;
}

OptionSpec applied_first(OptionSpec spec) {
    spec.applied_first = true;
    return spec;
}

}  // namespace

const std::vector<OptionSpec> &option_specs() {
    using Flows = Options::Flows;
    using Compression = Options::Compression;
    using Aggregatable = Options::Aggregatable;
    static const std::vector<OptionSpec> specs = {
        option("node", "Elasticsearch node(s)", node_list(), unset("none"), kConnecting,
               "Elasticsearch nodes, comma-separated, `host:port` or `http(s)://host:port[/prefix]` (port " +
                   std::to_string(Endpoint::kDefaultPort) +
                   " by default). Turns espcap on. Requests rotate over the nodes."),
        option("file", "Bulk NDJSON file", text(&Options::output_file), unset("none"), kIndexing,
               "Write the bulk NDJSON (action and document lines) to this file, `-` for stdout; with or without "
               "`node`. Turns espcap on. Appends, so `espcap-index` runs collect every capture in one file; a "
               "write error fails the documents it refused (exit 2)."),
        option("chunk", "Documents per bulk request", count<std::size_t>(&Options::chunk, 1, 100000), is("1000"),
               kIndexing, "Documents per bulk request, {values}."),
        option("bulk_bytes", "Bytes per bulk request", byte_size(&Options::bulk_bytes, kKilo, kGiga, "5m"), is("5m"),
               kIndexing, "A request also closes at this many bytes, {values}."),
        option("flush_interval", "Flush interval (s)",
               seconds_in_ms(&Options::flush_interval_ms, 10, 3600 * 1000, "0.5"), is("1"), kIndexing,
               "Seconds after its first document at which a request is sent anyway, {values}."),
        // Elasticsearch parses, indexes and answers one request while the next is on its
        // way, so even one node on two cores gains from three.
        option("senders", "Requests in flight", count<unsigned>(&Options::senders, 1, 16), is("3"), kSending,
               "Bulk requests in flight at once, {values}; each holds one batch in memory."),
        option("gzip", "Compress requests",
               choice<Compression Options::*, Compression>(
                   &Options::gzip,
                   {{"true", Compression::always}, {"false", Compression::never}, {"auto", Compression::automatic}}),
               is("auto"), kSending,
               "{values}: compress request bodies; `auto` does unless every node is `localhost`, `127.x.x.x` or "
               "`::1`."),
        option("user", "User name", text(&Options::user), unset("none"), kConnecting,
               "User for HTTP basic authentication."),
        secret(option("password", "Password", text(&Options::password), unset("none"), kConnecting,
                      "Password for HTTP basic authentication. Never printed; a password field in the preferences.")),
        secret(option("api_key", "API key", text(&Options::api_key), unset("none"), kConnecting,
                      "API key (the base64 `encoded` form), sent as `Authorization: ApiKey`. Never printed.")),
        instead_of("password", option("password_file", "Password file", secret_file(&Options::password),
                                      unset("none"), kConnecting,
                                      "File holding the password on one line, readable by its owner alone (`chmod "
                                      "600`): keeps it off the command line, and works as a preference.")),
        instead_of("api_key", option("api_key_file", "API key file", secret_file(&Options::api_key), unset("none"),
                                     kConnecting,
                                     "File holding the API key on one line, readable by its owner alone (`chmod "
                                     "600`): keeps it off the command line, and works as a preference.")),
        option("ca_file", "CA certificate file", text(&Options::ca_file), unset("system CAs"), kConnecting,
               "PEM file of the CA that signed the node's certificate."),
        option("tls_verify", "Verify TLS certificates", boolean(&Options::tls_verify), is("true"), kConnecting,
               "`false` accepts any certificate, with a warning on every run."),
        option("dead_letter", "Dead-letter file", text(&Options::dead_letter), is("espcap-dead-letter.ndjson"),
               kSending,
               "Where documents Elasticsearch refuses for good are kept, with the reason; created 0600. As root, give "
               "an absolute path: the relative default is not written."),
        option("dead_letter_max", "Dead-letter file size limit",
               byte_size(&Options::dead_letter_max, kMega, 1024 * kGiga, "10g"), is("1g"), kSending,
               "Most bytes the dead-letter file may hold, earlier runs' lines included, {values}; past it refused "
               "documents still count as failed, and the summary says the file is full."),
        option("spool", "Spool folder", folder_or_off(&Options::spool), is("espcap-spool"), kSending,
               "Folder where batches wait while no node answers, in a subfolder named after the first node (0700, "
               "one user's: replay refuses files of others). `off` turns spooling off: such documents then fail. As "
               "root, give an absolute path: the relative default is not written."),
        option("spool_max", "Spool size limit", byte_size(&Options::spool_max, kMega, 1024 * kGiga, "10g"),
               is("1g"), kSending, "Most bytes (gzipped) the spool subfolder may hold, {values}."),
        option("index", "Index prefix", index_prefix(), is("packets"), kConnecting,
               "Index prefix: documents go to `PREFIX-YYYY-MM-DD`, packets whose record has no timestamp to "
               "`PREFIX-no-timestamp`. Valid UTF-8, lowercase, at most " +
                   std::to_string(detail::kMaxIndexPrefixBytes) +
                   " characters, no control character, space or `,#:\\/*?\"<>\\|`, not starting with `-`, `_` or "
                   "`+`."),
        option("filter", "Packet filter", text(&Options::filter), unset("all packets"), kIndexing,
               "A display filter: only matching packets are indexed."),
        option("timeout", "Request timeout (s)", seconds(&Options::timeout_seconds, 1, 3600), is("30"), kConnecting,
               "Seconds to wait for each request, {values}."),
        option("retry_seconds", "Retry budget (s)", seconds(&Options::retry_seconds, 0, 86400), is("120"), kSending,
               "How long a request is retried through connection errors, timeouts and 429/502/503/504 ({values}) "
               "before its documents go to the spool, or fail."),
        option("not_protocols", "Layers that are not protocols", text(&Options::not_protocols_file),
               unset("built-in list"), kIndexing,
               "File of layer names (one per line, `*` wildcards, `#` comments) that never count as a document's "
               "`protocol`; replaces [`config/not_protocols.list`](config/not_protocols.list)."),
        option("trace", "Trace bulk errors", boolean(&Options::trace), is("false"), kSending,
               "`true` prints every bulk error in full on stderr."),
        option("template", "Install index template", boolean(&Options::install_template), is("true"), kSending,
               "Install the `espcap-PREFIX` index template and map each index's fields by type; `false` leaves "
               "that to you."),
        option("template_file", "Template file", text(&Options::template_file), unset("none"), kSending,
               "Also write the template body to this file."),
        option("flows", "Flow records",
               choice<Flows Options::*, Flows>(&Options::flows,
                                               {{"true", Flows::on}, {"false", Flows::off}, {"only", Flows::only}}),
               is("false"), kIndexing,
               "`true`: also write one record per conversation to `PREFIX-flows-YYYY-MM-DD`; `only`: flow records "
               "and no packet documents ([docs/flows.md](docs/flows.md))."),
        // Zeek's tcp_inactivity_timeout, the longest of Zeek's and Packetbeat's defaults.
        option("flow_timeout", "Flow idle timeout (s)", seconds(&Options::flow_timeout_seconds, 1, 86400), is("300"),
               kIndexing, "Seconds (packet time) a flow may be idle before its record is written, {values}."),
        // Packetbeat's flows period is 10 s, NetFlow's active timeout is often 60 s: a
        // minute keeps long flows visible without rewriting every record often.
        option("flow_update", "Flow update interval (s)", seconds(&Options::flow_update_seconds, 0, 86400), is("60"),
               kIndexing,
               "In a live capture, seconds between updates of a flow's record while the flow goes on (same id, "
               "counts so far, the newest version wins), {values}; 0: written once, when the flow ends."),
        option("stats_file", "Stats file", text(&Options::stats_file), unset("none"), kIndexing,
               "At the end of the run, write its counts to this file as one JSON object (`packets`, `indexed`, "
               "`already_indexed`, `failed`, `spooled`, `flow_records`, `bytes_sent`, `seconds`, `indices`, "
               "`first_error`...), replacing it in one step; mode 0600."),
        option("retention", "Retention (days)", retention_days(), unset("`off`"), kSending,
               "Delete espcap's own daily indices (`PREFIX-YYYY-MM-DD`, `PREFIX-flows-YYYY-MM-DD`, with espcap's "
               "mapping) whose day is more than this many days before today (UTC), {values}: when a run starts "
               "and once a day while it goes on. Packets of such days are counted and not indexed "
               "([docs/long-captures.md](docs/long-captures.md))."),
        option("sensor", "Sensor name", text(&Options::sensor), unset("none"), kIndexing,
               "This sensor's name, written as `observer.name` on every packet and flow record (`observer.hostname`, "
               "the host's name, is always written) ([docs/documents.md](docs/documents.md))."),
        option("labels", "Labels", labels(), unset("none"), kIndexing,
               "`key:value` pairs, comma-separated, written on every packet and flow record as `labels.key` "
               "(`site:lab,rack:3`); keys of letters, digits, `_` and `-`."),
        option("geoip", "GeoIP database", text(&Options::geoip_database), unset("none"), kIndexing,
               "A MaxMind DB file (`.mmdb`: GeoLite2 or DB-IP City or Country): fills `source.geo.*` and "
               "`destination.geo.*` (country, city, location) on packets and flow records "
               "([docs/long-captures.md](docs/long-captures.md#geoip-and-asn))."),
        option("asn", "ASN database", text(&Options::asn_database), unset("none"), kIndexing,
               "A MaxMind DB ASN file (GeoLite2-ASN, DB-IP ASN lite): fills `source.as.number` and "
               "`source.as.organization.name` (and the destination's)."),
        option("daily", "Index per day", boolean(&Options::daily), is("true"), kIndexing,
               "`false` sends every document to the index named exactly `PREFIX`."),
        applied_first(option(
            "profile", "Document profile", profile(), is("full"), kIndexing,
            "`compact` leaves byte fields and text-only items out of each document and keeps doc values only on "
            "the `common` fields (every field kept is searchable): about a quarter of the index. Keys given with "
            "it override it ([docs/storage.md](docs/storage.md)).")),
        option("bytes", "Byte fields", byte_limit(), is("all"), kIndexing,
               "Byte fields (payloads, reassembled data, options as hex): `all`, `none`, or the first `N` bytes "
               "({values})."),
        option("text_items", "Text-only items", boolean(&text_items), is("true"), kIndexing,
               "`false` leaves out text-only tree items (labels no display filter can name); the fields beneath "
               "them stay."),
        option("aggregatable", "Aggregatable fields",
               choice<Aggregatable Options::*, Aggregatable>(
                   &Options::aggregatable, {{"all", Aggregatable::all}, {"common", Aggregatable::common}}),
               is("all"), kIndexing,
               "Which fields carry doc values (what aggregations and sorting read): `all` but per-packet noise "
               "(checksums, raw sequence numbers...), or `common`: addresses, ports, lengths, streams, the packet "
               "time, protocols and the usual HTTP, DNS and TLS names. Every field stays searchable; decided per "
               "field by the run that maps it first ([docs/storage.md](docs/storage.md))."),
        option("protocols", "Only these protocols", protocol_list(&DocumentContent::only_protocols), unset("all"),
               kIndexing, "Only these top-level layers, with their children (as `tshark -J`)."),
        option("drop_protocols", "Protocols left out", protocol_list(&DocumentContent::drop_protocols),
               unset("none"), kIndexing, "These protocols left out with their children, at any depth."),
    };
    return specs;
}

}  // namespace espcap
