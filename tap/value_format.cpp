#include "value_format.h"

#include <algorithm>
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

void append_hex_bytes(std::string &out, const std::uint8_t *data, std::size_t size, char separator) {
    if (size == 0) return;
    // Payload fields run to kilobytes: format a block at a time on the stack, then
    // append it, instead of growing (and zero-filling) the string first. Each byte is
    // one 4-byte store of digit, digit, separator and a spare byte the next overwrites.
    constexpr std::size_t kBlock = 512;
    char text[kBlock * 3 + 1];
    const std::uint32_t separator_bits = static_cast<std::uint32_t>(static_cast<unsigned char>(separator)) << byte_shift(2);
    for (std::size_t done = 0; done < size; done += kBlock) {
        const std::size_t n = std::min(kBlock, size - done);
        const std::uint8_t *in = data + done;
#ifdef ESPCAP_HAVE_SSSE3_PATH
        if (n >= 16 && cpu_has_ssse3())
            format_hex_triples_ssse3(text, in, n, separator);
        else
#endif
            format_hex_triples_scalar(text, in, n, separator_bits);
        // The separator after the very last byte is not written.
        const bool last_block = done + n == size;
        out.append(text, n * 3 - (last_block ? 1 : 0));
    }
}

void append_hex_number(std::string &out, std::uint32_t value, int digits) {
    char text[10] = {'0', 'x'};
    for (int i = 0; i < digits; ++i) text[2 + i] = kHexDigits[(value >> (4 * (digits - 1 - i))) & 0xf];
    out.append(text, static_cast<std::size_t>(2 + digits));
}

void append_signed_decimal(std::string &out, std::int64_t value) {
    if (value < 0) {
        out += '-';
        append_decimal(out, 0 - static_cast<std::uint64_t>(value));
    } else {
        append_decimal(out, static_cast<std::uint64_t>(value));
    }
}

}  // namespace espcap::tap
