// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch_delivery.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <string_view>
#include <thread>

#include "backoff.h"
#include "spooled_mappings.h"

namespace espcap::exporter {

BatchDelivery::BatchDelivery(IndexMappings &mappings, DeliveryAccounting &accounting, const DeliveryTiming &timing)
    : mappings_(mappings), accounting_(accounting), timing_(timing) {}

// Retries while the node does not answer, for as long as a bulk request would be, with
// the same back-off as the bulk client's.
bool BatchDelivery::map_new_fields(BulkClient &client) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timing_.retry_budget;
    thread_local std::mt19937 random{std::random_device{}()};  // one per sender thread
    for (unsigned attempt = 0; !mappings_.apply(client); ++attempt) {
        const auto now = Clock::now();
        if (now >= deadline || client.cancelled()) return false;
        const auto pause =
            backoff_full_jitter(timing_.mapping_retry_first_pause, timing_.mapping_retry_longest_pause, attempt, random);
        std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    }
    return true;
}

std::vector<std::size_t> BatchDelivery::send(BulkClient &client, const BulkBatch &batch, Origin origin) {
    // Sent before its new fields are mapped, a batch would map them dynamically (strings
    // as keyword) once the node is back. So it waits in the spool if the node stays away
    // past the retry budget; without a spool it goes anyway, through the client's retries.
    if (!map_new_fields(client) && accounting_.spooling()) return batch.every_document();
    return accounting_.count_sent(batch, client.send(batch), origin);
}

void BatchDelivery::keep_for_later(const BulkBatch &batch, const std::vector<std::size_t> &documents,
                                   const std::string &reason) {
    std::vector<std::string_view> actions;
    actions.reserve(documents.size());
    for (std::size_t d : documents) {
        const std::string_view lines = batch.document_lines(d);
        actions.push_back(lines.substr(0, lines.find('\n')));
    }
    accounting_.spool(batch, documents, mappings_.spooled_mappings_for(indices_of_actions(actions)), reason);
}

}  // namespace espcap::exporter
