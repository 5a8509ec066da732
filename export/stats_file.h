// SPDX-License-Identifier: GPL-2.0-or-later
// The stats_file option: a run's counts (RunStats::to_json) written where a program
// reads them, replaced in one step so a reader never sees half a file.
#pragma once

#include <string>

#include "run_stats.h"

namespace espcap::exporter {

// Writes `stats` to a temporary file beside `path` (mode 0600) and renames it over
// `path`. Returns the error, or "". On an error no earlier run's file is left at
// `path` either, so no reader takes old counts for this run's.
std::string write_stats_file(const std::string &path, const RunStats &stats);

}  // namespace espcap::exporter
