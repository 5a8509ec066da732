// SPDX-License-Identifier: GPL-2.0-or-later
// One espcap run inside tshark: when the packet pipeline's taps go on and off, what
// the command line says of the capture, and the outcome tshark's exit status reports.
// What happens to each packet is the pipeline's (packet_pipeline.h), shared with the GUI.
#pragma once

#include <memory>
#include <string>

#include "options.h"
#include "packet_pipeline.h"

struct _packet_info;
struct epan_dissect;

namespace espcap {

class Session {
public:
    // Called whenever the options may have changed (handoff, preferences applied).
    // Returns an error for the user, or "" when the options are in force.
    std::string configure(const Options &options);

    // Called when a capture is opened, before its first packet: display filters can be
    // compiled from here on (not yet at handoff). Returns an error for the user or "".
    std::string prepare_capture();

    // refused: the node refused us (at start, or documents for a missing privilege) or is
    // none: exit 1.
    enum class Outcome { delivered, spooled, failed, refused };
    // Sends what is left and prints the summary.
    Outcome finish() noexcept;

    bool active() const { return pipeline_ && pipeline_->taps_attached(); }

private:
    // The pipeline's frame hook: starts the run on the first packet. Never throws.
    void on_packet(const _packet_info *pinfo, const epan_dissect *edt) noexcept;
    void start();

    std::unique_ptr<PacketPipeline> pipeline_;
    bool started_ = false;
    bool stop_asked_ = false;
};

}  // namespace espcap
