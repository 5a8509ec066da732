// SPDX-License-Identifier: GPL-2.0-or-later
#include "daily_index.h"

#include "utc_time.h"

namespace espcap::tap {

const std::string &DailyIndex::name_for(std::int64_t epoch_seconds) {
    const std::int64_t day = epoch_day(epoch_seconds);
    if (day != cached_day_) {
        cached_day_ = day;
        cached_name_ = prefix_ + '-' + utc_date(to_utc(epoch_seconds));
    }
    return cached_name_;
}

}  // namespace espcap::tap
