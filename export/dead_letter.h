// SPDX-License-Identifier: GPL-2.0-or-later
// Documents that Elasticsearch refused for good (mapping conflicts, parse errors, a
// document too large for any request) are kept here, one NDJSON line each, with the
// reason, so nothing is lost and nothing is retried forever:
//
//   {"status":400,"error":"mapper_parsing_exception: ...","action":{...},"document":{...}}
//
// The file is opened (for appending) only when the first document arrives, created
// readable by its owner alone (private_file.h): it holds packet contents. It grows to
// dead_letter_max bytes at most, earlier runs' lines included; past that a document is
// refused with a message that says so, and the caller counts it as failed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace espcap::exporter {

class DeadLetterFile {
public:
    // `refusal` (refuse_relative_default_as_root()): not empty, the file is never
    // written and each write() says this.
    DeadLetterFile(std::string path, std::uint64_t max_bytes, std::string refusal = "")
        : path_(std::move(path)), max_bytes_(max_bytes), refusal_(std::move(refusal)) {}
    ~DeadLetterFile();
    DeadLetterFile(const DeadLetterFile &) = delete;
    DeadLetterFile &operator=(const DeadLetterFile &) = delete;

    // `lines` is the document's action line and document line, as batched.
    // Empty on success, otherwise why it could not be written.
    std::string write(long status, const std::string &error, std::string_view lines);
    const std::string &path() const { return path_; }

private:
    std::string path_;
    std::uint64_t max_bytes_;
    std::string refusal_;
    std::uint64_t bytes_ = 0;  // in the file, once open
    std::FILE *file_ = nullptr;
};

}  // namespace espcap::exporter
