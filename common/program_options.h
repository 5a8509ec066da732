// SPDX-License-Identifier: GPL-2.0-or-later
// The command line of a stand-alone espcap program that takes tshark's option keys as
// KEY=VALUE arguments (espcap-setup, espcap-replay), read the one way.
#pragma once

#include <string>
#include <vector>

#include "options.h"

namespace espcap {

struct ProgramOptions {
    bool help = false;   // -h or --help: print the usage, exit 0
    std::string error;   // an argument that is no KEY=VALUE, a bad key or value, no node=
    RawOptions raw;      // as given, for the caller's own checks
    Options options;
    // To say before anything is sent: secrets on the command line, credentials over
    // plain http.
    std::vector<std::string> warnings;
    bool ok() const { return !help && error.empty(); }
};

ProgramOptions read_program_options(int argc, const char *const *argv);

}  // namespace espcap
