// SPDX-License-Identifier: GPL-2.0-or-later
#include "value_format.h"

#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <tmmintrin.h>
#define ESPCAP_HAVE_SSSE3_PATH 1
#endif

#include "json_writer.h"

namespace espcap::tap {
namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

// Byte k of a 32-bit word in memory order is at this shift.
constexpr unsigned byte_shift(unsigned k) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return 24 - 8 * k;
#else
    return 8 * k;
#endif
}

// The two lowercase hex digits of every byte value, placed as the first two bytes of
// a 32-bit word, so one load and one store write them.
struct HexPairs {
    std::uint32_t pair[256];
};
constexpr HexPairs make_hex_pairs() {
    HexPairs table{};
    for (unsigned b = 0; b < 256; ++b) {
        table.pair[b] = static_cast<std::uint32_t>(static_cast<unsigned char>(kHexDigits[b >> 4])) << byte_shift(0) |
                        static_cast<std::uint32_t>(static_cast<unsigned char>(kHexDigits[b & 0xf])) << byte_shift(1);
    }
    return table;
}
constexpr HexPairs kHexPairs = make_hex_pairs();

// Writes `n` bytes as digit, digit, separator triples from `text` on; returns the end.
char *format_hex_triples_scalar(char *text, const std::uint8_t *in, std::size_t n, std::uint32_t separator_bits) {
    for (std::size_t i = 0; i < n; ++i, text += 3) {
        const std::uint32_t triple = kHexPairs.pair[in[i]] | separator_bits;
        std::memcpy(text, &triple, sizeof triple);  // the spare 4th byte is overwritten next
    }
    return text;
}

#ifdef ESPCAP_HAVE_SSSE3_PATH
// The same, 16 bytes (48 characters) per step: payloads are most of the bytes a packet
// writes, and a table lookup per byte costs five times as many instructions.
__attribute__((target("ssse3"))) char *format_hex_triples_ssse3(char *text, const std::uint8_t *in, std::size_t n,
                                                                 char separator) {
    const __m128i digits = _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f');
    const __m128i low_nibble = _mm_set1_epi8(0x0f);
    // Output position p holds pair byte 2*(p/3) + p%3, or the separator when p%3 == 2.
    // Each 16-byte output block takes its pair bytes from the first (a) or second (b)
    // 16 pair bytes; -1 (0x80) makes pshufb write zero, where the other source or the
    // separator goes.
    const __m128i from_a0 = _mm_setr_epi8(0, 1, -1, 2, 3, -1, 4, 5, -1, 6, 7, -1, 8, 9, -1, 10);
    const __m128i from_a1 = _mm_setr_epi8(11, -1, 12, 13, -1, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i from_b1 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, 0, 1, -1, 2, 3, -1, 4, 5);
    const __m128i from_b2 = _mm_setr_epi8(-1, 6, 7, -1, 8, 9, -1, 10, 11, -1, 12, 13, -1, 14, 15, -1);
    const __m128i sep = _mm_set1_epi8(separator);
    const __m128i sep0 = _mm_and_si128(sep, _mm_cmpeq_epi8(from_a0, _mm_set1_epi8(-1)));
    const __m128i sep1 = _mm_and_si128(sep, _mm_cmpeq_epi8(_mm_and_si128(from_a1, from_b1), _mm_set1_epi8(-1)));
    const __m128i sep2 = _mm_and_si128(sep, _mm_cmpeq_epi8(from_b2, _mm_set1_epi8(-1)));
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16, text += 48) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + i));
        const __m128i high = _mm_shuffle_epi8(digits, _mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibble));
        const __m128i low = _mm_shuffle_epi8(digits, _mm_and_si128(bytes, low_nibble));
        const __m128i a = _mm_unpacklo_epi8(high, low);  // digit pairs of bytes 0-7
        const __m128i b = _mm_unpackhi_epi8(high, low);  // and of bytes 8-15
        const __m128i out0 = _mm_or_si128(_mm_shuffle_epi8(a, from_a0), sep0);
        const __m128i out1 =
            _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, from_a1), _mm_shuffle_epi8(b, from_b1)), sep1);
        const __m128i out2 = _mm_or_si128(_mm_shuffle_epi8(b, from_b2), sep2);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(text), out0);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(text + 16), out1);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(text + 32), out2);
    }
    const std::uint32_t separator_bits = static_cast<std::uint32_t>(static_cast<unsigned char>(separator)) << byte_shift(2);
    return format_hex_triples_scalar(text, in + i, n - i, separator_bits);
}

