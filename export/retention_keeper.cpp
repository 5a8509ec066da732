// SPDX-License-Identifier: GPL-2.0-or-later
#include "retention_keeper.h"

#include "retention.h"

namespace espcap::exporter {

RetentionKeeper::RetentionKeeper(const Options &options, Reporter &reporter)
    : days_(options.retention_days), prefix_(options.index_prefix), reporter_(reporter) {}

bool RetentionKeeper::outside(std::string_view index) {
    const std::int64_t today = utc_today();
    if (index != last_index_ || today != last_day_) {
        last_index_ = index;
        last_day_ = today;
        last_outside_ = outside_retention(index, prefix_, days_, today);
        if (last_outside_ && !warned_) {
            warned_ = true;
            reporter_.warning("retention=" + std::to_string(days_) + ": packets for " + std::string(index) +
                              " are older than retention keeps; they are counted and not indexed");
        }
    }
    if (last_outside_) ++outside_count_;
    return last_outside_;
}

bool RetentionKeeper::sweep_due() const { return enabled() && last_sweep_day_.load() != utc_today(); }

void RetentionKeeper::sweep(BulkClient &client, DeliveryAccounting &accounting) {
    if (!enabled()) return;
    const std::int64_t today = utc_today();
    std::int64_t last = last_sweep_day_.load();
    if (last == today || !last_sweep_day_.compare_exchange_strong(last, today)) return;  // another thread has it
    const RetentionSweep swept = delete_expired_indices(client, prefix_, days_, today);
    for (const std::string &index : swept.deleted)
        reporter_.warning("retention=" + std::to_string(days_) + ": deleted " + index);
    // Not a failure of this run's documents: the next sweep tries again.
    if (!swept.error.empty()) reporter_.warning(swept.error);
    accounting.note_indices_deleted(swept.deleted);
}

}  // namespace espcap::exporter
