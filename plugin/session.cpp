#include "session.h"

#include <wireshark.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/frame_data.h>
#include <epan/tap.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "capture_source.h"
#include "guarded.h"
#include "host_program.h"
#include "packet_id.h"
#include "reporter.h"
#include "typed_fields.h"

namespace espcap {
namespace {

double now_seconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// on_packet() lets no exception out: this is where Wireshark's C code calls us.
tap_packet_status tap_packet(void *session, packet_info *pinfo, epan_dissect_t *edt, const void *, tap_flags_t) {
    return static_cast<Session *>(session)->on_packet(pinfo, edt) ? TAP_PACKET_DONT_REDRAW : TAP_PACKET_FAILED;
}

}  // namespace

std::string load_protocol_layers(const Options &options, tap::ProtocolLayers &layers) {
    layers = tap::ProtocolLayers();
    if (options.not_protocols_file.empty()) return "";
    std::ifstream in(options.not_protocols_file);
    if (!in) return "option 'not_protocols': cannot read '" + options.not_protocols_file + "'";
    std::ostringstream text;
    text << in.rdbuf();
    layers.load(text.str());
    return "";
}

// Protocol names are checked here, where libwireshark knows them.
static std::string check_protocol_names(const DocumentContent &content) {
    for (const auto &[key, names] : {std::pair{"protocols", &content.only_protocols},
                                     std::pair{"drop_protocols", &content.drop_protocols}}) {
        for (const std::string &name : *names)
            if (proto_get_id_by_filter_name(name.c_str()) < 0)
                return std::string("option '") + key + "': '" + name + "' is not a protocol's filter name";
    }
    return "";
}

std::string Session::configure(const Options &options) {
    if (started_) return "";  // preferences changed mid-run: the run keeps its settings
    options_ = options;
    if (!options_.active()) {
        unregister_tap();
        return "";
    }
    if (std::string error = load_protocol_layers(options_, protocol_layers_); !error.empty()) return error;
    if (std::string error = check_protocol_names(options_.content); !error.empty()) return error;
    // Registered now, before tshark decides whether packets need dissecting at all;
    // the filter is set in prepare_capture().
    return register_tap();
}

std::string Session::prepare_capture() {
    if (!tap_registered_ || started_) return "";
    const char *filter = options_.filter.empty() ? nullptr : options_.filter.c_str();
    GString *error = set_tap_dfilter(this, filter);
    if (error == nullptr) return flows_ ? flows_->set_filter(filter) : "";
    std::string message = "option 'filter': " + std::string(error->str);
    g_string_free(error, TRUE);
    return message;
}

std::string Session::register_tap() {
    // flows=only writes no packet document: without the tree dissection costs far less.
    const guint tree = options_.flows == Options::Flows::only ? 0 : TL_REQUIRES_PROTO_TREE;
    // Preferences applied before the capture may change the flows options: start over.
    if (tap_registered_ && tree == tap_tree_flag_ && flows_ && flows_->options_equal(options_)) return "";
    unregister_tap();
    tap_tree_flag_ = tree;
    flows_ = std::make_unique<FlowRecorder>(options_);
    if (std::string error = flows_->register_taps(); !error.empty()) return error;
    // The "frame" tap fires once per frame, malformed ones included. A dissector that
    // throws inside an embedded packet (an ICMP error, an SCTP PKTDROP chunk) leaves
    // the frame marked as an "error packet", which taps skip unless they ask for them.
    GString *error = register_tap_listener("frame", this, nullptr, tree | TL_REQUIRES_ERROR_PACKETS,
                                           nullptr, tap_packet, nullptr, nullptr);
    if (error != nullptr) {
        std::string message = "cannot register the packet tap: " + std::string(error->str);
        g_string_free(error, TRUE);
        return message;
    }
    tap_registered_ = true;
    // Without this, tshark -q hands taps protocol nodes without their fields.
    if (tree != 0) epan_set_always_visible(TRUE);
    return "";
}

void Session::unregister_tap() {
    if (!tap_registered_) return;
    remove_tap_listener(this);
    if (flows_) flows_->remove_taps();
    epan_set_always_visible(FALSE);
    tap_registered_ = false;
}

void Session::start() {
    started_ = true;
    started_at_ = now_seconds();
    const char *skip = std::getenv("ESPCAP_BENCH_SKIP_SERIALIZE");
    skip_serialize_ = skip != nullptr && std::strcmp(skip, "1") == 0;
    const CaptureSource source = capture_source_from_arguments(current_process_arguments());
    tap::CaptureContext context;
    // A live capture that tshark also writes with -w is read back from that file, so its
    // packets can be found there again (espcap-pcap).
    context.file_name = source.read_file.empty() ? source.live_file() : source.read_file;
    if (source.read_file.empty() && source.ring_buffer && source.write_file != "-")
        ring_buffer_write_file_ = source.write_file;
    context.file_date_utc = file_date_utc(source.read_file);
    // Field types matter only where fields get mapped: a node, or a template file.
    if (!options_.nodes.empty() || !options_.template_file.empty())
        registry_ = std::make_unique<tap::FieldRegistry>();
    writer_ = std::make_unique<tap::PacketDocumentWriter>(context, protocol_layers_, registry_.get(), options_.content);
    daily_index_ = std::make_unique<tap::DailyIndex>(options_.index_prefix);
    if (!options_.tls_verify)
        host::report_error("warning: tls_verify=false: the node's certificate is not checked");
    exporter_ = std::make_unique<exporter::Exporter>(options_, stderr_reporter());
    if (registry_) exporter_->mappings().set_template(template_spec_from(*registry_));
    flows_->start(exporter_.get(), context.file_name);
    start_error_ = exporter_->start();
    if (!exporter_->start_warning().empty()) host::report_error("warning: " + exporter_->start_warning());
    if (!start_error_.empty()) {
        start_failed_ = true;
        host::report_error(start_error_ + "; stopping");
        host::ask_to_stop();
    }
}

bool Session::on_packet(const packet_info *pinfo, const epan_dissect_t *edt) noexcept {
    ++counts_.packets_seen;
    if (!started_ && !guarded("start", host::report_error, [&] { start(); })) {
        start_failed_ = true;
        start_error_ = "internal error at start; stopping";
        host::ask_to_stop();
    }
    const bool indexed = guarded("packet tap", [&](const std::string &message) { note_packet_error(message); },
                                 [&] { index_packet(pinfo, edt); });
    if (!indexed) ++not_sent_;
    return true;
}

// Reports the first packet that could not be indexed; the summary counts them all.
void Session::note_packet_error(const std::string &message) {
    if (packet_error_.empty()) host::report_error(message);
    packet_error_ = message;
}

void Session::index_packet(const packet_info *pinfo, const epan_dissect_t *edt) {
    if (start_failed_) {
        ++not_sent_;
        return;  // keep counting what could not be sent until the host stops
    }
    if (skip_serialize_) return;
    const std::string_view community_id = flows_->end_frame(pinfo, writer_->highest_protocol(pinfo));
    if (options_.flows == Options::Flows::only) return;
    const std::string &index = options_.daily ? daily_index_->name_for(pinfo->fd->has_ts, pinfo->abs_ts.secs)
                                                   : options_.index_prefix;
    counts_.indices.insert(index);  // a lookup, no allocation, once the day is known

    if (!ring_buffer_write_file_.empty()) follow_ring_buffer(pinfo);
    const tap::PacketId id = tap::packet_id(tap::packet_record(pinfo, edt));
    writer_->discovery().select_index(index);
    exporter_->add_document(index, id.view(), [&](JsonBuffer &out) {
        writer_->write(pinfo, edt->tree, out, community_id);
        hand_over_new_fields(writer_->discovery(), *exporter_, !options_.nodes.empty());
    });
    if (writer_->last_packet_malformed()) ++counts_.packets_malformed;
}

void Session::follow_ring_buffer(const packet_info *pinfo) {
    const std::int64_t offset = pinfo->fd->file_off;
    // Offsets grow within one file; the first packet, or one that does not lie further
    // on, is read from the next file (tshark opens it before reading its first packet).
    if (ring_offset_seen_ && offset > last_ring_offset_) {
        last_ring_offset_ = offset;
        return;
    }
    ring_offset_seen_ = true;
    last_ring_offset_ = offset;
    writer_->set_file_name(open_ring_buffer_file(ring_buffer_write_file_));
}

Session::Outcome Session::finish() noexcept {
    Outcome outcome = Outcome::failed;
    guarded("finish", host::report_error, [&] { outcome = finish_run(); });
    return outcome;
}

Session::Outcome Session::finish_run() {
    if (!tap_registered_) return Outcome::delivered;
    exporter::RunStats stats;
    if (flows_ && exporter_ && !start_failed_) flows_->finish();  // every open flow, before the exporter drains
    if (exporter_ && !guarded("finish", host::report_error, [&] { stats = exporter_->finish(); })) {
        // What the exporter had not accounted for is lost: the counts must still add up.
        stats.note_error("internal error while sending the last documents");
        const std::uint64_t accounted = stats.documents_indexed + stats.documents_duplicate +
                                        stats.documents_failed + stats.documents_spooled + not_sent_;
        if (counts_.packets_seen > accounted) stats.documents_failed += counts_.packets_seen - accounted;
    }
    stats.packets_seen = counts_.packets_seen;
    stats.packets_malformed = counts_.packets_malformed;
    stats.indices = counts_.indices;
    if (flows_) {
        stats.flows_written = flows_->flows_written();
        stats.indices.insert(flows_->indices().begin(), flows_->indices().end());
    }
    stats.sent_to_node = !options_.nodes.empty();
    stats.wrote_file = !options_.output_file.empty();
    stats.documents_failed += not_sent_;
    if (!start_error_.empty()) stats.first_error = start_error_;
    if (!packet_error_.empty()) stats.note_error(packet_error_);
    stats.seconds = started_ ? now_seconds() - started_at_ : 0;
    stderr_reporter().summary(stats.summary_line());
    unregister_tap();
    if (stats.failed()) return Outcome::failed;
    return stats.spooled() ? Outcome::spooled : Outcome::delivered;
}

}  // namespace espcap
