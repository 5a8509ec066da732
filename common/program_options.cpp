// SPDX-License-Identifier: GPL-2.0-or-later
#include "program_options.h"

#include <string_view>

namespace espcap {

ProgramOptions read_program_options(int argc, const char *const *argv) {
    ProgramOptions result;
    for (int i = 1; i < argc; ++i) {
        const std::string_view argument = argv[i];
        if (argument == "-h" || argument == "--help") {
            result.help = true;
            return result;
        }
        std::pair<std::string, std::string> entry;
        if (!split_option_argument(argument, entry, result.error)) return result;
        result.raw.push_back(std::move(entry));
    }
    OptionsResult parsed = parse_options(result.raw);
    if (!parsed.ok()) {
        result.error = parsed.error;
        return result;
    }
    result.options = std::move(parsed.options);
    if (result.options.nodes.empty()) {
        result.error = "node= is required";
        return result;
    }
    result.warnings = command_line_secret_warnings(result.raw);
    for (std::string &warning : connection_warnings(result.options)) result.warnings.push_back(std::move(warning));
    return result;
}

}  // namespace espcap
