// SPDX-License-Identifier: GPL-2.0-or-later
// One Tools → Export to Elasticsearch run: the file Wireshark has open, read again
// through a tap that lives only for this run.
//
//   GuiExportRun run(options, GuiExportRun::Scope::displayed);
//   run.connect_in_background();       // poll connected()
//   run.read_packets(retap);           // on the GUI thread; retap() is Wireshark's
//   run.confirm_in_background();       // poll confirmed()
//   run.result_text();
//
// Talking to Elasticsearch happens on other threads, so the window never waits for a
// slow or unreachable node. Reading packets happens where Wireshark reads them, on the
// GUI thread, with Wireshark's own progress bar. Each packet goes the way it goes in
// tshark (packet_pipeline.h); what the run says on the way (a mapping the node refused)
// is kept for the result window.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "wireshark_capture_file.h"
#include "options.h"
#include "packet_pipeline.h"
#include "reporter.h"
#include "run_stats.h"

struct _packet_info;
struct epan_dissect;

namespace espcap {

class GuiExportRun {
public:
    enum class Scope { all, displayed };

    GuiExportRun(const Options &options, Scope scope);
    ~GuiExportRun();
    GuiExportRun(const GuiExportRun &) = delete;
    GuiExportRun &operator=(const GuiExportRun &) = delete;

    // Checks the node and installs the index template on a worker thread.
    void connect_in_background();
    bool connected();  // true once that is over, whether it worked or not
    const std::string &connect_error() const { return connect_error_; }

    // Attaches the tap, lets `retap` run every packet past it, detaches the tap.
    // Returns an error for the user, or "".
    std::string read_packets(const std::function<void()> &retap);

    // Sends what is left and collects the counts on a worker thread.
    void confirm_in_background();
    bool confirmed();

    std::uint64_t documents_handed() const { return pipeline_.packets_seen(); }

    // The result window's text: plain words, the warnings the run gave, then the same
    // summary line tshark prints.
    std::string result_text() const;

private:
    // The pipeline's frame hook: learns the capture, skips frames not displayed.
    void on_frame(const _packet_info *pinfo, const epan_dissect *edt) noexcept;
    void start_documents(const _packet_info *pinfo);
    bool exported_anything() const;
    std::string facts() const;
    std::string explanation() const;
    std::string warnings() const;

    Options options_;
    Scope scope_;
    CollectingReporter reporter_;  // before the pipeline, which reports to it
    PacketPipeline pipeline_;
    std::thread worker_;
    std::atomic<bool> worker_done_{false};
    std::string connect_error_;
    std::string connect_warning_;  // the node did not answer; batches go to the spool
    std::string read_error_;

    std::optional<WiresharkCaptureFile> capture_;  // learned from the first packet
    bool capture_known_ = false;
    std::uint64_t frames_read_ = 0;  // before the displayed-only check
    exporter::RunStats stats_;   // the final counts, once confirmed
};

}  // namespace espcap
