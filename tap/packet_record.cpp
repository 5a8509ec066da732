// SPDX-License-Identifier: GPL-2.0-or-later
// packet_record() of packet_id.h: the record facts Wireshark keeps for a dissected packet.
#include "packet_id.h"

#include <wireshark.h>
#include <epan/epan_dissect.h>
#include <epan/frame_data.h>
#include <epan/packet_info.h>
#include <wiretap/wtap.h>

#include <algorithm>

namespace espcap::tap {

PacketRecord packet_record(const packet_info *pinfo, const epan_dissect_t *edt) {
    PacketRecord record;
    if (const frame_data *frame = pinfo->fd; frame != nullptr) {
        record.file_offset = frame->file_off;
        record.wire_length = frame->pkt_len;
        record.captured_length = frame->cap_len;
    }
    record.secs = pinfo->abs_ts.secs;
    record.nsecs = pinfo->abs_ts.nsecs;
    if (pinfo->rec != nullptr && pinfo->rec->rec_type == REC_TYPE_PACKET &&
        (pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID)) {
        record.has_interface = true;
        record.interface_id = pinfo->rec->rec_header.packet_header.interface_id;
    }
    if (edt != nullptr && edt->tvb != nullptr) {
        // The frame's tvb holds the captured bytes; never ask it for more than it has.
        record.byte_count = std::min<std::uint32_t>(record.captured_length, tvb_captured_length(edt->tvb));
        if (record.byte_count > 0) record.bytes = tvb_get_ptr(edt->tvb, 0, static_cast<gint>(record.byte_count));
    }
    return record;
}

}  // namespace espcap::tap
