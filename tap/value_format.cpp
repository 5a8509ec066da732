#include "value_format.h"

#include <algorithm>
#include <cstring>

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
        char *p = text;
        for (std::size_t i = 0; i < n; ++i, p += 3) {
            const std::uint32_t triple = kHexPairs.pair[in[i]] | separator_bits;
            std::memcpy(p, &triple, sizeof triple);
        }
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
