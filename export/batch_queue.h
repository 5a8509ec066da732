// SPDX-License-Identifier: GPL-2.0-or-later
// The exporter's queue: the open batch the dissection thread writes into, and the
// closed batches waiting for a sender.
//
//   BatchQueue queue(options, BatchQueue::capacity_for(senders));
//   queue.add_document(index, id, write);    // the dissection thread
//   while (auto taken = queue.take()) {      // each sender
//       ...what must keep the queue's order (the file)...; taken->in_order.unlock();
//       ...send taken->batch...; queue.give_back(std::move(taken->batch));
//   }
//   queue.close();                           // the senders drain it, then take() ends
//
// A batch closes at `chunk` documents, at `bulk_bytes`, or `flush_interval` after its
// first document, whichever comes first, so a quiet live link still shows its packets
// promptly. The queue is bounded: when Elasticsearch is slower than dissection,
// add_document() waits, so memory stays flat instead of growing with the capture.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "bulk_batch.h"
#include "options.h"

namespace espcap::exporter {

class BatchQueue {
public:
    // How many closed batches may wait with `senders` taking them: with up to four
    // senders, memory stays within five batches plus the open one.
    static std::size_t capacity_for(std::size_t senders);

    BatchQueue(const Options &options, std::size_t capacity);

    // Writes one document straight into the open batch (`write(JsonBuffer &)` appends
    // its JSON). The batch cannot leave while `write` runs. A `write` that throws
    // leaves no half document behind.
    template <typename WriteDocument>
    void add_document(std::string_view index, std::string_view id, WriteDocument &&write, std::uint64_t version) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (open_batch_.empty()) open_batch_started_ = Clock::now();
        open_batch_.begin_document(index, id, version);
        try {
            write(open_batch_.buffer());
        } catch (...) {
            open_batch_.abandon_document();
            throw;
        }
        open_batch_.end_document();
        if (open_batch_.document_count() >= chunk_ || open_batch_.byte_size() >= bulk_bytes_)
            close_batch_locked(lock);
    }

    // A batch a sender took, with its turn: what each sender does under `in_order`
    // happens in the queue's order, whichever sender took which batch.
    struct Taken {
        BulkBatch batch;
        std::unique_lock<std::mutex> in_order;
    };
    // Waits for the next batch, closing the open one once it is `flush_interval` old.
    // Nothing once close() was called and everything was taken. The caller releases
    // `in_order` before it calls give_back() or take() again.
    std::optional<Taken> take();
    // A sent batch, emptied here, whose memory the next open batch reuses.
    void give_back(BulkBatch batch);
    // No more documents: take() hands out what is left, the open batch last.
    void close();

private:
    using Clock = std::chrono::steady_clock;

    // Moves the open batch to the queue, waiting for room (back-pressure on dissection).
    void close_batch_locked(std::unique_lock<std::mutex> &lock);

    const std::size_t chunk_;
    const std::size_t bulk_bytes_;
    const std::chrono::milliseconds flush_interval_;
    const std::size_t capacity_;

    std::mutex mutex_;  // guards everything below
    std::condition_variable not_empty_;
    std::condition_variable not_full_;
    BulkBatch open_batch_;
    Clock::time_point open_batch_started_;
    std::deque<BulkBatch> queue_;
    std::vector<BulkBatch> spare_batches_;
    bool closing_ = false;

    // Taken under mutex_ as a batch leaves the queue, so batches get their turn in
    // queue order.
    std::mutex order_mutex_;
};

}  // namespace espcap::exporter
