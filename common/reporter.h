// SPDX-License-Identifier: GPL-2.0-or-later
// Where espcap's words to the user go. tshark prints them on stderr; the GUI export
// shows them in its dialog. No layer writes to a stream itself, so nothing said in the
// GUI is lost on a terminal nobody reads.
//
// Called from the tap, the sender threads and the connector thread at once:
// implementations are thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace espcap {

class Reporter {
public:
    virtual ~Reporter() = default;

    // Something the user should know that does not stop the run ("mapping refused...").
    // `text` may hold a server's words: printable_for_terminal() them first.
    virtual void warning(std::string_view text) = 0;
    // trace=true detail: requests, replies, rejected documents.
    virtual void trace(std::string_view text) = 0;
    // The run's summary line, once at the end.
    virtual void summary(std::string_view line) = 0;
};

// "espcap: warning: ..." and "espcap: trace: ..." lines, and the summary, on stderr.
class StderrReporter final : public Reporter {
public:
    void warning(std::string_view text) override;
    void trace(std::string_view text) override;
    void summary(std::string_view line) override;
};

// Keeps the warnings and the summary line for a window to show when the run ends (the
// GUI export). Traces, thousands of lines with trace=true, go on to `traces`.
class CollectingReporter final : public Reporter {
public:
    explicit CollectingReporter(Reporter &traces, std::size_t max_warnings = 20)
        : traces_(traces), max_warnings_(max_warnings) {}

    void warning(std::string_view text) override;
    void trace(std::string_view text) override { traces_.trace(text); }
    void summary(std::string_view line) override;

    // The first `max_warnings`, in the order they came, and how many more there were.
    std::vector<std::string> warnings() const;
    std::size_t warnings_left_out() const;
    std::string summary_line() const;

private:
    Reporter &traces_;
    const std::size_t max_warnings_;
    mutable std::mutex mutex_;  // guards everything below
    std::vector<std::string> warnings_;
    std::size_t left_out_ = 0;
    std::string summary_;
};

// The reporter of programs with no user interface of their own (espcap-replay, tests).
Reporter &stderr_reporter();

}  // namespace espcap
