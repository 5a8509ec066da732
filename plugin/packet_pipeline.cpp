// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet_pipeline.h"

#include <wireshark.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/frame_data.h>
#include <epan/proto.h>
#include <epan/tap.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "capture_arguments.h"
#include "guarded.h"
#include "packet_id.h"
#include "sensor_identity.h"
#include "stats_file.h"
#include "typed_fields.h"

namespace espcap {
namespace {

double now_seconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// The hook lets no exception out: this is where Wireshark's C code calls us.
tap_packet_status frame_tap(void *pipeline, packet_info *pinfo, epan_dissect_t *edt, const void *, tap_flags_t) {
    static_cast<PacketPipeline *>(pipeline)->on_frame(pinfo, edt);
    return TAP_PACKET_DONT_REDRAW;
}

// flows=only writes no packet document: without the tree dissection costs far less.
guint tree_flag(const Options &options) {
    return options.flows == Options::Flows::only ? 0 : TL_REQUIRES_PROTO_TREE;
}

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

// The run's GeoIP and ASN lookups, or null when neither database is given.
std::string open_geo_databases(const Options &options, std::unique_ptr<tap::GeoEnricher> &geo) {
    geo.reset();
    std::string error;
    std::shared_ptr<const tap::GeoDatabase> location, as;
    if (!options.geoip_database.empty()) {
        location = tap::GeoDatabase::open(options.geoip_database, tap::GeoDatabase::Kind::location, error);
        if (!location) return error;
    }
    if (!options.asn_database.empty()) {
        as = tap::GeoDatabase::open(options.asn_database, tap::GeoDatabase::Kind::as, error);
        if (!as) return error;
    }
    if (location || as) geo = tap::GeoEnricher::from_databases(std::move(location), std::move(as));
    return "";
}

// Protocol names are checked here, where libwireshark knows them.
std::string check_protocol_names(const DocumentContent &content) {
    for (const auto &[key, names] : {std::pair{"protocols", &content.only_protocols},
                                     std::pair{"drop_protocols", &content.drop_protocols}}) {
        for (const std::string &name : *names)
            if (proto_get_id_by_filter_name(name.c_str()) < 0)
                return std::string("option '") + key + "': '" + name + "' is not a protocol's filter name";
    }
    return "";
}

}  // namespace

PacketPipeline::PacketPipeline(const Options &options, Reporter &reporter)
    : options_(options), reporter_(reporter), flows_(options) {
    const char *skip = std::getenv("ESPCAP_BENCH_SKIP_SERIALIZE");
    skip_serialize_ = skip != nullptr && std::strcmp(skip, "1") == 0;
}

PacketPipeline::~PacketPipeline() { detach_taps(); }

bool PacketPipeline::same_taps(const Options &options) const {
    return tree_flag(options) == tree_flag(options_) && flows_.options_equal(options);
}

std::string PacketPipeline::prepare() {
    if (std::string error = load_protocol_layers(options_, protocol_layers_); !error.empty()) return error;
    if (std::string error = open_geo_databases(options_, geo_); !error.empty()) return error;
    return check_protocol_names(options_.content);
}

std::string PacketPipeline::attach_taps(FrameHook on_frame) {
    detach_taps();
    on_frame_ = std::move(on_frame);
    if (std::string error = flows_.register_taps(); !error.empty()) return error;
    // The "frame" tap fires once per frame, malformed ones included. A dissector that
    // throws inside an embedded packet (an ICMP error, an SCTP PKTDROP chunk) leaves
    // the frame marked as an "error packet", which taps skip unless they ask for them.
    const guint tree = tree_flag(options_);
    GString *error = register_tap_listener("frame", this, nullptr, tree | TL_REQUIRES_ERROR_PACKETS, nullptr,
                                           frame_tap, nullptr, nullptr);
    if (error != nullptr) {
        std::string message = "cannot register the packet tap: " + std::string(error->str);
        g_string_free(error, TRUE);
        flows_.remove_taps();
        return message;
    }
    taps_attached_ = true;
    // Fields of every protocol, as tshark -T ek writes them: without this, tshark -q and
    // the GUI hand taps protocol nodes without their fields.
    if (tree != 0) epan_set_always_visible(TRUE);
    return "";
}

std::string PacketPipeline::set_filter(const std::string &filter) {
    if (!taps_attached_) return "";
    const char *text = filter.empty() ? nullptr : filter.c_str();
    GString *error = set_tap_dfilter(this, text);
    if (error == nullptr) return flows_.set_filter(text);
    std::string message = "option 'filter': " + std::string(error->str);
    g_string_free(error, TRUE);
    return message;
}

void PacketPipeline::detach_taps() {
    if (!taps_attached_) return;
    remove_tap_listener(this);
    flows_.remove_taps();
    epan_set_always_visible(FALSE);
    taps_attached_ = false;
}

void PacketPipeline::prepare_exporter() {
    started_ = true;
    started_at_ = now_seconds();
    // Field types matter only where fields get mapped: a node, or a template file.
    if (!options_.nodes.empty() || !options_.template_file.empty())
        registry_ = std::make_unique<tap::FieldRegistry>();
    exporter_ = std::make_unique<exporter::Exporter>(options_, reporter_);
    if (registry_) exporter_->mappings().set_template(template_spec_from(*registry_));
}

std::string PacketPipeline::start_exporter() {
    std::string error = exporter_->start();
    if (!error.empty()) fail_start(error);
    return error;
}

const std::string &PacketPipeline::start_warning() const {
    static const std::string none;
    return exporter_ ? exporter_->start_warning() : none;
}

void PacketPipeline::fail_start(const std::string &error) {
    start_failed_ = true;
    start_error_ = error;
}

// Document ids name each packet itself (packet_id.h), so exporting the file again
// (from Wireshark or tshark) stores nothing twice.
void PacketPipeline::start_documents(const tap::CaptureOrigin &origin) {
    auto writer = std::make_unique<tap::PacketDocumentWriter>(origin, protocol_layers_, registry_.get(),
                                                              options_.content);
    const std::string identity =
        tap::identity_members({options_.sensor, tap::local_host_name(), options_.labels});
    writer->set_identity(identity);
    writer->set_geo(geo_.get());
    daily_index_ = std::make_unique<tap::DailyIndex>(options_.index_prefix);
    ring_buffer_write_file_ = origin.ring_buffer_write_file;
    flows_.start(exporter_.get(), origin.file_name, origin.live, identity, geo_.get());
    writer_ = std::move(writer);  // last: documents_started() says all of the above is done
}

void PacketPipeline::on_packet(const packet_info *pinfo, const epan_dissect_t *edt) noexcept {
    ++counts_.packets_seen;
    const bool indexed = guarded("packet tap", [&](const std::string &message) { note_packet_error(message); },
                                 [&] { index_packet(pinfo, edt); });
    if (!indexed) ++not_sent_;
}

void PacketPipeline::packet_not_indexed(const std::string &error) {
    ++counts_.packets_seen;
    ++not_sent_;
    note_packet_error(error);
}

// Reports the first packet that could not be indexed; the summary counts them all.
void PacketPipeline::note_packet_error(const std::string &message) {
    if (packet_error_.empty()) reporter_.warning(message);
    packet_error_ = message;
}

void PacketPipeline::index_packet(const packet_info *pinfo, const epan_dissect_t *edt) {
    if (start_failed_) {
        ++not_sent_;
        return;  // keep counting what could not be sent until the host stops
    }
    if (skip_serialize_) return;
    // The highest protocol names a flow's application only when flows are recorded;
    // the document finds its own.
    const std::string_view community_id =
        flows_.end_frame(pinfo, flows_.recording() ? writer_->highest_protocol(pinfo) : std::string_view{});
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

void PacketPipeline::follow_ring_buffer(const packet_info *pinfo) {
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

void PacketPipeline::note_error(const std::string &error) {
    if (front_end_error_.empty()) front_end_error_ = error;
}

exporter::RunStats PacketPipeline::finish() noexcept {
    exporter::RunStats stats;
    const bool finished = guarded("finish", [&](const std::string &message) { reporter_.warning(message); },
                                  [&] { stats = finish_exporter(); });
    if (!finished) stats.note_error("internal error while sending the last documents");
    guarded("finish", [&](const std::string &message) { reporter_.warning(message); },
            [&] { reporter_.summary(stats.summary_line()); });
    if (!options_.stats_file.empty())
        guarded("stats file", [&](const std::string &message) { reporter_.warning(message); }, [&] {
            // Only a warning: the documents are where they should be; readers find no file.
            if (std::string error = exporter::write_stats_file(options_.stats_file, stats); !error.empty())
                reporter_.warning(error);
        });
    return stats;
}

exporter::RunStats PacketPipeline::finish_exporter() {
    exporter::RunStats stats;
    // Every open flow, before the exporter drains.
    if (exporter_ && !start_failed_) flows_.finish();
    if (exporter_ && !guarded("finish", [&](const std::string &message) { reporter_.warning(message); },
                              [&] { stats = exporter_->finish(); })) {
        // What the exporter had not accounted for is lost: the counts must still add up.
        stats.note_error("internal error while sending the last documents");
        const std::uint64_t accounted = stats.documents_indexed + stats.documents_duplicate +
                                        stats.documents_failed + stats.documents_spooled +
                                        stats.documents_outside_retention + not_sent_;
        if (counts_.packets_seen > accounted) stats.documents_failed += counts_.packets_seen - accounted;
    }
    stats.packets_seen = counts_.packets_seen;
    stats.packets_malformed = counts_.packets_malformed;
    stats.indices = counts_.indices;
    stats.flows_written = flows_.flows_written();
    stats.flow_updates = flows_.flow_updates();
    stats.indices.insert(flows_.indices().begin(), flows_.indices().end());
    stats.sent_to_node = !options_.nodes.empty();
    stats.wrote_file = !options_.output_file.empty();
    stats.documents_failed += not_sent_;
    if (!start_error_.empty()) stats.first_error = start_error_;
    if (!packet_error_.empty()) stats.note_error(packet_error_);
    if (!front_end_error_.empty()) stats.note_error(front_end_error_);
    stats.seconds = started_ ? now_seconds() - started_at_ : 0;
    return stats;
}

}  // namespace espcap
