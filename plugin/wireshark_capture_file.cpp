// SPDX-License-Identifier: GPL-2.0-or-later
#include "wireshark_capture_file.h"

#include <wireshark.h>
#include <cfile.h>
#include <ws_version.h>
#include <epan/packet_info.h>

#include "wireshark_compat.h"

#include <cstddef>

namespace espcap {
namespace {

// The head of epan.c's private struct epan_session (see wireshark_compat.h).
struct EpanSessionHead {
    const packet_provider_data *provider;
};

const capture_file *capture_file_of(const epan_t *session) {
#if ESPCAP_EPAN_SESSION_STARTS_WITH_PROVIDER
    if (session == nullptr) return nullptr;
    const packet_provider_data *provider = reinterpret_cast<const EpanSessionHead *>(session)->provider;
    if (provider == nullptr) return nullptr;
    const auto *file = reinterpret_cast<const capture_file *>(reinterpret_cast<const char *>(provider) -
                                                              offsetof(capture_file, provider));
    // A capture_file found this way must name the very session we started from;
    // anything else means the layout is not the one we were built against.
    return file->epan == session ? file : nullptr;
#else
    // Not checked against other versions' private layout: run-unique ids instead.
    (void)session;
    return nullptr;
#endif
}

}  // namespace

std::optional<WiresharkCaptureFile> wireshark_capture_file_of(const packet_info *pinfo) {
    const capture_file *file = capture_file_of(pinfo != nullptr ? pinfo->epan : nullptr);
    if (file == nullptr || file->filename == nullptr) return std::nullopt;
    WiresharkCaptureFile capture;
    capture.file_name = file->filename;
    capture.is_temporary = file->is_tempfile != FALSE;
    capture.display_filter = file->dfilter != nullptr ? file->dfilter : "";
    capture.frames = file->count;
    capture.displayed = file->displayed_count;
    return capture;
}

}  // namespace espcap
