#include "session.h"

#include <wireshark.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/tap.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "capture_source.h"
#include "host_program.h"
#include "typed_fields.h"

namespace espcap {
namespace {

double now_seconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

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
    GString *error = set_tap_dfilter(this, options_.filter.empty() ? nullptr : options_.filter.c_str());
    if (error == nullptr) return "";
    std::string message = "option 'filter': " + std::string(error->str);
    g_string_free(error, TRUE);
    return message;
}

std::string Session::register_tap() {
    if (tap_registered_) return "";
    // The "frame" tap fires once per frame, malformed ones included. A dissector that
    // throws inside an embedded packet (an ICMP error, an SCTP PKTDROP chunk) leaves
    // the frame marked as an "error packet", which taps skip unless they ask for them.
    GString *error = register_tap_listener("frame", this, nullptr, TL_REQUIRES_PROTO_TREE | TL_REQUIRES_ERROR_PACKETS,
                                           nullptr, tap_packet, nullptr, nullptr);
    if (error != nullptr) {
        std::string message = "cannot register the packet tap: " + std::string(error->str);
        g_string_free(error, TRUE);
        return message;
    }
    tap_registered_ = true;
    // Without this, tshark -q hands taps protocol nodes without their fields.
    epan_set_always_visible(TRUE);
    return "";
}

void Session::unregister_tap() {
    if (!tap_registered_) return;
    remove_tap_listener(this);
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
    context.file_name = source.read_file;
    context.file_date_utc = file_date_utc(source.read_file);
    id_prefix_ = capture_identity(source.read_file) + "-";
    // Field types matter only where fields get mapped: a node, or a template file.
    if (!options_.nodes.empty() || !options_.template_file.empty())
        registry_ = std::make_unique<tap::FieldRegistry>();
    writer_ = std::make_unique<tap::PacketDocumentWriter>(context, protocol_layers_, registry_.get(), options_.content);
    daily_index_ = std::make_unique<tap::DailyIndex>(options_.index_prefix);
    if (!options_.tls_verify)
        host::report_error("warning: tls_verify=false: the node's certificate is not checked");
    exporter_ = std::make_unique<exporter::Exporter>(options_);
    if (registry_) exporter_->mappings().set_template(template_spec_from(*registry_));
    start_error_ = exporter_->start();
    if (!exporter_->start_warning().empty()) host::report_error("warning: " + exporter_->start_warning());
    if (!start_error_.empty()) {
        start_failed_ = true;
        host::report_error(start_error_ + "; stopping");
        host::ask_to_stop();
    }
}

bool Session::on_packet(const packet_info *pinfo, const epan_dissect_t *edt) {
    ++counts_.packets_seen;
    if (!started_) start();
    if (start_failed_) {
        ++not_sent_;
        return true;  // keep counting what could not be sent until the host stops
    }
    if (skip_serialize_) return true;
    const std::string &index = options_.daily ? daily_index_->name_for(pinfo->abs_ts.secs) : options_.index_prefix;
    counts_.indices.insert(index);  // a lookup, no allocation, once the day is known

    id_.assign(id_prefix_).append(std::to_string(pinfo->num));
    writer_->discovery().select_index(index);
    exporter_->add_document(index, id_, [&](tap::JsonBuffer &out) {
        writer_->write(pinfo, edt->tree, out);
        hand_over_new_fields(writer_->discovery(), *exporter_, !options_.nodes.empty());
    });
    if (writer_->last_packet_malformed()) ++counts_.packets_malformed;
    return true;
}

Session::Outcome Session::finish() {
    if (!tap_registered_) return Outcome::delivered;
    exporter::RunStats stats;
    if (exporter_) stats = exporter_->finish();
    stats.packets_seen = counts_.packets_seen;
    stats.packets_malformed = counts_.packets_malformed;
    stats.indices = counts_.indices;
    stats.sent_to_node = !options_.nodes.empty();
    stats.wrote_file = !options_.output_file.empty();
    stats.documents_failed += not_sent_;
    if (!start_error_.empty()) stats.first_error = start_error_;
    stats.seconds = started_ ? now_seconds() - started_at_ : 0;
    std::fprintf(stderr, "%s\n", stats.summary_line().c_str());
    std::fflush(stderr);
    unregister_tap();
    if (stats.failed()) return Outcome::failed;
    return stats.spooled() ? Outcome::spooled : Outcome::delivered;
}

}  // namespace espcap
