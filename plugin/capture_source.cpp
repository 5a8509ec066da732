#include "capture_source.h"

#include <sys/stat.h>

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

CaptureSource capture_source_from_arguments(const std::vector<std::string> &argv) {
    CaptureSource source;
    auto take = [&](char option, const std::string &value) {
        if (option == 'r') source.read_file = value;
        if (option == 'i') source.interfaces.push_back(value);
    };
    for (std::size_t i = 1; i < argv.size(); ++i) {
        const std::string &arg = argv[i];
        if (arg == "--") break;
        if (arg.rfind("--", 0) == 0) {
            const std::string body = arg.substr(2);
            const auto equals = body.find('=');
            const std::string name = body.substr(0, equals);
            const char option = name == "read-file" ? 'r' : name == "interface" ? 'i' : '\0';
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
