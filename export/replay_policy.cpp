// SPDX-License-Identifier: GPL-2.0-or-later
#include "replay_policy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "bounded_json.h"
#include "option_values.h"
#include "server_text.h"

namespace espcap::exporter {
namespace {

using nlohmann::json;

constexpr std::string_view kNoTimestampSuffix = "-no-timestamp";
constexpr std::size_t kDateLength = 10;  // YYYY-MM-DD
// {"create":{"_index":"...","_id":"..."}}: anything deeper is not an action of ours.
constexpr int kMaxActionDepth = 3;
// Enough of a refused line to recognise it, never the whole of a hostile one.
constexpr std::size_t kQuotedLineBytes = 200;

bool is_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// "-YYYY-MM-DD" with a month and a day that can be.
bool ends_with_day(std::string_view index) {
    if (index.size() < kDateLength + 1 || index[index.size() - kDateLength - 1] != '-') return false;
    const std::string_view date = index.substr(index.size() - kDateLength);
    if (!is_digits(date.substr(0, 4)) || date[4] != '-' || !is_digits(date.substr(5, 2)) || date[7] != '-' ||
        !is_digits(date.substr(8, 2)))
        return false;
    const int month = std::stoi(std::string(date.substr(5, 2)));
    const int day = std::stoi(std::string(date.substr(8, 2)));
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// The action line's index, id and version, when it has the shape of one of ours.
bool read_action(std::string_view line, std::string &index, std::string &id, std::uint64_t &version) {
    json action;
    std::string problem;
    if (!parse_bounded_json(line, kMaxActionDepth, action, problem) || !action.is_object() || action.size() != 1)
        return false;
    const auto only = action.cbegin();
    const json &target = only.value();
    if ((only.key() != "create" && only.key() != "index") || !target.is_object()) return false;
    const auto index_value = target.find("_index"), id_value = target.find("_id");
    if (index_value == target.end() || !index_value->is_string() || id_value == target.end() || !id_value->is_string())
        return false;
    index = index_value->get<std::string>();
    id = id_value->get<std::string>();
    version = 0;
    if (const auto version_value = target.find("version"); version_value != target.end()) {
        if (!version_value->is_number_unsigned()) return false;
        version = version_value->get<std::uint64_t>();
    }
    return true;
}

}  // namespace

bool is_espcap_index_name(std::string_view index) {
    std::string_view prefix;
    if (index.size() > kNoTimestampSuffix.size() &&
        index.substr(index.size() - kNoTimestampSuffix.size()) == kNoTimestampSuffix)
        prefix = index.substr(0, index.size() - kNoTimestampSuffix.size());
    else if (ends_with_day(index))
        prefix = index.substr(0, index.size() - kDateLength - 1);  // "PREFIX-flows" for flows
    else
        return false;
    std::string error;
    return detail::valid_index_prefix(prefix, error);
}

std::string check_replayable_actions(const BulkBatch &batch) {
    std::string index, id, expected;
    std::uint64_t version = 0;
    for (std::size_t d = 0; d < batch.document_count(); ++d) {
        const std::string_view lines = batch.document_lines(d);
        const std::string_view action = lines.substr(0, lines.find('\n') + 1);
        // Compared with what espcap would write for the same values: no other action,
        // key, option or spelling of them goes through.
        expected.clear();
        const bool ours = read_action(action.substr(0, action.size() - 1), index, id, version);
        if (ours) append_action_line(expected, index, id, version);
        const char *why = !ours || expected != action ? "is not an action espcap writes (create, or index with an "
                                                        "external version)"
                          : !is_espcap_index_name(index) ? "names an index that is not one of espcap's "
                                                           "(PREFIX-YYYY-MM-DD, PREFIX-flows-YYYY-MM-DD, "
                                                           "PREFIX-no-timestamp)"
                                                         : nullptr;
        if (why != nullptr)
            return "action line " + std::to_string(d + 1) + " (" +
                   printable_for_terminal(action.substr(0, action.size() - 1), kQuotedLineBytes) + ") " + why;
    }
    return "";
}

std::string check_spool_file_owner(int fd) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) return std::string("cannot read its owner: ") + std::strerror(errno);
    if (!S_ISREG(status.st_mode)) return "not a regular file";
    if (status.st_uid != ::geteuid())
        return "owned by uid " + std::to_string(status.st_uid) + ", not by this user (uid " +
               std::to_string(::geteuid()) + ")";
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
        return std::string("writable by other users (mode ") + mode + ")";
    }
    return "";
}

}  // namespace espcap::exporter
