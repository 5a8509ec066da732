// Moves documents from the dissection thread to a sender thread, in bulk batches.
//
//   Exporter exporter(options);
//   if (auto error = exporter.start(); !error.empty()) ...;
//   exporter.add_document(index, id, json);   // per packet
//   RunStats stats = exporter.finish();        // everything queued is sent first
//
// A batch closes at `chunk` documents, at `bulk_bytes`, or `flush_interval` after its
// first document, whichever comes first, so a quiet live link still shows its packets
// promptly. The queue is bounded: when Elasticsearch is slower than dissection,
// add_document() waits, so memory stays flat instead of growing with the capture.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bulk_batch.h"
#include "bulk_client.h"
#include "dead_letter.h"
#include "ndjson_file.h"
#include "options.h"
#include "run_stats.h"

namespace espcap::exporter {

class Exporter {
public:
    explicit Exporter(const Options &options);
    ~Exporter();
    Exporter(const Exporter &) = delete;
    Exporter &operator=(const Exporter &) = delete;

    // Opens the output file, checks that a node answers and installs the index
    // template. Empty on success.
    std::string start();

    void add_document(std::string_view index, std::string_view id, std::string_view document);

    // Sends the open batch and everything queued, stops the sender and returns the
    // delivery counts. Safe to call more than once.
    RunStats finish();

private:
    using Clock = std::chrono::steady_clock;

    void close_batch_locked(std::unique_lock<std::mutex> &lock);
    void send_loop();
    void deliver(const BulkBatch &batch);

    static constexpr std::size_t kQueueCapacity = 4;

    Options options_;
    std::unique_ptr<BulkClient> client_;
    NdjsonFile file_;
    DeadLetterFile dead_letter_;

    std::mutex mutex_;  // guards everything below
    std::condition_variable queue_not_empty_;
    std::condition_variable queue_not_full_;
    BulkBatch open_batch_;
    Clock::time_point open_batch_started_;
    std::deque<BulkBatch> queue_;
    std::vector<BulkBatch> spare_batches_;
    bool closing_ = false;

    std::thread sender_;
    RunStats stats_;  // written by the sender thread until it is joined
    bool finished_ = false;
};

}  // namespace espcap::exporter
