// SPDX-License-Identifier: GPL-2.0-or-later
#include "secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace espcap {
namespace {

// An API key is about 100 characters, a password rarely 100; anything near this is
// the wrong file.
constexpr off_t kLargestSecretBytes = 4096;

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

}  // namespace

bool read_secret_file(const std::string &path, std::string &secret, std::string &problem) {
    problem.clear();
    const std::string quoted = "'" + path + "'";
    // Opened once and checked through the descriptor: what is checked is what is read.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        problem = "cannot read " + quoted + ": " + std::strerror(errno);
        return false;
    }
    struct stat info {};
    std::string content;
    if (::fstat(fd, &info) != 0) {
        problem = "cannot read " + quoted + ": " + std::strerror(errno);
    } else if (!S_ISREG(info.st_mode)) {
        problem = quoted + " is not a regular file";
    } else if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        problem = quoted + " is open to group or others (mode " + octal_mode(info.st_mode) +
                  "): other users could read the secret; chmod 600 it";
    } else if (info.st_size > kLargestSecretBytes) {
        problem = quoted + " is larger than " + std::to_string(kLargestSecretBytes) + " bytes: not a secret file";
    } else {
        char buffer[kLargestSecretBytes + 1];
        ssize_t got = 0;
        std::size_t total = 0;
        while ((got = ::read(fd, buffer + total, sizeof buffer - total)) > 0) total += static_cast<std::size_t>(got);
        if (got < 0) problem = "cannot read " + quoted + ": " + std::strerror(errno);
        content.assign(buffer, total);
        std::memset(buffer, 0, sizeof buffer);
    }
    ::close(fd);
    if (!problem.empty()) return false;
    // One line end, as `echo secret > file` leaves, is not part of the secret.
    if (!content.empty() && content.back() == '\n') content.pop_back();
    if (!content.empty() && content.back() == '\r') content.pop_back();
    if (content.empty()) {
        problem = quoted + " is empty";
        return false;
    }
    if (content.find('\n') != std::string::npos) {
        problem = quoted + " holds more than one line";
        return false;
    }
    secret = std::move(content);
    return true;
}

}  // namespace espcap
