#include "gui_export_run.h"

#include <wireshark.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/tap.h>

#include <chrono>

#include "capture_source.h"
#include "guarded.h"
#include "host_program.h"
#include "session.h"
#include "packet_id.h"
#include "typed_fields.h"

namespace espcap {
namespace {

double now_seconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

tap_packet_status tap_packet(void *run, packet_info *pinfo, epan_dissect_t *edt, const void *, tap_flags_t) {
    static_cast<GuiExportRun *>(run)->on_packet(pinfo, edt);  // lets no exception out
    return TAP_PACKET_DONT_REDRAW;
}

std::string node_list(const Options &options) {
    std::string list;
    for (const Endpoint &node : options.nodes) list += (list.empty() ? "" : ", ") + node.url();
    return list;
}

}  // namespace

GuiExportRun::GuiExportRun(const Options &options, Scope scope)
    : options_(options), scope_(scope), exporter_(options, stderr_reporter()) {}

GuiExportRun::~GuiExportRun() {
    if (worker_.joinable()) worker_.join();
}

void GuiExportRun::connect_in_background() {
    started_at_ = now_seconds();
    worker_done_ = false;
    connect_error_ = load_protocol_layers(options_, protocol_layers_);
    if (!connect_error_.empty()) {
        worker_done_ = true;
        return;
    }
    // The registry scan reads Wireshark's tables: here, on the GUI thread, not the worker.
    registry_ = std::make_unique<tap::FieldRegistry>();
    exporter_.mappings().set_template(template_spec_from(*registry_));
    worker_ = std::thread([this] {
        // An exception would end Wireshark (std::terminate): it becomes the run's error.
        if (!guarded("export", [&](const std::string &message) { connect_error_ = message; }, [&] {
                connect_error_ = exporter_.start();
                connect_warning_ = exporter_.start_warning();
            }) && connect_error_.empty())
            connect_error_ = "internal error";
        worker_done_ = true;
    });
}

bool GuiExportRun::connected() {
    if (!worker_done_) return false;
    if (worker_.joinable()) worker_.join();
    return true;
}

std::string GuiExportRun::read_packets(const std::function<void()> &retap) {
    // The "frame" tap fires once per frame, malformed ones included, and with
    // TL_REQUIRES_ERROR_PACKETS also for frames a nested exception left marked as error
    // packets (see Session::register_tap).
    GString *error = register_tap_listener("frame", this, options_.filter.empty() ? nullptr : options_.filter.c_str(),
                                           TL_REQUIRES_PROTO_TREE | TL_REQUIRES_ERROR_PACKETS, nullptr, tap_packet,
                                           nullptr, nullptr);
    if (error != nullptr) {
        read_error_ = "option 'filter': " + std::string(error->str);
        g_string_free(error, TRUE);
        return read_error_;
    }
    // Fields of every protocol, as tshark -T ek writes them, not only those on screen.
    epan_set_always_visible(TRUE);
    retap();
    epan_set_always_visible(FALSE);
    remove_tap_listener(this);
    return "";
}

void GuiExportRun::confirm_in_background() {
    worker_done_ = false;
    worker_ = std::thread([this] {
        if (!guarded("export", [&](const std::string &message) { finish_error_ = message; },
                     [&] { stats_ = exporter_.finish(); })) {
            // What the exporter had not accounted for is lost: the counts must still add up.
            const std::uint64_t accounted = stats_.documents_indexed + stats_.documents_duplicate +
                                            stats_.documents_failed + stats_.documents_spooled;
            if (counts_.packets_seen > accounted) stats_.documents_failed += counts_.packets_seen - accounted;
        }
        worker_done_ = true;
    });
}

bool GuiExportRun::confirmed() {
    if (!worker_done_) return false;
    if (worker_.joinable()) worker_.join();
    stats_.packets_seen = counts_.packets_seen;
    stats_.packets_malformed = counts_.packets_malformed;
    stats_.indices = counts_.indices;
    stats_.sent_to_node = !options_.nodes.empty();
    stats_.wrote_file = !options_.output_file.empty();
    stats_.documents_failed += packets_failed_;
    if (!connect_error_.empty()) stats_.note_error(connect_error_);
    if (!packet_error_.empty()) stats_.note_error(packet_error_);
    if (!finish_error_.empty()) stats_.note_error(finish_error_);
    if (!read_error_.empty()) stats_.note_error(read_error_);
    stats_.seconds = now_seconds() - started_at_;
    return true;
}

// Document ids name each packet itself (packet_id.h), so exporting the file again
// (from Wireshark or tshark) stores nothing twice.
void GuiExportRun::start_documents(const packet_info *pinfo) {
    capture_ = open_capture_of(pinfo);
    const std::string file = capture_ && !capture_->is_temporary ? capture_->file_name : "";
    tap::CaptureContext context;
    context.file_name = file;
    context.file_date_utc = file_date_utc(file);
    writer_ = std::make_unique<tap::PacketDocumentWriter>(context, protocol_layers_, registry_.get());
    daily_index_ = std::make_unique<tap::DailyIndex>(options_.index_prefix);
    capture_known_ = true;  // last: if anything above threw, the next packet tries again
}

void GuiExportRun::on_packet(const packet_info *pinfo, const epan_dissect_t *edt) noexcept {
    const std::uint64_t seen = counts_.packets_seen;
    const bool indexed = guarded("export", [&](const std::string &message) { packet_error_ = message; },
                                 [&] { index_packet(pinfo, edt); });
    if (indexed) return;
    // A packet whose document could not be written is counted, as failed.
    if (counts_.packets_seen == seen) ++counts_.packets_seen;
    ++packets_failed_;
}

void GuiExportRun::index_packet(const packet_info *pinfo, const epan_dissect_t *edt) {
    if (!capture_known_) start_documents(pinfo);
    ++frames_read_;
    if (scope_ == Scope::displayed && !pinfo->fd->passed_dfilter) return;
    ++counts_.packets_seen;
    const std::string &index = options_.daily ? daily_index_->name_for(pinfo->fd->has_ts, pinfo->abs_ts.secs)
                                                   : options_.index_prefix;
    counts_.indices.insert(index);

    const tap::PacketId id = tap::packet_id(tap::packet_record(pinfo, edt));
    writer_->discovery().select_index(index);
    exporter_.add_document(index, id.view(), [&](JsonBuffer &out) {
        writer_->write(pinfo, edt->tree, out);
        hand_over_new_fields(writer_->discovery(), exporter_, !options_.nodes.empty());
    });
    if (writer_->last_packet_malformed()) ++counts_.packets_malformed;
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
    return text + stats_.summary_line() + "\n";
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

}  // namespace espcap
