#include "value_format.h"

#include "json_writer.h"

namespace espcap::tap {
namespace {
constexpr char kHexDigits[] = "0123456789abcdef";
}

void append_hex_bytes(std::string &out, const std::uint8_t *data, std::size_t size, char separator) {
    if (size == 0) return;
    const std::size_t start = out.size();
    out.resize(start + size * 3 - 1);
    char *p = &out[start];
    for (std::size_t i = 0; i < size; ++i) {
        if (i != 0) *p++ = separator;
        *p++ = kHexDigits[data[i] >> 4];
        *p++ = kHexDigits[data[i] & 0xf];
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
