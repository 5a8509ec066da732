// SPDX-License-Identifier: GPL-2.0-or-later
#include "stats_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace espcap::exporter {
namespace {

std::string write_all(int fd, const std::string &text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote < 0) return std::strerror(errno);
        done += static_cast<std::size_t>(wrote);
    }
    return "";
}

}  // namespace

std::string write_stats_file(const std::string &path, const RunStats &stats) {
    // Beside the target, so the rename stays within one file system.
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    std::string error;
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = std::strerror(errno);
    } else {
        error = write_all(fd, stats.to_json());
        if (error.empty() && ::fsync(fd) != 0) error = std::strerror(errno);
        if (::close(fd) != 0 && error.empty()) error = std::strerror(errno);
        if (error.empty() && std::rename(temporary.c_str(), path.c_str()) != 0) error = std::strerror(errno);
        if (!error.empty()) ::unlink(temporary.c_str());
    }
    if (error.empty()) return "";
    ::unlink(path.c_str());
    return "cannot write the stats file '" + path + "': " + error;
}

}  // namespace espcap::exporter
