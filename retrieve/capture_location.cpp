// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture_location.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace espcap::retrieve {
namespace {

// realpath(3), or "" with errno set.
std::string resolved(const std::string &path) {
    char *real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr) return "";
    std::string result = real;
    std::free(real);
    return result;
}

bool inside(const std::string &path, const std::string &root) {
    if (root == "/") return true;
    return path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/';
}

}  // namespace

bool open_capture_folder(const std::string &dir, bool absolute_paths, CaptureFolder &out, std::string &error) {
    const std::string given = dir.empty() ? "." : dir;
    const std::string root = resolved(given);
    std::error_code ignored;
    if (root.empty() || !std::filesystem::is_directory(root, ignored)) {
        error = "captures=" + given + " is not a folder" + (root.empty() ? " (" + std::string(std::strerror(errno)) + ")" : "");
        return false;
    }
    out.root = root;
    out.absolute_paths = absolute_paths;
    return true;
}

CapturePlace locate_capture(const CaptureFolder &folder, const std::string &file_name) {
    CapturePlace place;
    if (file_name.size() > kMaxFileNameBytes) {
        place.problem = "refused: the file name is longer than " + std::to_string(kMaxFileNameBytes) + " bytes";
        return place;
    }
    if (file_name.find('\0') != std::string::npos) {
        place.problem = "refused: the file name holds a NUL byte";
        return place;
    }
    const std::filesystem::path name(file_name);
    std::string candidate;
    if (name.is_absolute()) {
        if (!folder.absolute_paths) {
            place.problem = "refused: an absolute file name (absolute_paths=true reads those)";
            return place;
        }
        candidate = file_name;
    } else {
        // `..` that climbs out is refused even when nothing is there, so the answer does
        // not tell whether a file outside exists.
        const std::filesystem::path normal = name.lexically_normal();
        if (normal.empty() || *normal.begin() == "..") {
            place.problem = "refused: outside captures= (" + folder.root + ")";
            return place;
        }
        candidate = (std::filesystem::path(folder.root) / name).string();
    }
    const std::string real = resolved(candidate);
    if (real.empty()) {
        const int cause = errno;
        place.problem = cause == ENOENT || cause == ENOTDIR
                            ? "missing (no file at " + candidate + ")"
                            : "not readable: " + candidate + ": " + std::strerror(cause);
        return place;
    }
    // A symbolic link inside captures= may point anywhere: what counts is where it leads.
    if (!name.is_absolute() && !inside(real, folder.root)) {
        place.problem = "refused: leads outside captures= (" + folder.root + ")";
        return place;
    }
    place.path = real;
    return place;
}

}  // namespace espcap::retrieve
