// SPDX-License-Identifier: GPL-2.0-or-later
#include "session.h"

#include <wireshark.h>
#include <epan/epan_dissect.h>
#include <epan/packet_info.h>

#include "capture_arguments.h"
#include "guarded.h"
#include "host_program.h"
#include "reporter.h"

namespace espcap {

std::string Session::configure(const Options &options) {
    if (started_) return "";  // preferences changed mid-run: the run keeps its settings
    if (!options.active()) {
        pipeline_.reset();
        return "";
    }
    // Preferences applied before the capture may change the options: the taps stay
    // when they would be the same, else the pipeline starts over.
    if (active() && pipeline_->same_taps(options))
        pipeline_->set_options(options);
    else {
        pipeline_.reset();
        pipeline_ = std::make_unique<PacketPipeline>(options, stderr_reporter());
    }
    if (std::string error = pipeline_->prepare(); !error.empty()) return error;
    // Registered now, before tshark decides whether packets need dissecting at all;
    // the filter is set in prepare_capture().
    if (active()) return "";
    return pipeline_->attach_taps([this](const packet_info *pinfo, const epan_dissect_t *edt) {
        on_packet(pinfo, edt);
    });
}

std::string Session::prepare_capture() {
    if (!active() || started_) return "";
    return pipeline_->set_filter(pipeline_->options().filter);
}

void Session::start() {
    started_ = true;
    const Options &options = pipeline_->options();
    const CaptureArguments arguments = capture_arguments_of(current_process_arguments());
    tap::CaptureOrigin origin;
    // A live capture that tshark also writes with -w is read back from that file, so its
    // packets can be found there again (espcap-pcap).
    origin.file_name = arguments.read_file.empty() ? arguments.live_file() : arguments.read_file;
    origin.live = arguments.read_file.empty();
    if (arguments.read_file.empty() && arguments.ring_buffer && arguments.write_file != "-")
        origin.ring_buffer_write_file = arguments.write_file;
    origin.file_date_utc = file_date_utc(arguments.read_file);
    pipeline_->prepare_exporter();
    pipeline_->start_documents(origin);
    for (const std::string &warning : connection_warnings(options)) stderr_reporter().warning(warning);
    const std::string error = pipeline_->start_exporter();
    if (!pipeline_->start_warning().empty()) stderr_reporter().warning(pipeline_->start_warning());
    if (!error.empty()) {
        host::report_error(error + "; stopping");
        host::ask_to_stop();
    }
}

void Session::on_packet(const packet_info *pinfo, const epan_dissect_t *edt) noexcept {
    if (!started_ && !guarded("start", host::report_error, [&] { start(); })) {
        pipeline_->fail_start("internal error at start; stopping");
        host::ask_to_stop();
    }
    pipeline_->on_packet(pinfo, edt);
    if (!stop_asked_ && pipeline_->privilege_refused()) {
        stop_asked_ = true;  // the refused documents are in the dead-letter file; the rest stay unread
        host::ask_to_stop();
    }
}

Session::Outcome Session::finish() noexcept {
    if (!active()) return Outcome::delivered;
    Outcome outcome = Outcome::failed;
    guarded("finish", host::report_error, [&] {
        const exporter::RunStats stats = pipeline_->finish();  // the summary line goes to stderr
        pipeline_->detach_taps();
        outcome = pipeline_->refused_at_start() || stats.refused_privilege() ? Outcome::refused
                  : stats.failed()          ? Outcome::failed
                  : stats.spooled()         ? Outcome::spooled
                                            : Outcome::delivered;
    });
    return outcome;
}

}  // namespace espcap
