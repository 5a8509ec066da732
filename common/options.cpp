// SPDX-License-Identifier: GPL-2.0-or-later
#include "options.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "option_values.h"

namespace espcap {
namespace {

using detail::parse_whole_number;
using detail::trim;

const OptionSpec *find_spec(std::string_view key) {
    for (const OptionSpec &spec : option_specs())
        if (key == spec.key) return &spec;
    return nullptr;
}

std::string known_keys() { return option_keys(kUsedByTshark | kUsedByReplay | kUsedByPcap); }

// Keys that set other keys (profile) first, so the keys given with them override them;
// otherwise in the order given.
template <typename Entry, typename KeyOf>
void put_first_keys_first(std::vector<Entry> &entries, KeyOf key_of) {
    std::stable_partition(entries.begin(), entries.end(), [&](const Entry &entry) {
        const OptionSpec *spec = find_spec(key_of(entry));
        return spec != nullptr && spec->applied_first;
    });
}

// Markdown as the Preferences dialog shows it: `code` in quotes, a link's text alone,
// and the '|' a table cell escapes as itself.
std::string plain_text(std::string_view markdown) {
    std::string text;
    for (std::size_t i = 0; i < markdown.size(); ++i) {
        const char c = markdown[i];
        if (c == '`') {
            text += '\'';
            continue;
        }
        if (c == '\\' && i + 1 < markdown.size() && markdown[i + 1] == '|') continue;
        if (c == '[') {  // [text](target): the text alone
            const auto close = markdown.find("](", i);
            const auto end = close == std::string_view::npos ? close : markdown.find(')', close);
            const std::string_view inside = markdown.substr(i + 1, close - i - 1);
            if (end != std::string_view::npos && inside.find_first_of("[]") == std::string_view::npos) {
                text += plain_text(inside);
                i = end;
                continue;
            }
        }
        text += c;
    }
    return text;
}

bool is_number(const char *text) {
    return std::all_of(text, text + std::char_traits<char>::length(text), [](unsigned char c) {
        return std::isdigit(c) || c == '.';
    });
}

}  // namespace

Options::Options() {
    // The defaults are parsed like any value; tests/unit/options_test.cpp checks each does.
    std::vector<const OptionSpec *> specs;
    for (const OptionSpec &spec : option_specs())
        if (spec.default_value != nullptr) specs.push_back(&spec);
    put_first_keys_first(specs, [](const OptionSpec *spec) { return spec->key; });
    for (const OptionSpec *spec : specs) {
        std::string problem;
        spec->apply(*this, spec->default_value, problem);
    }
}

std::string OptionSpec::help_markdown() const {
    std::string text = help;
    constexpr std::string_view kValues = "{values}";
    if (const auto at = text.find(kValues); at != std::string::npos) text.replace(at, kValues.size(), values);
    return text;
}

std::string OptionSpec::default_markdown() const {
    if (default_value == nullptr) return when_unset;
    return is_number(default_value) ? default_value : std::string("`") + default_value + "`";
}

std::string OptionSpec::description() const {
    return plain_text(help_markdown()) + " Default: " + plain_text(default_markdown()) + ".";
}

std::string option_keys(unsigned use) {
    std::string list;
    for (const OptionSpec &spec : option_specs()) {
        if ((spec.used_by & use) == 0) continue;
        if (!list.empty()) list += ", ";
        list += spec.key;
    }
    return list;
}

std::string options_markdown_table() {
    std::string table = "| key | default | meaning |\n|---|---|---|\n";
    for (const OptionSpec &spec : option_specs())
        table += std::string("| `") + spec.key + "` | " + spec.default_markdown() + " | " + spec.help_markdown() + " |\n";
    return table;
}

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
    put_first_keys_first(order, [](const std::string &key) { return key; });

    OptionsResult result;
    for (const std::string &key : order) {
        const std::string &value = latest[key];
        const OptionSpec *spec = find_spec(key);
        if (spec == nullptr) {
            result.error = "unknown option '" + key + "' (known options: " + known_keys() + ")";
            return result;
        }
        // Unset preferences never get here (plugin.cpp leaves them out), so an empty
        // value is a -X KEY= whose value went missing, e.g. an unset shell variable.
        if (value.empty()) {
            result.error = "option '" + key + "': needs a value";
            return result;
        }
        if (spec->instead_of != nullptr && latest.count(spec->instead_of) != 0) {
            result.error = "option '" + key + "': give either " + spec->instead_of + " or " + key + ", not both";
            return result;
        }
        std::string problem;
        if (!spec->apply(result.options, value, problem)) {
            if (problem.empty()) {
                problem = "expects " + spec->expects;
                if (!spec->secret) problem += ", got '" + value + "'";
            }
            result.error = "option '" + key + "': " + problem;
            return result;
        }
    }
    return result;
}

std::vector<std::string> command_line_secret_warnings(const RawOptions &command_line) {
    std::vector<std::string> warnings;
    for (const auto &[key, value] : command_line) {
        const OptionSpec *spec = find_spec(key);
        if (spec == nullptr || !spec->secret) continue;
        warnings.push_back(key + " is on the command line, where other users can read it (ps, /proc/PID/cmdline); " +
                           key + "_file=PATH keeps it in a file only you can read");
    }
    return warnings;
}

std::vector<std::string> connection_warnings(const Options &options) {
    std::vector<std::string> warnings;
    if (!options.tls_verify) warnings.push_back("tls_verify=false: the node's certificate is not checked");
    if (options.user.empty() && options.api_key.empty()) return warnings;
    for (const Endpoint &node : options.nodes) {
        if (node.scheme != "http" || node.is_loopback()) continue;
        warnings.push_back("credentials go in clear text to " + node.url() +
                           ", which anyone on the path can read: use https://");
        break;  // one line is enough
    }
    return warnings;
}

bool parse_endpoint(std::string_view text, Endpoint &out, std::string &error) {
    if (detail::refuse_credentials(text, error)) return false;
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
    e.port = Endpoint::kDefaultPort;
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
