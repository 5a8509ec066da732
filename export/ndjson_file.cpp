// SPDX-License-Identifier: GPL-2.0-or-later
#include "ndjson_file.h"

#include <cerrno>
#include <cstring>

#include "private_file.h"

namespace espcap::exporter {

NdjsonFile::~NdjsonFile() { close(); }

std::string NdjsonFile::open(const std::string &path) {
    path_ = path;
    if (path == "-") {
        file_ = stdout;
        owns_file_ = false;
        return "";
    }
    // Appending: espcap-index runs one tshark per capture into the same file, and a
    // document written twice is harmless (its create action answers 409 the second time).
    // Packet contents: readable by this user alone (private_file.h).
    std::string error;
    file_ = open_private_file(path, PrivateFileMode::append, error);
    if (file_ == nullptr) return error;
    owns_file_ = true;
    return "";
}

std::string NdjsonFile::write(const BulkBatch &batch) {
    if (file_ == nullptr) return "'" + path_ + "' is not open";
    const std::string_view body = batch.body();
    // Flushed per batch, so a full disk fails the batch it happened in, not a later one.
    if (std::fwrite(body.data(), 1, body.size(), file_) != body.size() || std::fflush(file_) != 0) {
        const int error = errno;
        std::clearerr(file_);
        return "cannot write to '" + path_ + "': " + std::strerror(error);
    }
    return "";
}

std::string NdjsonFile::close() {
    if (file_ == nullptr) return "";
    std::string error;
    if (std::fflush(file_) != 0) error = "cannot write to '" + path_ + "': " + std::strerror(errno);
    if (owns_file_ && std::fclose(file_) != 0 && error.empty())
        error = "cannot close '" + path_ + "': " + std::strerror(errno);
    file_ = nullptr;
    return error;
}

}  // namespace espcap::exporter
