// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "reporter.h"

using espcap::CollectingReporter;
using espcap::Reporter;

namespace {
// Counts what reaches it, so a test can see where traces went.
class CountingReporter final : public Reporter {
public:
    void warning(std::string_view) override { ++warnings; }
    void trace(std::string_view text) override { traces.emplace_back(text); }
    void summary(std::string_view) override { ++summaries; }
    int warnings = 0;
    int summaries = 0;
    std::vector<std::string> traces;
};
}  // namespace

TEST_CASE("A collecting reporter keeps warnings in order and the summary line", "[plugin][reporter]") {
    CountingReporter elsewhere;
    CollectingReporter reporter(elsewhere);
    reporter.warning("cannot map 3 new fields in it-2015-07-30: HTTP 400");
    reporter.warning("it-2015-07-30: layers.http.http_http_host is already mapped as ip, not keyword");
    reporter.summary("espcap: 1268 packets, 1268 indexed, 0 failed");
    CHECK(reporter.warnings() == std::vector<std::string>{
                                     "cannot map 3 new fields in it-2015-07-30: HTTP 400",
                                     "it-2015-07-30: layers.http.http_http_host is already mapped as ip, not keyword"});
    CHECK(reporter.warnings_left_out() == 0);
    CHECK(reporter.summary_line() == "espcap: 1268 packets, 1268 indexed, 0 failed");
    CHECK(elsewhere.warnings == 0);
    CHECK(elsewhere.summaries == 0);
}

TEST_CASE("A collecting reporter passes traces on instead of keeping them", "[plugin][reporter]") {
    CountingReporter elsewhere;
    CollectingReporter reporter(elsewhere);
    reporter.trace("POST /_bulk");
    CHECK(elsewhere.traces == std::vector<std::string>{"POST /_bulk"});
    CHECK(reporter.warnings().empty());
}

TEST_CASE("Warnings past the limit are counted, not kept", "[plugin][reporter]") {
    CountingReporter elsewhere;
    CollectingReporter reporter(elsewhere, 2);
    for (const char *text : {"a", "b", "c", "d"}) reporter.warning(text);
    CHECK(reporter.warnings() == std::vector<std::string>{"a", "b"});
    CHECK(reporter.warnings_left_out() == 2);
}

TEST_CASE("Sender threads can warn at once: no warning is lost", "[plugin][reporter]") {
    CountingReporter elsewhere;
    constexpr int kThreads = 4;
    constexpr int kEach = 500;
    CollectingReporter reporter(elsewhere, kThreads * kEach / 2);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&reporter, t] {
            for (int i = 0; i < kEach; ++i) reporter.warning("thread " + std::to_string(t));
        });
    for (std::thread &thread : threads) thread.join();
    CHECK(reporter.warnings().size() == kThreads * kEach / 2);
    CHECK(reporter.warnings_left_out() == kThreads * kEach / 2);
}
