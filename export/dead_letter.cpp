// SPDX-License-Identifier: GPL-2.0-or-later
#include "dead_letter.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "private_file.h"

#include <cerrno>
#include <cstring>

namespace espcap::exporter {

DeadLetterFile::~DeadLetterFile() {
    if (file_ != nullptr) std::fclose(file_);
}

std::string DeadLetterFile::write(long status, const std::string &error, std::string_view lines) {
    if (!refusal_.empty()) return refusal_;
    if (file_ == nullptr) {
        std::string problem;
        file_ = open_private_file(path_, PrivateFileMode::append, problem);
        if (file_ == nullptr) return "cannot open the dead-letter file: " + problem;
        // What earlier runs left counts against the bound too.
        struct stat file_status {};
        bytes_ = ::fstat(::fileno(file_), &file_status) == 0 ? static_cast<std::uint64_t>(file_status.st_size) : 0;
    }
    const auto newline = lines.find('\n');
    std::string_view action = lines.substr(0, newline);
    std::string_view document = newline == std::string_view::npos ? std::string_view() : lines.substr(newline + 1);
    while (!document.empty() && document.back() == '\n') document.remove_suffix(1);

    // The action and document lines are JSON already: embed them as they are.
    std::string line = "{\"status\":" + std::to_string(status) + ",\"error\":" +
                       nlohmann::json(error).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += ",\"action\":";
    line += action;
    line += ",\"document\":";
    line += document.empty() ? std::string_view("null") : document;
    line += "}\n";
    if (bytes_ + line.size() > max_bytes_)
        return "dead-letter file '" + path_ + "' is full (dead_letter_max " + std::to_string(max_bytes_) + " bytes)";
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
        return "cannot write dead-letter file '" + path_ + "': " + std::strerror(errno);
    bytes_ += line.size();
    return "";
}

}  // namespace espcap::exporter
