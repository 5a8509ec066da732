// SPDX-License-Identifier: GPL-2.0-or-later
#include "utc_time.h"

#include "json_writer.h"

namespace espcap::tap {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

void append_two_digits(JsonBuffer &out, unsigned v) {
    out += static_cast<char>('0' + v / 10);
    out += static_cast<char>('0' + v % 10);
}

}  // namespace

std::int64_t epoch_day(std::int64_t epoch_seconds) { return floor_div(epoch_seconds, kSecondsPerDay); }

UtcDateTime to_utc(std::int64_t epoch_seconds) {
    const std::int64_t days = epoch_day(epoch_seconds);
    // The remainder itself, not seconds - days * 86400: near INT64_MIN that product
    // does not fit (a crafted pcapng timestamp).
    std::int64_t secs_of_day = epoch_seconds % kSecondsPerDay;
    if (secs_of_day < 0) secs_of_day += kSecondsPerDay;

    // Civil-from-days over 400-year eras (proleptic Gregorian calendar).
    const std::int64_t z = days + 719468;
    const std::int64_t era = floor_div(z, 146097);
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
    const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

    return UtcDateTime{year,
                       month,
                       day,
                       static_cast<unsigned>(secs_of_day / 3600),
                       static_cast<unsigned>(secs_of_day / 60 % 60),
                       static_cast<unsigned>(secs_of_day % 60)};
}

void append_utc_date(JsonBuffer &out, const UtcDateTime &t) {
    // As printf's "%04d": the sign counts towards the width.
    if (t.year < 0) {
        out += '-';
        append_decimal(out, 0 - static_cast<std::uint64_t>(t.year), 3);
    } else {
        append_decimal(out, static_cast<std::uint64_t>(t.year), 4);
    }
    out += '-';
    append_two_digits(out, t.month);
    out += '-';
    append_two_digits(out, t.day);
}

void append_utc_date_time(JsonBuffer &out, const UtcDateTime &t) {
    append_utc_date(out, t);
    out += 'T';
    append_two_digits(out, t.hour);
    out += ':';
    append_two_digits(out, t.minute);
    out += ':';
    append_two_digits(out, t.second);
}

std::string utc_date(const UtcDateTime &t) {
    JsonBuffer text;
    append_utc_date(text, t);
    return text.str();
}

std::string utc_date_time(const UtcDateTime &t) {
    JsonBuffer text;
    append_utc_date_time(text, t);
    return text.str();
}

}  // namespace espcap::tap
