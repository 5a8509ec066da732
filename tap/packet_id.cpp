// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet_id.h"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack: no allocation per packet
#include <xxhash.h>

namespace espcap::tap {
namespace {

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Fixed-width little-endian, so the id does not depend on the machine that made it.
template <typename Int>
unsigned char *put_le(unsigned char *out, Int value) {
    auto bits = static_cast<std::uint64_t>(value);
    for (std::size_t i = 0; i < sizeof(Int); ++i, bits >>= 8) *out++ = static_cast<unsigned char>(bits & 0xff);
    return out;
}

// base64url without padding of a 128-bit digest: five 3-byte groups, then one byte.
PacketId encode(const XXH128_canonical_t &digest) {
    PacketId id;
    char *out = id.text().data();
    const unsigned char *in = digest.digest;
    for (int group = 0; group < 5; ++group, in += 3) {
        const std::uint32_t bits = (std::uint32_t{in[0]} << 16) | (std::uint32_t{in[1]} << 8) | in[2];
        *out++ = kBase64Url[(bits >> 18) & 63];
        *out++ = kBase64Url[(bits >> 12) & 63];
        *out++ = kBase64Url[(bits >> 6) & 63];
        *out++ = kBase64Url[bits & 63];
    }
    *out++ = kBase64Url[in[0] >> 2];
    *out = kBase64Url[(in[0] & 3) << 4];
    return id;
}

}  // namespace

PacketId content_id(std::string_view content) {
    XXH128_canonical_t digest;
    XXH128_canonicalFromHash(&digest, XXH3_128bits(content.data(), content.size()));
    return encode(digest);
}

PacketId packet_id(const PacketRecord &record) {
    unsigned char facts[8 + 8 + 4 + 4 + 4 + 1 + 4];
    unsigned char *end = facts;
    end = put_le(end, record.file_offset);
    end = put_le(end, record.secs);
    end = put_le(end, record.nsecs);
    end = put_le(end, record.wire_length);
    end = put_le(end, record.captured_length);
    end = put_le(end, static_cast<std::uint8_t>(record.has_interface ? 1 : 0));
    end = put_le(end, record.has_interface ? record.interface_id : 0U);

    XXH3_state_t state;
    XXH3_128bits_reset(&state);
    XXH3_128bits_update(&state, facts, static_cast<std::size_t>(end - facts));
    if (record.bytes != nullptr) XXH3_128bits_update(&state, record.bytes, record.byte_count);
    XXH128_canonical_t digest;
    XXH128_canonicalFromHash(&digest, XXH3_128bits_digest(&state));
    return encode(digest);
}

}  // namespace espcap::tap
