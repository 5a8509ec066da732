// Names the index of a packet: PREFIX-YYYY-MM-DD, the UTC day of the packet's own
// timestamp (not the local day tshark -T ek uses, not the day of indexing).
#pragma once

#include <cstdint>
#include <string>

namespace espcap::tap {

class DailyIndex {
public:
    explicit DailyIndex(std::string prefix) : prefix_(std::move(prefix)) {}

    // Consecutive packets share a day, so the last name is cached.
    const std::string &name_for(std::int64_t epoch_seconds);

private:
    std::string prefix_;
    std::int64_t cached_day_ = INT64_MIN;
    std::string cached_name_;
};

}  // namespace espcap::tap
