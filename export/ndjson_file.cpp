#include "ndjson_file.h"

#include <cerrno>
#include <cstring>

namespace espcap::exporter {

NdjsonFile::~NdjsonFile() { close(); }

std::string NdjsonFile::open(const std::string &path) {
    path_ = path;
    if (path == "-") {
        file_ = stdout;
        owns_file_ = false;
        return "";
    }
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) return "cannot open '" + path + "' for writing: " + std::strerror(errno);
    owns_file_ = true;
    return "";
}

std::string NdjsonFile::write(const BulkBatch &batch) {
    if (file_ == nullptr) return "'" + path_ + "' is not open";
    const std::string_view body = batch.body();
    if (std::fwrite(body.data(), 1, body.size(), file_) != body.size())
        return "cannot write to '" + path_ + "': " + std::strerror(errno);
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
