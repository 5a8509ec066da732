// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch_queue.h"

namespace espcap::exporter {
namespace {
// Closed batches, queued or in a sender's hands.
constexpr std::size_t kBatchesInHand = 5;
}  // namespace

std::size_t BatchQueue::capacity_for(std::size_t senders) {
    return senders < kBatchesInHand ? kBatchesInHand - senders : 1;
}

BatchQueue::BatchQueue(const Options &options, std::size_t capacity)
    : chunk_(options.chunk), bulk_bytes_(options.bulk_bytes),
      flush_interval_(std::chrono::milliseconds(options.flush_interval_ms)), capacity_(capacity) {}

void BatchQueue::close_batch_locked(std::unique_lock<std::mutex> &lock) {
    not_full_.wait(lock, [&] { return queue_.size() < capacity_; });
    if (open_batch_.empty()) return;  // a sender took it by age while we waited
    queue_.push_back(std::move(open_batch_));
    if (!spare_batches_.empty()) {
        open_batch_ = std::move(spare_batches_.back());
        spare_batches_.pop_back();
    } else {
        open_batch_ = BulkBatch();
    }
    not_empty_.notify_one();
}

std::optional<BatchQueue::Taken> BatchQueue::take() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (queue_.empty()) {
        not_empty_.wait_for(lock, flush_interval_, [&] { return closing_ || !queue_.empty(); });
        if (!queue_.empty()) break;
        if (!open_batch_.empty() && (closing_ || Clock::now() - open_batch_started_ >= flush_interval_)) {
            close_batch_locked(lock);  // a quiet link: send what we have
        } else if (closing_) {
            return std::nullopt;  // drained
        }
    }
    Taken taken{std::move(queue_.front()), std::unique_lock<std::mutex>(order_mutex_)};
    queue_.pop_front();
    not_full_.notify_one();
    return taken;
}

void BatchQueue::give_back(BulkBatch batch) {
    batch.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    spare_batches_.push_back(std::move(batch));
}

void BatchQueue::close() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closing_ = true;
    }
    not_empty_.notify_all();
}

}  // namespace espcap::exporter
