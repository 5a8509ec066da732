#include "options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

namespace espcap {
namespace {

constexpr std::uint16_t kDefaultPort = 9200;
constexpr std::size_t kMaxChunk = 100000;
constexpr unsigned kMaxSenders = 16;
constexpr long kMaxTimeoutSeconds = 3600;
constexpr long kMaxRetrySeconds = 86400;
constexpr long kMaxFlowTimeoutSeconds = 86400;
constexpr std::size_t kMinBulkBytes = 1024;
constexpr std::size_t kMaxBulkBytes = 1024 * 1024 * 1024;
constexpr std::size_t kMinSpoolBytes = 1024 * 1024;
constexpr std::size_t kMaxSpoolBytes = std::size_t{1024} * 1024 * 1024 * 1024;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

template <typename Int>
bool parse_whole_number(std::string_view text, Int min, Int max, Int &out) {
    text = trim(text);
    Int value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
        return false;
    out = value;
    return true;
}

bool parse_bool(const std::string &value, bool &out, std::string &error) {
    if (value == "true" || value == "false") {
        out = value == "true";
        return true;
    }
    error = "expects true or false, got '" + value + "'";
    return false;
}

// "5m", "512k", "1g" or a plain number of bytes.
bool parse_byte_size(std::string_view text, std::size_t min, std::size_t max, std::size_t &out) {
    text = trim(text);
    std::size_t unit = 1;
    if (!text.empty()) {
        switch (std::tolower(static_cast<unsigned char>(text.back()))) {
        case 'k': unit = 1024; break;
        case 'm': unit = 1024 * 1024; break;
        case 'g': unit = 1024 * 1024 * 1024; break;
        default: break;
        }
        if (unit != 1) text.remove_suffix(1);
    }
    std::size_t count = 0;
    if (!parse_whole_number<std::size_t>(text, 1, max, count) || count > max / unit) return false;
    if (count * unit < min) return false;
    out = count * unit;
    return true;
}

// Seconds with up to three decimals ("1", "0.25") as milliseconds.
bool parse_seconds_as_ms(std::string_view text, long &out_ms) {
    text = trim(text);
    const auto dot = text.find('.');
    long whole = 0, millis = 0;
    if (!parse_whole_number<long>(text.substr(0, dot), 0, kMaxTimeoutSeconds, whole)) return false;
    if (dot != std::string_view::npos) {
        std::string_view fraction = text.substr(dot + 1);
        if (fraction.empty() || fraction.size() > 3) return false;
        if (!parse_whole_number<long>(fraction, 0, 999, millis)) return false;
        for (std::size_t i = fraction.size(); i < 3; ++i) millis *= 10;
    }
    const long total = whole * 1000 + millis;
    if (total < 10 || total > kMaxTimeoutSeconds * 1000) return false;
    out_ms = total;
    return true;
}

bool refuse_credentials(std::string_view text, std::string &error) {
    if (text.find('@') == std::string_view::npos) return false;
    error = "credentials in a node URL are not accepted";  // never echo the text: it holds a password
    return true;
}

bool parse_node_list(std::string_view text, std::vector<Endpoint> &nodes, std::string &error) {
    // Checked before splitting: a password may hold the ',' that separates nodes.
    if (refuse_credentials(text, error)) return false;
    nodes.clear();
    while (true) {
        const auto comma = text.find(',');
        Endpoint endpoint;
        if (!parse_endpoint(trim(text.substr(0, comma)), endpoint, error)) return false;
        nodes.push_back(std::move(endpoint));
        if (comma == std::string_view::npos) return true;
        text.remove_prefix(comma + 1);
    }
}

// Length of the well-formed UTF-8 sequence at the start of `text`, or 0 when it is
// ill-formed (overlong, a surrogate, past U+10FFFF, cut short).
std::size_t utf8_sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return 1;
    const std::size_t length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3
                             : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length == 0 || text.size() < length) return 0;
    for (std::size_t i = 1; i < length; ++i)
        if ((byte(i) & 0xc0) != 0x80) return 0;
    // The second byte's range rules out overlongs, surrogates and code points past U+10FFFF.
    if ((lead == 0xe0 && byte(1) < 0xa0) || (lead == 0xed && byte(1) > 0x9f) || (lead == 0xf0 && byte(1) < 0x90) ||
        (lead == 0xf4 && byte(1) > 0x8f))
        return 0;
    return length;
}