bool cpu_has_ssse3() {
    static const bool has = __builtin_cpu_supports("ssse3");
    return has;
}
#endif
}  // namespace

void append_hex_bytes(JsonBuffer &out, const std::uint8_t *data, std::size_t size, char separator) {
    if (size == 0) return;
    // Formatted in place: three characters a byte, plus one spare for the scalar
    // formatter's 4-byte stores. The separator after the last byte is dropped.
    char *text = out.tail(size * 3 + 1);
#ifdef ESPCAP_HAVE_SSSE3_PATH
    if (size >= 16 && cpu_has_ssse3()) {
        format_hex_triples_ssse3(text, data, size, separator);
        out.commit(text + size * 3 - 1);
        return;
    }
#endif
    const std::uint32_t separator_bits = static_cast<std::uint32_t>(static_cast<unsigned char>(separator)) << byte_shift(2);
    format_hex_triples_scalar(text, data, size, separator_bits);
    out.commit(text + size * 3 - 1);
}

void append_hex_number(JsonBuffer &out, std::uint32_t value, int digits) {
    char text[10] = {'0', 'x'};
    for (int i = 0; i < digits; ++i) text[2 + i] = kHexDigits[(value >> (4 * (digits - 1 - i))) & 0xf];
    out.append(text, static_cast<std::size_t>(2 + digits));
}

void append_ipv4(JsonBuffer &out, std::uint32_t address) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        append_decimal(out, (address >> shift) & 0xff);
        if (shift != 0) out += '.';
    }
}

void append_ipv6(JsonBuffer &out, const std::uint8_t (&address)[16]) {
    unsigned groups[8];
    for (int i = 0; i < 8; ++i) groups[i] = static_cast<unsigned>(address[2 * i]) << 8 | address[2 * i + 1];
    // The first longest run of zero groups, if it is at least two long.
    int best_base = -1, best_length = 0;
    for (int i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        int end = i;
        while (end < 8 && groups[end] == 0) ++end;
        if (end - i > best_length) {
            best_base = i;
            best_length = end - i;
        }
        i = end;
    }
    if (best_length < 2) best_base = -1;

    char text[48];
    char *p = text;
    for (int i = 0; i < 8; ++i) {
        if (best_base != -1 && i >= best_base && i < best_base + best_length) {
            if (i == best_base) *p++ = ':';
            continue;
        }
        if (i != 0) *p++ = ':';
        // An IPv4-compatible or IPv4-mapped address ends in dotted decimal.
        if (i == 6 && best_base == 0 && (best_length == 6 || (best_length == 5 && groups[5] == 0xffff))) {
            out.append(text, static_cast<std::size_t>(p - text));
            append_ipv4(out, static_cast<std::uint32_t>(groups[6]) << 16 | groups[7]);
            return;
        }
        bool leading = true;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned digit = (groups[i] >> shift) & 0xf;
            if (digit == 0 && leading && shift != 0) continue;
            leading = false;
            *p++ = kHexDigits[digit];
        }
    }
    if (best_base != -1 && best_base + best_length == 8) *p++ = ':';
    out.append(text, static_cast<std::size_t>(p - text));
}

bool append_relative_time(JsonBuffer &out, std::int64_t secs, std::int32_t nsecs) {
    if (nsecs <= -1000000000 || nsecs >= 1000000000) return false;
    // A negative fraction is printed as its absolute value, with a '-' in front when
    // the seconds do not carry one already.
    if (nsecs < 0) {
        nsecs = -nsecs;
        if (secs >= 0) out += '-';
    }
    append_signed_decimal(out, secs);
    out += '.';
    append_decimal(out, static_cast<std::uint64_t>(nsecs), 9);
    return true;
}

void append_signed_decimal(JsonBuffer &out, std::int64_t value) {
    if (value < 0) {
        out += '-';
        append_decimal(out, 0 - static_cast<std::uint64_t>(value));
    } else {
        append_decimal(out, static_cast<std::uint64_t>(value));
    }
}

}  // namespace espcap::tap
