// SPDX-License-Identifier: GPL-2.0-or-later
// retention=DAYS for one run (retention.h says which indices): documents for a day
// retention deletes are counted and not sent, and espcap's expired daily indices are
// deleted once the node answers and then once a UTC day, by whichever thread asks first.
//
//   if (keeper.enabled() && keeper.outside(index)) return;    // the dissection thread
//   if (keeper.sweep_due()) keeper.sweep(client, accounting);  // the connector, a sender
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "bulk_client.h"
#include "delivery_accounting.h"
#include "options.h"
#include "reporter.h"

namespace espcap::exporter {

class RetentionKeeper {
public:
    RetentionKeeper(const Options &options, Reporter &reporter);

    bool enabled() const { return days_ > 0; }

    // True when `index` is for a day retention deletes: the document is counted, the
    // first one said. The thread that adds documents only (one at a time).
    bool outside(std::string_view index);
    std::uint64_t documents_outside() const { return outside_count_; }

    // Whether today's sweep is still to do; asks nothing.
    bool sweep_due() const;
    // Deletes the indices outside retention, once per UTC day: a second caller the same
    // day returns at once. What goes is said and noted in `accounting`.
    void sweep(BulkClient &client, DeliveryAccounting &accounting);

private:
    const long days_;
    const std::string prefix_;
    Reporter &reporter_;

    // The last index asked about, that day, and the answer: one question per index and day.
    std::string last_index_;
    std::int64_t last_day_ = -1;
    bool last_outside_ = false;
    bool warned_ = false;
    std::uint64_t outside_count_ = 0;

    std::atomic<std::int64_t> last_sweep_day_{-1};
};

}  // namespace espcap::exporter