// The value as an error message may show it: bytes that are not printable ASCII as \xNN.
std::string shown(std::string_view value) {
    std::string text;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            text += c;
        } else {
            static constexpr char kHex[] = "0123456789abcdef";
            text += "\\x";
            text += kHex[byte >> 4];
            text += kHex[byte & 15];
        }
    }
    return text;
}

// Elasticsearch's rules for index names, applied to the prefix we date; checked here so
// a bad prefix stops the run before its first packet, not at its first request.
bool valid_index_prefix(std::string_view prefix, std::string &error) {
    if (prefix.empty()) {
        error = "must not be empty";
        return false;
    }
    if (prefix.front() == '-' || prefix.front() == '_' || prefix.front() == '+') {
        error = "must not start with '-', '_' or '+'";
        return false;
    }
    if (prefix == "." || prefix == "..") {
        error = "must not be '.' or '..'";
        return false;
    }
    for (std::size_t i = 0; i < prefix.size();) {
        const std::size_t length = utf8_sequence_length(prefix.substr(i));
        if (length == 0) {
            error = "is not valid UTF-8";
            return false;
        }
        const auto c = static_cast<unsigned char>(prefix[i]);
        // C0 and C1 control characters (a tab, a newline, U+0080..U+009F) and DEL.
        if (c < 0x20 || c == 0x7f || (c == 0xc2 && static_cast<unsigned char>(prefix[i + 1]) < 0xa0)) {
            error = "must not contain control characters";
            return false;
        }
        if (c >= 'A' && c <= 'Z') {
            error = "must be lowercase";
            return false;
        }
        if (std::string_view("\\/*?\"<>| ,#:").find(prefix[i]) != std::string_view::npos) {
            error = std::string("must not contain '") + prefix[i] + "'";
            return false;
        }
        i += length;
    }
    if (prefix.size() > 200) {
        error = "is longer than 200 bytes";
        return false;
    }
    return true;
}

// Options whose value is taken as it is, and true/false options.
const std::pair<const char *, std::string Options::*> kTextOptions[] = {
    {"file", &Options::output_file}, {"filter", &Options::filter},   {"user", &Options::user},
    {"password", &Options::password}, {"api_key", &Options::api_key}, {"ca_file", &Options::ca_file},
    {"dead_letter", &Options::dead_letter}, {"not_protocols", &Options::not_protocols_file},
    {"template_file", &Options::template_file},
};
const std::pair<const char *, bool Options::*> kBoolOptions[] = {
    {"template", &Options::install_template}, {"tls_verify", &Options::tls_verify},
    {"trace", &Options::trace}, {"daily", &Options::daily},
};

