// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture_arguments.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "utc_time.h"

namespace espcap {
namespace {

// Short options of tshark and wireshark that take a value (union of both programs).
const std::string kShortOptionsWithValue = "aAbBcCdeEfFgGHijJKmNoOrRsStTuUwWXyYz";

// Long options that take a value when it is not attached with '='.
const std::set<std::string> kLongOptionsWithValue = {
    "autostop", "buffer-size", "capture-comment", "compress-type", "disable-heuristic",
    "disable-protocol", "display", "elastic-mapping-filter", "enable-heuristic", "enable-protocol",
    "export-objects", "export-tls-session-keys", "hexdump", "interface", "jump-to", "linktype",
    "log-debug", "log-domains", "log-fatal", "log-fatal-domains", "log-file", "log-level", "log-noisy",
    "read-file", "ring-buffer", "selected-frame", "snapshot-length", "temp-dir", "time-stamp-type",
    "display-filter"};

}  // namespace

CaptureArguments capture_arguments_of(const std::vector<std::string> &argv) {
    CaptureArguments source;
    auto take = [&](char option, const std::string &value) {
        if (option == 'r') source.read_file = value;
        if (option == 'i') source.interfaces.push_back(value);
        if (option == 'w') source.write_file = value;
        if (option == 'b') source.ring_buffer = true;
    };
    for (std::size_t i = 1; i < argv.size(); ++i) {
        const std::string &arg = argv[i];
        if (arg == "--") break;
        if (arg.rfind("--", 0) == 0) {
            const std::string body = arg.substr(2);
            const auto equals = body.find('=');
            const std::string name = body.substr(0, equals);
            const char option = name == "read-file"     ? 'r'
                              : name == "interface"   ? 'i'
                              : name == "ring-buffer" ? 'b'
                                                      : '\0';
            if (equals != std::string::npos) {
                take(option, body.substr(equals + 1));
            } else if (kLongOptionsWithValue.count(name) != 0 && i + 1 < argv.size()) {
                take(option, argv[++i]);
            }
            continue;
        }
        if (arg.size() < 2 || arg[0] != '-') continue;  // an operand (capture filter words)
        for (std::size_t k = 1; k < arg.size(); ++k) {
            const char option = arg[k];
            if (kShortOptionsWithValue.find(option) == std::string::npos) continue;
            if (k + 1 < arg.size()) {
                take(option, arg.substr(k + 1));
            } else if (i + 1 < argv.size()) {
                take(option, argv[++i]);
            }
            break;
        }
    }
    return source;
}

std::string CaptureArguments::live_file() const {
    if (!read_file.empty() || ring_buffer || write_file == "-") return "";
    return write_file;
}

bool is_ring_buffer_file(const std::string &write_file, const std::string &candidate) {
    const std::filesystem::path written(write_file);
    const std::string stem = written.stem().string(), extension = written.extension().string();
    // "_" + five-digit file number + "_" + fourteen-digit date and time.
    constexpr std::size_t kNumberAndDate = 1 + 5 + 1 + 14;
    if (candidate.size() != stem.size() + kNumberAndDate + extension.size()) return false;
    if (candidate.compare(0, stem.size(), stem) != 0) return false;
    if (candidate.compare(candidate.size() - extension.size(), extension.size(), extension) != 0) return false;
    const std::string middle = candidate.substr(stem.size(), kNumberAndDate);
    for (std::size_t i = 0; i < middle.size(); ++i) {
        const bool separator = i == 0 || i == 6;
        if (separator ? middle[i] != '_' : !std::isdigit(static_cast<unsigned char>(middle[i]))) return false;
    }
    return true;
}

std::string open_ring_buffer_file(const std::string &write_file) {
    std::error_code error;
    const std::filesystem::path written(write_file);
    const std::filesystem::path folder = std::filesystem::canonical(
        written.has_parent_path() ? written.parent_path() : std::filesystem::path("."), error);
    if (error) return "";
    for (const auto &entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
        const std::filesystem::path target = std::filesystem::read_symlink(entry.path(), error);
        if (error || target.parent_path() != folder) continue;
        const std::string name = target.filename().string();
        if (is_ring_buffer_file(write_file, name)) return (written.parent_path() / name).string();
    }
    return "";
}

std::vector<std::string> current_process_arguments() {
    std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
    const std::string raw((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    std::size_t start = 0;
    while (start < raw.size()) {
        const auto end = raw.find('\0', start);
        args.push_back(raw.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return args;
}

std::string file_date_utc(const std::string &path) {
    struct stat info {};
    if (path.empty() || stat(path.c_str(), &info) != 0) return "";
    return tap::utc_date_time(tap::to_utc(info.st_mtime));
}

}  // namespace espcap
