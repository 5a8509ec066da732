// SPDX-License-Identifier: GPL-2.0-or-later
#include "json_writer.h"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace espcap::tap {
namespace {

// What to do with each byte value when it appears in a string.
enum class ByteClass : std::uint8_t { plain, escape, multibyte };

constexpr std::array<ByteClass, 256> make_byte_classes() {
    std::array<ByteClass, 256> classes{};
    for (int b = 0; b < 256; ++b) {
        if (b < 0x20 || b == '"' || b == '\\')
            classes[b] = ByteClass::escape;
        else if (b >= 0x80)
            classes[b] = ByteClass::multibyte;
        else
            classes[b] = ByteClass::plain;
    }
    return classes;
}

constexpr auto kByteClasses = make_byte_classes();

// "00" to "99", for writing decimals two digits at a time.
struct DigitPairs {
    char text[200];
};
constexpr DigitPairs make_digit_pairs() {
    DigitPairs pairs{};
    for (int i = 0; i < 100; ++i) {
        pairs.text[2 * i] = static_cast<char>('0' + i / 10);
        pairs.text[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    return pairs;
}
constexpr DigitPairs kDigitPairs = make_digit_pairs();
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

void append_escape(JsonBuffer &out, unsigned char byte) {
    static constexpr char hex[] = "0123456789abcdef";
    switch (byte) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
        const char unicode_escape[] = {'\\', 'u', '0', '0', hex[byte >> 4], hex[byte & 0xf]};
        out.append(unicode_escape, sizeof unicode_escape);
    }
    }
}

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at `s[0]`, or the length of the
// maximal ill-formed subpart to replace (returned negated).
int measure_sequence(const unsigned char *s, std::size_t available) {
    const unsigned char lead = s[0];
    int length;
    unsigned char second_min = 0x80, second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) second_min = 0xA0;  // no overlong forms
        if (lead == 0xED) second_max = 0x9F;  // no UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) second_min = 0x90;  // no overlong forms
        if (lead == 0xF4) second_max = 0x8F;  // nothing above U+10FFFF
    } else {
        return -1;
    }
    if (available < 2 || s[1] < second_min || s[1] > second_max) return -1;
    for (int i = 2; i < length; ++i) {
        if (static_cast<std::size_t>(i) >= available || !is_continuation(s[i])) return -i;
    }
    return length;
}

// Index of the first byte at or after `i` that is not plain ASCII text (a control
// character, '"', '\\' or a byte >= 0x80), or `n`. Field values are mostly long runs
// of plain text (hex dumps, names), so this scans 16 bytes at a time where it can.
std::size_t skip_plain_ascii(const unsigned char *s, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    for (; i + 16 <= n; i += 16) {
        const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + i));
        // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too.
        const __m128i special = _mm_or_si128(_mm_cmplt_epi8(chunk, space),
                                             _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
        const int mask = _mm_movemask_epi8(special);
        if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
#endif
    while (i < n && kByteClasses[s[i]] == ByteClass::plain) ++i;
    return i;
}

void append_escaped_body(JsonBuffer &out, std::string_view bytes, bool dots_to_underscores) {
    const auto *s = reinterpret_cast<const unsigned char *>(bytes.data());
    const std::size_t n = bytes.size();
    std::size_t run_start = 0;
    std::size_t i = 0;
    auto flush_run = [&] { out.append(bytes.data() + run_start, i - run_start); };
    while (i < n) {
        if (!dots_to_underscores) {
            i = skip_plain_ascii(s, i, n);
            if (i == n) break;
        }
        const unsigned char byte = s[i];
        switch (kByteClasses[byte]) {
        case ByteClass::plain:
            if (dots_to_underscores && byte == '.') {
                flush_run();
                out += '_';
                run_start = ++i;
            } else {
                ++i;
            }
            break;
        case ByteClass::escape:
            flush_run();
            append_escape(out, byte);
            run_start = ++i;
            break;
        case ByteClass::multibyte: {
            const int length = measure_sequence(s + i, n - i);
            if (length > 0) {
                i += static_cast<std::size_t>(length);  // well-formed: stays in the run
            } else {
                flush_run();
                out += kReplacementCharacter;
                i += static_cast<std::size_t>(-length);
                run_start = i;
            }
            break;
        }
        }
    }
    flush_run();
}

}  // namespace

void append_json_string(JsonBuffer &out, std::string_view bytes) {
    out += '"';
    append_escaped_body(out, bytes, false);
    out += '"';
}

void append_json_string_body(JsonBuffer &out, std::string_view bytes) { append_escaped_body(out, bytes, false); }

void append_member_name(JsonBuffer &out, std::string_view name) {
    out += '"';
    append_escaped_body(out, name, true);
    out += "\":";
}

void append_decimal(JsonBuffer &out, std::uint64_t value, int min_digits) {
    // Numbers are most values in a packet. Digits are made two at a time from the
    // last ones into a scratch array, then copied as one fixed-size block (a few
    // register moves, no call); only the digits' length is committed.
    if (value < 10 && min_digits <= 1) {  // flags, counts, small lengths: very common
        out.push_back(static_cast<char>('0' + value));
        return;
    }
    constexpr std::size_t kMaxDigits = 20;
    char scratch[2 * kMaxDigits];
    char *const end = scratch + kMaxDigits;
    char *first = end;
    while (value >= 100) {
        first -= 2;
        std::memcpy(first, kDigitPairs.text + 2 * (value % 100), 2);
        value /= 100;
    }
    if (value >= 10) {
        first -= 2;
        std::memcpy(first, kDigitPairs.text + 2 * value, 2);
    } else {
        *--first = static_cast<char>('0' + value);
    }
    while (first > scratch && end - first < min_digits) *--first = '0';
    std::memset(end, 0, kMaxDigits);  // the copy below reads past the digits
    char *destination = out.tail(kMaxDigits);
    std::memcpy(destination, first, kMaxDigits);
    out.commit(destination + (end - first));
}

}  // namespace espcap::tap
