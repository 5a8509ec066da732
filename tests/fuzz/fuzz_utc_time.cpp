// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes the UTC conversion with any 64-bit epoch second, as a crafted pcapng can carry
// (issue 27: signed overflow near the INT64 limits). Beyond UBSan's checks: the fields
// are in range, and the day and second of the day give back the epoch second.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "utc_time.h"

namespace {
void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_utc_time: %s\n", what);
        std::abort();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    using namespace espcap::tap;
    std::int64_t seconds = 0;
    std::memcpy(&seconds, bytes, size < sizeof seconds ? size : sizeof seconds);
    const UtcDateTime t = to_utc(seconds);
    require(t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31, "a date that can be");
    require(t.hour < 24 && t.minute < 60 && t.second < 60, "a time that can be");
    const __int128 day_start = static_cast<__int128>(epoch_day(seconds)) * 86400;
    const __int128 second_of_day = t.hour * 3600 + t.minute * 60 + t.second;
    require(day_start + second_of_day == seconds, "the day and the time of day give the second back");
    espcap::JsonBuffer out;
    append_utc_date_time(out, t);
    require(out.size() >= 19, "YYYY-MM-DDTHH:MM:SS at least");
    return 0;
}
