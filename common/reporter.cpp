// SPDX-License-Identifier: GPL-2.0-or-later
#include "reporter.h"

#include <cstdio>
#include <mutex>

namespace espcap {

namespace {
std::mutex stderr_mutex;  // one whole line at a time from any thread

void print_line(const char *prefix, std::string_view text) {
    std::lock_guard<std::mutex> lock(stderr_mutex);
    std::fprintf(stderr, "%s%.*s\n", prefix, static_cast<int>(text.size()), text.data());
    std::fflush(stderr);
}
}  // namespace

void StderrReporter::warning(std::string_view text) { print_line("espcap: warning: ", text); }
void StderrReporter::trace(std::string_view text) { print_line("espcap: trace: ", text); }
void StderrReporter::summary(std::string_view line) { print_line("", line); }

void CollectingReporter::warning(std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (warnings_.size() < max_warnings_)
        warnings_.emplace_back(text);
    else
        ++left_out_;
}

void CollectingReporter::summary(std::string_view line) {
    std::lock_guard<std::mutex> lock(mutex_);
    summary_ = line;
}

std::vector<std::string> CollectingReporter::warnings() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return warnings_;
}

std::size_t CollectingReporter::warnings_left_out() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return left_out_;
}

std::string CollectingReporter::summary_line() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return summary_;
}

Reporter &stderr_reporter() {
    static StderrReporter reporter;
    return reporter;
}

}  // namespace espcap