bool apply_option(Options &o, const std::string &key, const std::string &value, std::string &error) {
    for (const auto &[name, member] : kTextOptions) {
        if (key == name) {
            o.*member = value;
            return true;
        }
    }
    for (const auto &[name, member] : kBoolOptions) {
        if (key == name) return parse_bool(value, o.*member, error);
    }
    if (is_document_content_key(key)) return apply_document_content_option(o.content, key, value, error);
    if (key == "node") return parse_node_list(value, o.nodes, error);
    if (key == "chunk") {
        if (parse_whole_number<std::size_t>(value, 1, kMaxChunk, o.chunk)) return true;
        error = "expects a whole number from 1 to " + std::to_string(kMaxChunk) + ", got '" + value + "'";
        return false;
    }
    if (key == "gzip") {
        if (value == "auto" || value == "true" || value == "false") {
            o.gzip = value == "auto" ? Options::Compression::automatic
                   : value == "true" ? Options::Compression::always
                                     : Options::Compression::never;
            return true;
        }
        error = "expects true, false or auto, got '" + value + "'";
        return false;
    }
    if (key == "senders") {
        if (parse_whole_number<unsigned>(value, 1, kMaxSenders, o.senders)) return true;
        error = "expects a whole number from 1 to " + std::to_string(kMaxSenders) + ", got '" + value + "'";
        return false;
    }
    if (key == "index") {
        if (valid_index_prefix(value, error)) {
            o.index_prefix = value;
            return true;
        }
        error = "'" + shown(value) + "' " + error;
        return false;
    }
    if (key == "timeout") {
        if (parse_whole_number<long>(value, 1, kMaxTimeoutSeconds, o.timeout_seconds)) return true;
        error = "expects seconds from 1 to " + std::to_string(kMaxTimeoutSeconds) + ", got '" + value + "'";
        return false;
    }
    if (key == "retry_seconds") {
        if (parse_whole_number<long>(value, 0, kMaxRetrySeconds, o.retry_seconds)) return true;
        error = "expects seconds from 0 to " + std::to_string(kMaxRetrySeconds) + ", got '" + value + "'";
        return false;
    }
    if (key == "bulk_bytes") {
        if (parse_byte_size(value, kMinBulkBytes, kMaxBulkBytes, o.bulk_bytes)) return true;
        error = "expects a size from 1k to 1g (e.g. 5m), got '" + value + "'";
        return false;
    }
    if (key == "spool") {
        o.spool = (value == "off" || value == "false") ? "" : value;
        return true;
    }
    if (key == "spool_max") {
        std::size_t bytes = 0;
        if (parse_byte_size(value, kMinSpoolBytes, kMaxSpoolBytes, bytes)) {
            o.spool_max = bytes;
            return true;
        }
        error = "expects a size from 1m to 1024g (e.g. 10g), got '" + value + "'";
        return false;
    }
    if (key == "flows") {
        if (value == "true" || value == "false" || value == "only") {
            o.flows = value == "true" ? Options::Flows::on : value == "only" ? Options::Flows::only : Options::Flows::off;
            return true;
        }
        error = "expects true, false or only, got '" + value + "'";
        return false;
    }
    if (key == "flow_timeout") {
        if (parse_whole_number<long>(value, 1, kMaxFlowTimeoutSeconds, o.flow_timeout_seconds)) return true;
        error = "expects seconds from 1 to " + std::to_string(kMaxFlowTimeoutSeconds) + ", got '" + value + "'";
        return false;
    }
    if (key == "flush_interval") {
        if (parse_seconds_as_ms(value, o.flush_interval_ms)) return true;
        error = "expects seconds from 0.01 to 3600 (e.g. 0.5), got '" + value + "'";
        return false;
    }
    error = "unknown option";
    return false;
}

std::string known_keys() {
    std::string list;
    for (const OptionSpec &spec : option_specs()) {
        if (!list.empty()) list += ", ";
        list += spec.key;
    }
    return list;
}

}  // namespace

std::string Endpoint::url() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + path_prefix;
}

bool Endpoint::is_loopback() const {
    if (host == "localhost" || host == "::1") return true;
    // A dotted IPv4 literal in 127.0.0.0/8: four numbers from 0 to 255.
    std::string_view rest = host;
    for (int part = 0; part < 4; ++part) {
        const auto dot = rest.find('.');
        if ((part < 3) == (dot == std::string_view::npos)) return false;
        unsigned value = 0;
        if (!parse_whole_number<unsigned>(rest.substr(0, dot), 0, 255, value) || (part == 0 && value != 127))
            return false;
        if (dot != std::string_view::npos) rest.remove_prefix(dot + 1);
    }
    return true;
}

bool Options::compress_requests() const {
    if (gzip != Compression::automatic) return gzip == Compression::always;
    return !std::all_of(nodes.begin(), nodes.end(), [](const Endpoint &node) { return node.is_loopback(); });
}

