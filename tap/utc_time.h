// UTC calendar conversion for any 64-bit time_t, without gmtime's range limits
// (captures carry timestamps from 1970 to the year 586524, see corpus/pcapng-example).
#pragma once

#include <cstdint>
#include <string>

namespace espcap::tap {

struct UtcDateTime {
    std::int64_t year;
    unsigned month, day, hour, minute, second;
};

UtcDateTime to_utc(std::int64_t epoch_seconds);

// Days since 1970-01-01 (floor division), the key of a per-day index.
std::int64_t epoch_day(std::int64_t epoch_seconds);

// "YYYY-MM-DD" (more year digits when needed).
void append_utc_date(std::string &out, const UtcDateTime &t);
// "YYYY-MM-DDTHH:MM:SS"
void append_utc_date_time(std::string &out, const UtcDateTime &t);

}  // namespace espcap::tap
