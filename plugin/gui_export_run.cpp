// SPDX-License-Identifier: GPL-2.0-or-later
#include "gui_export_run.h"

#include <wireshark.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/frame_data.h>
#include <epan/packet_info.h>

#include <cstdio>
#include <vector>

#include "capture_arguments.h"
#include "guarded.h"

namespace espcap {
namespace {

std::string node_list(const Options &options) {
    std::string list;
    for (const Endpoint &node : options.nodes) list += (list.empty() ? "" : ", ") + node.url();
    return list;
}

}  // namespace

GuiExportRun::GuiExportRun(const Options &options, Scope scope)
    : options_(options), scope_(scope), reporter_(stderr_reporter()), pipeline_(options, reporter_) {
    if (scope_ == Scope::displayed) pipeline_.count_displayed_only();
}

GuiExportRun::~GuiExportRun() {
    if (worker_.joinable()) worker_.join();
}

void GuiExportRun::connect_in_background() {
    worker_done_ = false;
    const auto failed = [this](const std::string &message) { connect_error_ = message; };
    connect_error_ = pipeline_.prepare();
    // The registry scan reads Wireshark's tables: here, on the GUI thread, not the worker.
    if (connect_error_.empty()) guarded("export", failed, [&] { pipeline_.prepare_exporter(); });
    if (!connect_error_.empty()) {
        pipeline_.fail_start(connect_error_);
        worker_done_ = true;
        return;
    }
    worker_ = std::thread([this, failed] {
        // An exception would end Wireshark (std::terminate): it becomes the run's error.
        if (!guarded("export", failed, [&] {
                connect_error_ = pipeline_.start_exporter();
                connect_warning_ = pipeline_.start_warning();
            }) && connect_error_.empty())
            connect_error_ = "internal error";
        if (!connect_error_.empty()) pipeline_.fail_start(connect_error_);
        worker_done_ = true;
    });
}

bool GuiExportRun::connected() {
    if (!worker_done_) return false;
    if (worker_.joinable()) worker_.join();
    return true;
}

std::string GuiExportRun::read_packets(const std::function<void()> &retap) {
    read_error_ = pipeline_.attach_taps([this](const packet_info *pinfo, const epan_dissect_t *edt) {
        on_frame(pinfo, edt);
    });
    if (read_error_.empty()) read_error_ = pipeline_.set_filter(options_.filter);
    if (read_error_.empty()) retap();
    pipeline_.detach_taps();
    if (!read_error_.empty()) pipeline_.note_error(read_error_);
    return read_error_;
}

void GuiExportRun::confirm_in_background() {
    worker_done_ = false;
    worker_ = std::thread([this] {
        stats_ = pipeline_.finish();  // the summary line goes to reporter_
        worker_done_ = true;
    });
}

bool GuiExportRun::confirmed() {
    if (!worker_done_) return false;
    if (worker_.joinable()) worker_.join();
    return true;
}

// The capture's name comes from Wireshark's open file, learned from its first packet.
void GuiExportRun::start_documents(const packet_info *pinfo) {
    capture_ = wireshark_capture_file_of(pinfo);
    const std::string file = capture_ && !capture_->is_temporary ? capture_->file_name : "";
    tap::CaptureOrigin origin;
    origin.file_name = file;
    origin.file_date_utc = file_date_utc(file);
    pipeline_.start_documents(origin);
    capture_known_ = true;  // last: if anything above threw, the next packet tries again
}

void GuiExportRun::on_frame(const packet_info *pinfo, const epan_dissect_t *edt) noexcept {
    // A packet whose document could not be written is counted, as failed.
    const auto not_indexed = [this](const std::string &message) { pipeline_.packet_not_indexed(message); };
    if (!capture_known_ && !guarded("export", not_indexed, [&] { start_documents(pinfo); })) return;
    ++frames_read_;
    if (scope_ == Scope::displayed && !pinfo->fd->passed_dfilter) return;
    pipeline_.on_packet(pinfo, edt);
}

bool GuiExportRun::exported_anything() const {
    return connect_error_.empty() && read_error_.empty() && frames_read_ > 0;
}

std::string GuiExportRun::result_text() const {
    std::string text = !exported_anything() ? "Nothing was exported.\n"
                       : stats_.failed()    ? "Export finished with errors.\n"
                       : stats_.spooled()   ? "Export incomplete: documents wait in the spool.\n"
                                            : "Export complete.\n";
    text += "\n" + facts() + "\n";
    if (const std::string words = explanation(); !words.empty()) text += words + "\n";
    if (const std::string said = warnings(); !said.empty()) text += said + "\n";
    return text + reporter_.summary_line() + "\n";
}

// What was exported where, one "Label: value" line each.
std::string GuiExportRun::facts() const {
    std::string text;
    const auto line = [&text](const std::string &label, const std::string &value) {
        text += label;
        text.append(label.size() < 18 ? 18 - label.size() : 1, ' ');
        text += value + "\n";
    };
    line("File:", capture_ ? capture_->file_name : "(the open capture)");
    std::string scope = scope_ == Scope::all ? "all packets" : "displayed packets only";
    if (capture_ && scope_ == Scope::all) scope = "all " + std::to_string(capture_->frames) + " packets";
    if (capture_ && scope_ == Scope::displayed) {
        scope = "the " + std::to_string(capture_->displayed) + " displayed of " + std::to_string(capture_->frames) +
                " packets";
        scope += capture_->display_filter.empty() ? " (no display filter applied)"
                                                  : " (display filter: " + capture_->display_filter + ")";
    }
    if (!options_.filter.empty()) scope += ", espcap filter: " + options_.filter;
    line("Packets:", scope);
    if (!options_.nodes.empty()) line("Elasticsearch:", node_list(options_));
    if (!options_.output_file.empty()) line("NDJSON file:", options_.output_file);
    text += "\n";
    if (stats_.sent_to_node) {
        line("Documents:", std::to_string(stats_.packets_seen));
        line("Indexed:", std::to_string(stats_.documents_indexed));
        line("Already indexed:", std::to_string(stats_.documents_duplicate));
        line("Failed:", std::to_string(stats_.documents_failed));
        if (stats_.spooled()) line("Spooled:", std::to_string(stats_.documents_spooled));
        if (stats_.replayed_indexed > 0) line("Replayed:", std::to_string(stats_.replayed_indexed));
    }
    if (stats_.wrote_file) line("Written to file:", std::to_string(stats_.documents_written));
    if (options_.flows != Options::Flows::off) line("Flow records:", std::to_string(stats_.flows_written));
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", stats_.seconds);
    line("Seconds:", seconds);
    std::string indices;
    for (const std::string &index : stats_.indices) indices += (indices.empty() ? "" : ", ") + index;
    line("Indices:", indices.empty() ? "none" : indices);
    return text;
}

// What went wrong, or what the user should know, in plain words; "" when nothing.
std::string GuiExportRun::explanation() const {
    if (!connect_error_.empty())
        return "Elasticsearch did not accept the connection: " + connect_error_ +
               ".\nCheck the node and credentials in Edit > Preferences > Protocols > espcap.\n";
    if (!read_error_.empty()) return "The packets could not be read: " + read_error_ + ".\n";
    if (frames_read_ == 0)
        return "No packets were read: open a capture file first, or wait until it has finished loading.\n";
    std::string text;
    if (!connect_warning_.empty())
        text += "Elasticsearch could not be reached when the export started: " + connect_warning_ + ".\n";
    if (stats_.spooled())
        text += std::to_string(stats_.documents_spooled) + " documents wait in " + stats_.spool_folder +
                ". The next export or tshark run with the same node sends them first, or run espcap-replay.\n";
    if (!options_.tls_verify) text += "tls_verify=false: the node's certificate was not checked.\n";
    if (capture_ && frames_read_ < capture_->frames)
        text += "Reading stopped after " + std::to_string(frames_read_) + " of " + std::to_string(capture_->frames) +
                " packets; only those were exported.\n";
    if (stats_.documents_failed > 0) {
        text += std::to_string(stats_.documents_failed) + " documents could not be indexed";
        if (stats_.documents_dead_lettered > 0) text += "; they are kept with the reason in " + stats_.dead_letter_path;
        text += ".\n";
    }
    if (!stats_.first_error.empty()) text += "First error: " + stats_.first_error + "\n";
    if (!capture_ || capture_->is_temporary)
        text += "This capture is not a saved file, so its documents got ids of their own: exporting it again "
                "would store them again.\n";
    return text;
}

// What the run said while it ran (the node refused a mapping...), one line each.
std::string GuiExportRun::warnings() const {
    const std::vector<std::string> said = reporter_.warnings();
    if (said.empty()) return "";
    std::string text = "Warnings:\n";
    for (const std::string &warning : said) text += "  " + warning + "\n";
    if (const std::size_t more = reporter_.warnings_left_out(); more > 0)
        text += "  ...and " + std::to_string(more) + " more\n";
    return text;
}

}  // namespace espcap
