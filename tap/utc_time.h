// SPDX-License-Identifier: GPL-2.0-or-later
// UTC calendar conversion for any 64-bit time_t, without gmtime's range limits
// (captures carry timestamps from 1970 to the year 586524, see corpus/pcapng-example).
#pragma once

#include <cstdint>
#include <string>

#include "json_buffer.h"

namespace espcap::tap {

struct UtcDateTime {
    std::int64_t year;
    unsigned month, day, hour, minute, second;
};

UtcDateTime to_utc(std::int64_t epoch_seconds);

// Days since 1970-01-01 (floor division), the key of a per-day index.
std::int64_t epoch_day(std::int64_t epoch_seconds);

// "YYYY-MM-DD" (more year digits when needed).
void append_utc_date(JsonBuffer &out, const UtcDateTime &t);
// "YYYY-MM-DDTHH:MM:SS"
void append_utc_date_time(JsonBuffer &out, const UtcDateTime &t);

// The same as strings, for names and labels outside the documents.
std::string utc_date(const UtcDateTime &t);
std::string utc_date_time(const UtcDateTime &t);

}  // namespace espcap::tap
