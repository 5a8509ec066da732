// SPDX-License-Identifier: GPL-2.0-or-later
// Documents that Elasticsearch refused for good (mapping conflicts, parse errors, a
// document too large for any request) are kept here, one NDJSON line each, with the
// reason, so nothing is lost and nothing is retried forever:
//
//   {"status":400,"error":"mapper_parsing_exception: ...","action":{...},"document":{...}}
//
// The file is opened (for appending) only when the first document arrives.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace espcap::exporter {

class DeadLetterFile {
public:
    explicit DeadLetterFile(std::string path) : path_(std::move(path)) {}
    ~DeadLetterFile();
    DeadLetterFile(const DeadLetterFile &) = delete;
    DeadLetterFile &operator=(const DeadLetterFile &) = delete;

    // `lines` is the document's action line and document line, as batched.
    // Empty on success, otherwise why it could not be written.
    std::string write(long status, const std::string &error, std::string_view lines);
    const std::string &path() const { return path_; }

private:
    std::string path_;
    std::FILE *file_ = nullptr;
};

}  // namespace espcap::exporter
