// SPDX-License-Identifier: GPL-2.0-or-later
#include "retention.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "bulk_client.h"

namespace espcap::exporter {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (March-based years, so the leap
// day ends a year).
std::int64_t days_from_date(int year, int month, int day) {
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int year_of_era = y - era * 400;
    const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return static_cast<std::int64_t>(era) * 146097 + day_of_era - 719468;
}

bool leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

std::optional<std::int64_t> parse_day(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    int parts[3] = {0, 0, 0};
    const std::size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
    for (int i = 0; i < 3; ++i) {
        for (std::size_t j = 0; j < lengths[i]; ++j) {
            const char c = text[starts[i] + j];
            if (c < '0' || c > '9') return std::nullopt;
            parts[i] = parts[i] * 10 + (c - '0');
        }
    }
    const auto [year, month, day] = parts;
    static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) return std::nullopt;
    if (day > kDaysInMonth[month - 1] + (month == 2 && leap_year(year) ? 1 : 0)) return std::nullopt;
    return days_from_date(year, month, day);
}

}  // namespace

std::int64_t utc_today() {
    using namespace std::chrono;
    const auto seconds = duration_cast<std::chrono::seconds>(system_clock::now().time_since_epoch()).count();
    return seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
}

std::optional<std::int64_t> daily_index_day(std::string_view index, std::string_view prefix) {
    if (index.size() <= prefix.size() + 1 || index.substr(0, prefix.size()) != prefix || index[prefix.size()] != '-')
        return std::nullopt;
    std::string_view rest = index.substr(prefix.size() + 1);
    constexpr std::string_view kFlows = "flows-";
    if (rest.size() == kFlows.size() + 10 && rest.substr(0, kFlows.size()) == kFlows) rest.remove_prefix(kFlows.size());
    return parse_day(rest);
}

bool outside_retention(std::string_view index, std::string_view prefix, long days, std::int64_t today) {
    const std::optional<std::int64_t> day = daily_index_day(index, prefix);
    return day && *day < today - days;
}

RetentionSweep delete_expired_indices(BulkClient &client, const std::string &prefix, long days, std::int64_t today) {
    RetentionSweep sweep;
    // Only what the mapping's _meta says espcap made: other indices are left out of the
    // reply by the filter.
    const HttpResponse listed =
        client.call("GET", "/" + prefix + "-*/_mapping?filter_path=*.mappings._meta.created_by");
    if (listed.status != 200) {
        sweep.error = "retention: cannot list the indices " + prefix + "-*: " +
                      describe_http_failure(listed.status, listed.reached() ? listed.body : listed.transport_error);
        return sweep;
    }
    const nlohmann::json indices = nlohmann::json::parse(listed.body, nullptr, false);
    if (!indices.is_object()) return sweep;  // {} or nothing: no index of ours
    for (const auto &[name, mapping] : indices.items()) {
        const bool ours =
            mapping.is_object() && mapping.value("/mappings/_meta/created_by"_json_pointer, "") == "espcap";
        if (!ours || !outside_retention(name, prefix, days, today)) continue;
        const HttpResponse deleted = client.call("DELETE", "/" + name);
        if (deleted.status == 200 || deleted.status == 404) {
            if (deleted.status == 200) sweep.deleted.push_back(name);
        } else if (sweep.error.empty()) {
            sweep.error = "retention: cannot delete " + name + ": " +
                          describe_http_failure(deleted.status, deleted.reached() ? deleted.body : deleted.transport_error);
        }
    }
    return sweep;
}

}  // namespace espcap::exporter
