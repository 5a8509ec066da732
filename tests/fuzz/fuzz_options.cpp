// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes option parsing: each input line is one "-X espcap:" argument. Beyond not
// crashing:
// - accepted options are within their documented ranges;
// - every accepted node URL reads back as the same node (Endpoint::url round trip);
// - no error message depends on a secret option's value (password, api_key) or on a
//   node URL holding credentials (the same options with other credentials give the
//   same error).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "options.h"

namespace {
void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_options: %s\n", what);
        std::abort();
    }
}

void check_endpoint(const espcap::Endpoint &e) {
    require(e.scheme == "http" || e.scheme == "https", "scheme");
    require(!e.host.empty() && e.port != 0, "host and port");
    require(e.path_prefix.empty() || (e.path_prefix.front() == '/' && e.path_prefix.back() != '/'), "path prefix");
    espcap::Endpoint again;
    std::string error;
    require(espcap::parse_endpoint(e.url(), again, error), "url() parses");
    require(again.scheme == e.scheme && again.host == e.host && again.port == e.port &&
                again.path_prefix == e.path_prefix,
            "url() round trip");
}

bool is_secret(const std::string &key) {
    for (const espcap::OptionSpec &spec : espcap::option_specs())
        if (spec.secret && key == spec.key) return true;
    return false;
}

void check_in_range(const espcap::Options &o) {
    // The ranges the option table states (and its help, the README, the errors quote).
    for (const espcap::OptionSpec &spec : espcap::option_specs()) {
        if (!spec.limits) continue;
        const double value = spec.limits->read(o);
        require(value >= spec.limits->min && value <= spec.limits->max, spec.key);
    }
    require(!o.index_prefix.empty() && o.index_prefix.size() <= 200, "index");
    for (const char c : o.index_prefix) {
        const auto byte = static_cast<unsigned char>(c);
        require(byte >= 0x20 && byte != 0x7f && !(c >= 'A' && c <= 'Z'), "index: no control or upper-case characters");
    }
    require(o.spool_max >= (std::uint64_t{1} << 20) && o.spool_max <= (std::uint64_t{1024} << 30), "spool_max");
    for (const espcap::Endpoint &e : o.nodes) check_endpoint(e);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    std::string_view input(reinterpret_cast<const char *>(bytes), size);
    espcap::RawOptions raw;
    while (!input.empty()) {
        const auto newline = input.find('\n');
        const std::string_view argument = input.substr(0, newline);
        input.remove_prefix(newline == std::string_view::npos ? input.size() : newline + 1);
        std::pair<std::string, std::string> entry;
        std::string error;
        if (!espcap::split_option_argument(argument, entry, error)) {
            require(!error.empty(), "split errors are explained");
            continue;
        }
        require(!entry.first.empty(), "keys are not empty");
        raw.push_back(std::move(entry));
    }

    const espcap::OptionsResult result = espcap::parse_options(raw);
    if (result.ok()) check_in_range(result.options);

    // The same options with other credentials must give the same outcome, word for word:
    // otherwise a credential shows in (or at least shapes) what the user is told.
    espcap::RawOptions redacted = raw;
    for (auto &[key, value] : redacted) {
        // An empty value is refused whatever the key: its emptiness is no credential.
        if (is_secret(key) && !value.empty()) value = "REDACTED";
        if (key == "node" && value.find('@') != std::string::npos) value = "user:REDACTED@host";
    }
    const espcap::OptionsResult again = espcap::parse_options(redacted);
    if (again.error != result.error) {
        std::fprintf(stderr, "error: %s\nwith other credentials: %s\n", result.error.c_str(), again.error.c_str());
        require(false, "a credential shapes an error");
    }
    return 0;
}
