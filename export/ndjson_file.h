// SPDX-License-Identifier: GPL-2.0-or-later
// Writes bulk bodies to a file or to standard output ("-"): the NDJSON that
// `curl --data-binary @FILE .../_bulk` would accept.
#pragma once

#include <cstdio>
#include <string>

#include "bulk_batch.h"

namespace espcap::exporter {

class NdjsonFile {
public:
    NdjsonFile() = default;
    ~NdjsonFile();
    NdjsonFile(const NdjsonFile &) = delete;
    NdjsonFile &operator=(const NdjsonFile &) = delete;

    // Opens for appending. Empty on success, otherwise why the file could not be opened.
    std::string open(const std::string &path);
    // Empty when the whole batch reached the file, otherwise the write error.
    std::string write(const BulkBatch &batch);
    std::string close();

private:
    std::FILE *file_ = nullptr;
    bool owns_file_ = false;
    std::string path_;
};

}  // namespace espcap::exporter