const std::vector<OptionSpec> &option_specs() {
    static const std::vector<OptionSpec> specs = {
        {"node", "Elasticsearch node(s)",
         "Comma-separated http(s)://host:port or host:port (port 9200 by default). "
         "Setting it turns espcap on."},
        {"file", "Bulk NDJSON file",
         "Append the bulk requests to this file instead of (or as well as) sending them; '-' is "
         "standard output. Setting it turns espcap on."},
        {"chunk", "Documents per bulk request", "1 to 100000; default 1000."},
        {"bulk_bytes", "Bytes per bulk request",
         "A request closes at this size even before 'chunk' documents (1k to 1g, e.g. 5m); default 5m."},
        {"flush_interval", "Flush interval (s)",
         "A request is sent at most this long after its first document, so quiet live links show "
         "up promptly; default 1."},
        {"senders", "Requests in flight",
         "Bulk requests sent at the same time, 1 to 16 (each holds one batch in memory); default 3."},
        {"gzip", "Compress requests",
         "true, false or auto: gzip request bodies; auto (the default) compresses unless every "
         "node is localhost, 127.x.x.x or ::1."},
        {"user", "User name", "User for HTTP basic authentication."},
        {"password", "Password", "Password for HTTP basic authentication (never printed).", true},
        {"api_key", "API key", "Elasticsearch API key (the base64 'encoded' form; never printed).", true},
        {"ca_file", "CA certificate file", "PEM file of the certificate authority that signed the node's certificate."},
        {"tls_verify", "Verify TLS certificates",
         "true or false; default true. false accepts any certificate and prints a warning."},
        {"dead_letter", "Dead-letter file",
         "Documents Elasticsearch refuses for good go here with the reason, as NDJSON; "
         "default espcap-dead-letter.ndjson in the current directory."},
        {"spool", "Spool folder",
         "When Elasticsearch stays unreachable past the retry budget, batches wait in "
         "FOLDER/<node> and are sent first by the next run (or espcap-replay); 'off' loses "
         "them instead. Default espcap-spool in the current directory."},
        {"spool_max", "Spool size limit",
         "Bytes the spool folder may hold (gzipped), e.g. 10g; past it documents count as "
         "failed. Default 1g."},
        {"index", "Index prefix", "Documents go to PREFIX-YYYY-MM-DD (UTC day of each packet); default 'packets'."},
        {"filter", "Packet filter", "Display filter: only matching packets are indexed; default: all packets."},
        {"timeout", "Request timeout (s)", "Seconds to wait for Elasticsearch per request; default 30."},
        {"retry_seconds", "Retry budget (s)",
         "How long a request is retried through connection errors, timeouts and 429/502/503/504 "
         "before its documents are given up; default 120."},
        {"not_protocols", "Layers that are not protocols",
         "File of layer names (one per line, '*' wildcards, # comments) that never count as a "
         "packet's 'protocol'; replaces the built-in config/not_protocols.list."},
        {"trace", "Trace bulk errors",
         "true or false: print every bulk error in full on stderr (each rejected document, each "
         "failed request); default false."},
        {"template", "Install index template",
         "true or false: install the espcap-PREFIX index template before indexing; default true."},
        {"template_file", "Template file", "Also write the index template espcap installs to this file."},
        {"flows", "Flow records",
         "true: also write one record per conversation to PREFIX-flows-YYYY-MM-DD; only: flow "
         "records and no packet documents; false (the default): packets only."},
        {"flow_timeout", "Flow idle timeout (s)",
         "A flow idle this long (packet time) is written and closed, 1 to 86400; default 300."},
        {"daily", "Index per day",
         "true: documents go to PREFIX-YYYY-MM-DD by packet time (UTC); false: all go to PREFIX; default true."},
        {kProfileKey, "Document profile",
         "full (default): documents as tshark -T ek writes them; compact: byte fields and text-only "
         "items left out (bytes=none, text_items=false), every other field kept. Keys given with it "
         "override its choices."},
        {"bytes", "Byte fields",
         "all (default), none, or N: byte fields written whole, left out, or cut to their first N "
         "bytes. The bytes stay in the capture, which each document names (file_name, frame number)."},
        {"text_items", "Text-only items",
         "true or false: write the tree's text-only items (labels no display filter can name); default true."},
        {"protocols", "Only these protocols",
         "Comma-separated top-level layers to write, with their children (as tshark -J); default: all."},
        {"drop_protocols", "Protocols left out",
         "Comma-separated protocols left out with their children, at any depth (e.g. data,media)."},
    };
    return specs;
}

