// Where espcap's words to the user go. tshark prints them on stderr; the GUI export
// shows them in its dialog. No layer writes to a stream itself, so nothing said in the
// GUI is lost on a terminal nobody reads.
//
// Called from the tap, the sender threads and the connector thread at once:
// implementations are thread-safe.
#pragma once

#include <string_view>

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

// The reporter of programs with no user interface of their own (espcap-replay, tests).
Reporter &stderr_reporter();

}  // namespace espcap
