// One espcap run inside tshark: the tap that turns each dissected packet into a
// document, the exporter that ships them, and the end-of-run summary.
#pragma once

#include <memory>
#include <string>

#include "daily_index.h"
#include "exporter.h"
#include "options.h"
#include "packet_document.h"
#include "protocol_layers.h"

struct _packet_info;
struct epan_dissect;

namespace espcap {

// The protocol layer list in force: the built-in one, or the `not_protocols` file.
// Returns an error for the user, or "".
std::string load_protocol_layers(const Options &options, tap::ProtocolLayers &layers);

class Session {
public:
    // Called whenever the options may have changed (handoff, preferences applied).
    // Returns an error for the user, or "" when the options are in force.
    std::string configure(const Options &options);

    // Called when a capture is opened, before its first packet: display filters can be
    // compiled from here on (not yet at handoff). Returns an error for the user or "".
    std::string prepare_capture();

    // The tap's per-packet callback. False when the tap should not be called again.
    bool on_packet(const _packet_info *pinfo, const epan_dissect *edt);

    enum class Outcome { delivered, spooled, failed };
    // Sends what is left and prints the summary.
    Outcome finish();

    bool active() const { return tap_registered_; }

private:
    void start();
    std::string register_tap();
    void unregister_tap();

    Options options_;
    bool tap_registered_ = false;
    bool started_ = false;
    bool start_failed_ = false;
    // Benchmark only (ESPCAP_BENCH_SKIP_SERIALIZE=1): the full tree is still built for
    // the tap, but no document is written, which measures the dissection limit.
    bool skip_serialize_ = false;
    std::string start_error_;
    std::unique_ptr<exporter::Exporter> exporter_;
    std::unique_ptr<tap::FieldRegistry> registry_;  // when fields get mapped
    std::unique_ptr<tap::PacketDocumentWriter> writer_;
    std::unique_ptr<tap::DailyIndex> daily_index_;
    tap::ProtocolLayers protocol_layers_;
    exporter::RunStats counts_;  // packets seen and indices, kept on this thread
    std::uint64_t not_sent_ = 0;
    double started_at_ = 0;
};

}  // namespace espcap
