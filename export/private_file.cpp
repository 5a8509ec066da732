// SPDX-License-Identifier: GPL-2.0-or-later
#include "private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace espcap::exporter {

std::FILE *open_private_file(const std::string &path, PrivateFileMode mode, std::string &error) {
    const bool append = mode == PrivateFileMode::append;
    const int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    const int fd = ::open(path.c_str(), flags, 0600);
    if (fd < 0) {
        error = errno == ELOOP ? "'" + path + "' is a symbolic link, which espcap does not follow"
                               : "cannot open '" + path + "' for writing: " + std::strerror(errno);
        return nullptr;
    }
    std::FILE *file = ::fdopen(fd, append ? "ab" : "wb");
    if (file == nullptr) {
        error = "cannot open '" + path + "' for writing: " + std::strerror(errno);
        ::close(fd);
    }
    return file;
}

std::string refuse_relative_default_as_root(const std::string &path, const std::string &default_path,
                                            const char *key) {
    if (path != default_path || path.empty() || path.front() == '/' || ::geteuid() != 0) return "";
    return std::string("running as root, the default ") + key + "=" + path +
           " (relative to the folder the run started in) is not written: give " + key + "= an absolute path";
}

std::string make_private_folders(const std::string &folder) {
    namespace fs = std::filesystem;
    fs::path partial;
    for (const fs::path &part : fs::path(folder)) {
        partial /= part;
        if (part.empty() || part == partial.root_path() || part == "." || part == "..") continue;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return "cannot create folder " + partial.string() + ": " + std::strerror(errno);
    }
    std::error_code status;
    if (!fs::is_directory(folder, status)) return "cannot create folder " + folder + ": not a folder";
    return "";
}

}  // namespace espcap::exporter
