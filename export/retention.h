// SPDX-License-Identifier: GPL-2.0-or-later
// The retention option: espcap deletes its own daily indices (PREFIX-YYYY-MM-DD and
// PREFIX-flows-YYYY-MM-DD) whose day is more than `days` days before today (UTC). An
// index is espcap's when its name is one of those two forms exactly and its mapping's
// _meta says created_by: espcap (index_template.cpp, flow_template.cpp put it there);
// PREFIX-notes, another prefix or an index without that _meta is never touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace espcap::exporter {

class BulkClient;

// Days since 1970-01-01 of the current UTC day.
std::int64_t utc_today();

// The day (days since 1970-01-01) an index of `prefix` is for, when its name is
// PREFIX-YYYY-MM-DD or PREFIX-flows-YYYY-MM-DD with a real date; otherwise none.
std::optional<std::int64_t> daily_index_day(std::string_view index, std::string_view prefix);

// Whether `index` is a daily index of `prefix` whose day is more than `days` days
// before `today`.
bool outside_retention(std::string_view index, std::string_view prefix, long days, std::int64_t today);

struct RetentionSweep {
    std::vector<std::string> deleted;
    std::string error;  // the first request that failed, or ""
};

// Asks the node for the indices PREFIX-* whose mapping espcap made and deletes those
// outside retention, one by one (wildcard deletes are often forbidden).
RetentionSweep delete_expired_indices(BulkClient &client, const std::string &prefix, long days,
                                      std::int64_t today);

}  // namespace espcap::exporter
