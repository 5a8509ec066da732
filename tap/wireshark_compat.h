// SPDX-License-Identifier: GPL-2.0-or-later
// The calls into libwireshark that differ between the Wireshark versions espcap builds
// against (4.0 on Debian 12, 4.4 on Debian 13, 4.6 on Debian unstable; 4.2 is not
// tested). Code elsewhere uses these instead of testing the version itself.
#pragma once

#include <wireshark.h>
#include <epan/epan.h>
#include <epan/ftypes/ftypes.h>
#include <epan/packet_info.h>
#include <epan/proto.h>
#include <wiretap/wtap.h>

#include <cstdint>

// Wireshark 4.0 declares struct _fvalue_t in ftypes.h, so its members can be read
// directly (ek_tree_writer's fast path); 4.2 made it private to libwireshark.
#define ESPCAP_FVALUE_IS_PUBLIC (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR == 0)

// The first member of epan.c's private struct epan_session is the packet provider, the
// `provider` member of the host program's capture_file (plugin/wireshark_capture_file.cpp). Read
// in the sources of 4.0, 4.4 and 4.6; other versions are not assumed to keep it.
#define ESPCAP_EPAN_SESSION_STARTS_WITH_PROVIDER \
    (WIRESHARK_VERSION_MAJOR == 4 && (WIRESHARK_VERSION_MINOR == 0 || WIRESHARK_VERSION_MINOR == 4 || \
                                      WIRESHARK_VERSION_MINOR == 6))

namespace espcap::wireshark_compat {

// field_info::value is an fvalue_t member in 4.0 and a pointer to one from 4.2 on. The
// fvalue_get_* calls take a non-const pointer in every version but do not change it.
inline fvalue_t *field_value(const field_info *fi) {
#if ESPCAP_FVALUE_IS_PUBLIC
    return const_cast<fvalue_t *>(&fi->value);
#else
    return fi->value;
#endif
}

// An FT_BOOLEAN field's value.
inline bool boolean_value(const field_info *fi) {
#if ESPCAP_FVALUE_IS_PUBLIC
    return fi->value.value.uinteger64 != 0;
#else
    return fvalue_get_uinteger64(fi->value) != 0;
#endif
}

// An FT_ABSOLUTE_TIME field's value.
inline const nstime_t &absolute_time(const field_info *fi) {
#if ESPCAP_FVALUE_IS_PUBLIC
    return fi->value.value.time;
#else
    return *fvalue_get_time(fi->value);
#endif
}

// How tshark -T ek formats a field's value: 4.6 added an EK representation, which writes
// integers in decimal where the display (and 4.0/4.4's EK writer) uses hex.
inline char *ek_value_text(const field_info *fi) {
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 6)
    return fvalue_to_string_repr(nullptr, fi->value, FTREPR_EK, fi->hfinfo->display);
#else
    return fvalue_to_string_repr(nullptr, field_value(fi), FTREPR_DISPLAY, fi->hfinfo->display);
#endif
}

// The name of the packet's capture interface as the file gives it; pcapng files with
// several sections number their interfaces per section from 4.2 on.
inline const char *interface_name(const packet_info *pinfo, std::uint32_t interface_id) {
#if WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR == 0
    return epan_get_interface_name(pinfo->epan, interface_id);
#else
    return epan_get_interface_name(pinfo->epan, interface_id, pinfo->rec->section_number);
#endif
}

}  // namespace espcap::wireshark_compat
