// SPDX-License-Identifier: GPL-2.0-or-later
// Files that hold packet contents (the dead-letter file, file= output) or what a run
// maps (template_file): created readable by their owner alone (0600) whatever the
// umask, and never opened through a symbolic link, which another user could plant
// where such a file is expected (a shared folder, a world-writable /tmp).
//
//   std::string error;
//   std::FILE *file = open_private_file(path, PrivateFileMode::append, error);
#pragma once

#include <cstdio>
#include <string>

namespace espcap::exporter {

enum class PrivateFileMode { append, truncate };

// Null, with `error` saying why (a symbolic link among them), when it cannot be opened.
// A file that exists keeps its mode: the user may have opened it up on purpose.
std::FILE *open_private_file(const std::string &path, PrivateFileMode mode, std::string &error);

// Empty when a file may be written at `path`; otherwise why not: running as root, the
// option's default path (`default_path`), relative, lands wherever the run happens to
// start (a service's working folder, /), with packet contents in it. `key` names the
// option to set instead.
std::string refuse_relative_default_as_root(const std::string &path, const std::string &default_path,
                                            const char *key);

// Makes `folder` and any parent missing, each new one readable by its owner alone
// (0700). Empty on success, else why not.
std::string make_private_folders(const std::string &folder);

}  // namespace espcap::exporter
