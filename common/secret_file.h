// SPDX-License-Identifier: GPL-2.0-or-later
// Secrets read from files (password_file, api_key_file), so they stay out of the
// command line, where `ps`, /proc/PID/cmdline, unit files and shell history show them.
// As ssh does with its keys, a file that group or others may read is refused.
#pragma once

#include <string>

namespace espcap {

// The whole file, less one trailing line end, into `secret`. False, with `problem` saying
// why (never quoting the file's content), when the file cannot be read, is not a regular
// file, is readable by group or others, is empty, or is larger than any secret.
bool read_secret_file(const std::string &path, std::string &secret, std::string &problem);

}  // namespace espcap
