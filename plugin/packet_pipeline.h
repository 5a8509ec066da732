// SPDX-License-Identifier: GPL-2.0-or-later
// One run's way from dissected frames to the exporter, the same for both front ends:
// tshark's Session and the GUI's GuiExportRun drive it, and only what differs between
// them stays with them (when the taps go on and off, where the capture's name comes
// from, progress, exit status).
//
//   PacketPipeline pipeline(options, reporter);
//   pipeline.prepare();                              // protocol layers, names: an error or ""
//   pipeline.attach_taps([&](pinfo, edt) { ...; pipeline.on_packet(pinfo, edt); });
//   pipeline.set_filter(filter);                     // once display filters compile
//   pipeline.prepare_exporter();                     // on the thread that dissects
//   pipeline.start_exporter();                       // any thread: may wait for the node
//   pipeline.start_documents(origin);                // before the first packet's document
//   ...frames arrive: the hook calls on_packet()...
//   pipeline.detach_taps();
//   RunStats stats = pipeline.finish();              // any thread; the summary goes to `reporter`
//
// Per packet: its flow (Community ID, flow records), its index, its id, its document
// and the fields that document first uses, handed to the exporter in one step.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "daily_index.h"
#include "exporter.h"
#include "flow_recorder.h"
#include "geo_enricher.h"
#include "options.h"
#include "capture_origin.h"
#include "packet_document.h"
#include "protocol_layers.h"
#include "reporter.h"

struct _packet_info;
struct epan_dissect;

namespace espcap {

class PacketPipeline {
public:
    PacketPipeline(const Options &options, Reporter &reporter);
    ~PacketPipeline();
    PacketPipeline(const PacketPipeline &) = delete;
    PacketPipeline &operator=(const PacketPipeline &) = delete;

    const Options &options() const { return options_; }
    // Whether `options` would need taps of their own (another tree need, other flows).
    bool same_taps(const Options &options) const;
    // Before anything started: the taps stay, the rest of the run takes `options`.
    void set_options(const Options &options) { options_ = options; }

    // Reads the `not_protocols` file, checks the protocol names options give and opens
    // the `geoip` and `asn` databases. Returns an error for the user, or "".
    std::string prepare();

    // Called once per frame from the "frame" tap, after the flows' taps saw it; the hook
    // does what its front end does per frame and calls on_packet(). It must not throw.
    using FrameHook = std::function<void(const _packet_info *, const epan_dissect *)>;
    // Registers the "frame" tap (and the flows' taps) and makes every field visible.
    // Returns an error for the user, or "".
    std::string attach_taps(FrameHook on_frame);
    // The `filter=` option, compiled (display filters compile once a capture opens).
    std::string set_filter(const std::string &filter);
    void detach_taps();
    bool taps_attached() const { return taps_attached_; }
    // The "frame" tap's callback: calls the hook.
    void on_frame(const _packet_info *pinfo, const epan_dissect *edt) { on_frame_(pinfo, edt); }

    // GUI, displayed packets only: frames the display filter hides count in no flow.
    void count_displayed_only() { flows_.count_displayed_only(); }

    // The field registry (it reads Wireshark's tables: call from the dissecting thread)
    // and the exporter, not yet started; the run's clock starts. May throw.
    void prepare_exporter();
    // Opens the output file, asks the node, installs the template. Returns the error
    // that stops the run, or ""; start_warning() says when the node is not there yet.
    std::string start_exporter();
    const std::string &start_warning() const;
    // The run stops before its first document: every packet counts as failed.
    void fail_start(const std::string &error);
    bool start_failed() const { return start_failed_; }
    // The start failed because the node refused us: see Exporter::node_refused().
    bool refused_at_start() const { return start_failed_ && exporter_ && exporter_->node_refused(); }
    // Documents met a privilege the credentials lack: reading on would only add refusals.
    bool privilege_refused() const { return exporter_ && exporter_->privilege_refused(); }

    // The writer and the daily index namer, once the capture is known. May throw.
    void start_documents(const tap::CaptureOrigin &origin);
    bool documents_started() const { return writer_ != nullptr; }

    // One frame: counted, its flow recorded, its document handed to the exporter. A
    // packet whose indexing throws is reported and counted as failed.
    void on_packet(const _packet_info *pinfo, const epan_dissect *edt) noexcept;
    // A packet that could not even get that far (`error` says why).
    void packet_not_indexed(const std::string &error);
    std::uint64_t packets_seen() const { return counts_.packets_seen; }

    // An error of the front end's own, for the summary.
    void note_error(const std::string &error);

    // Writes the open flows, sends what is left, says the summary line through the
    // reporter and returns the counts. Reports what it throws, never throws.
    exporter::RunStats finish() noexcept;

private:
    void index_packet(const _packet_info *pinfo, const epan_dissect *edt);
    void note_packet_error(const std::string &message);
    void follow_ring_buffer(const _packet_info *pinfo);
    exporter::RunStats finish_exporter();

    Options options_;
    Reporter &reporter_;
    // With geoip= or asn=; before flows_ and writer_, which point at it, so it outlives them.
    std::unique_ptr<tap::GeoEnricher> geo_;
    FlowRecorder flows_;  // Community IDs, and flow records when asked
    FrameHook on_frame_;
    bool taps_attached_ = false;
    tap::ProtocolLayers protocol_layers_;

    std::unique_ptr<tap::FieldRegistry> registry_;  // when fields get mapped
    std::unique_ptr<exporter::Exporter> exporter_;
    bool start_failed_ = false;
    std::string start_error_;
    double started_at_ = 0;
    bool started_ = false;  // prepare_exporter() was called: the run's clock runs

    std::unique_ptr<tap::PacketDocumentWriter> writer_;
    std::unique_ptr<tap::DailyIndex> daily_index_;
    // Benchmark only (ESPCAP_BENCH_SKIP_SERIALIZE=1): the full tree is still built for
    // the tap, but no document is written, which measures the dissection limit.
    bool skip_serialize_ = false;
    // A ring buffer file changes where a record offset does not grow.
    std::string ring_buffer_write_file_;
    bool ring_offset_seen_ = false;
    std::int64_t last_ring_offset_ = 0;

    exporter::RunStats counts_;   // packets seen and indices, kept on the dissecting thread
    std::uint64_t not_sent_ = 0;  // packets that never reached the exporter: counted as failed
    std::string packet_error_;    // why the last packet that failed did
    std::string front_end_error_;
};

}  // namespace espcap