bool split_option_argument(std::string_view argument, std::pair<std::string, std::string> &out,
                           std::string &error) {
    const auto equals = argument.find('=');
    if (equals == std::string_view::npos) {
        error = "'" + std::string(argument) + "' is not key=value";
        return false;
    }
    const std::string_view key = trim(argument.substr(0, equals));
    if (key.empty()) {
        error = "'" + std::string(argument) + "' has no key before '='";
        return false;
    }
    out = {std::string(key), std::string(argument.substr(equals + 1))};
    return true;
}

OptionsResult parse_options(const RawOptions &raw) {
    // Last value per key wins; keep first-seen order for deterministic errors.
    std::vector<std::string> order;
    std::map<std::string, std::string> latest;
    for (const auto &[key, value] : raw) {
        if (latest.find(key) == latest.end()) order.push_back(key);
        latest[key] = value;
    }
    // A profile sets several keys; the keys given with it then override its choices.
    std::stable_partition(order.begin(), order.end(), [](const std::string &key) { return key == kProfileKey; });

    OptionsResult result;
    for (const std::string &key : order) {
        const std::string &value = latest[key];
        const bool known = std::any_of(option_specs().begin(), option_specs().end(),
                                       [&](const OptionSpec &s) { return key == s.key; });
        if (!known) {
            result.error = "unknown option '" + key + "' (known options: " + known_keys() + ")";
            return result;
        }
        // Unset preferences never get here (plugin.cpp leaves them out), so an empty
        // value is a -X KEY= whose value went missing, e.g. an unset shell variable.
        if (value.empty()) {
            result.error = "option '" + key + "': needs a value";
            return result;
        }
        std::string problem;
        if (!apply_option(result.options, key, value, problem)) {
            result.error = "option '" + key + "': " + problem;
            return result;
        }
    }
    return result;
}

bool parse_endpoint(std::string_view text, Endpoint &out, std::string &error) {
    if (refuse_credentials(text, error)) return false;
    const std::string original(text);
    Endpoint e;
    e.scheme = "http";
    if (const auto sep = text.find("://"); sep != std::string_view::npos) {
        e.scheme = std::string(text.substr(0, sep));
        std::transform(e.scheme.begin(), e.scheme.end(), e.scheme.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (e.scheme != "http" && e.scheme != "https") {
            error = "'" + original + "': scheme must be http or https";
            return false;
        }
        text.remove_prefix(sep + 3);
    }
    if (const auto slash = text.find('/'); slash != std::string_view::npos) {
        std::string_view path = text.substr(slash);
        while (!path.empty() && path.back() == '/') path.remove_suffix(1);
        e.path_prefix = std::string(path);
        text = text.substr(0, slash);
    }
    std::string_view port_text;
    bool has_port = false;
    if (!text.empty() && text.front() == '[') {  // [IPv6]:port
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            error = "'" + original + "': missing ']' after IPv6 address";
            return false;
        }
        e.host = std::string(text.substr(1, close - 1));
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                error = "'" + original + "': expected ':port' after ']'";
                return false;
            }
            port_text = rest.substr(1);
            has_port = true;
        }
    } else {
        const auto colon = text.rfind(':');
        if (colon != std::string_view::npos && text.find(':') != colon) {
            error = "'" + original + "': write IPv6 addresses as [address]:port";
            return false;
        }
        e.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = text.substr(colon + 1);
            has_port = true;
        }
    }
    if (e.host.empty()) {
        error = "'" + original + "': no host";
        return false;
    }
    // Brackets belong around IPv6 addresses only; '?' and '#' would make libcurl read
    // a query or fragment and connect to a host other than the one we name.
    const bool control_character = std::any_of(e.host.begin(), e.host.end(),
                                               [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    if (control_character || e.host.find_first_of(" \"'<>\\[]?#") != std::string::npos) {
        error = "'" + original + "': invalid character in host";
        return false;
    }
    if (e.path_prefix.find_first_of("?# ") != std::string::npos) {
        error = "'" + original + "': invalid character in path";
        return false;
    }
    e.port = kDefaultPort;
    if (has_port) {
        if (!parse_whole_number<std::uint16_t>(port_text, 1, 65535, e.port)) {
            error = "'" + original + "': port must be a number from 1 to 65535";
            return false;
        }
    }
    out = std::move(e);
    return true;
}

}  // namespace espcap
