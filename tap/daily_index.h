// SPDX-License-Identifier: GPL-2.0-or-later
// Names the index of a packet: PREFIX-YYYY-MM-DD, the UTC day of the packet's own
// timestamp (not the local day tshark -T ek uses, not the day of indexing). A packet
// whose record has no timestamp (some capture formats have none) goes to
// PREFIX-no-timestamp rather than to the day of epoch 0.
#pragma once

#include <cstdint>
#include <string>

namespace espcap::tap {

class DailyIndex {
public:
    explicit DailyIndex(std::string prefix)
        : prefix_(std::move(prefix)), no_timestamp_name_(prefix_ + "-no-timestamp") {}

    // Consecutive packets share a day, so the last name is cached.
    const std::string &name_for(std::int64_t epoch_seconds);
    const std::string &name_for(bool has_timestamp, std::int64_t epoch_seconds) {
        return has_timestamp ? name_for(epoch_seconds) : no_timestamp_name_;
    }

private:
    std::string prefix_;
    std::string no_timestamp_name_;
    std::int64_t cached_day_ = INT64_MIN;
    std::string cached_name_;
};

}  // namespace espcap::tap
