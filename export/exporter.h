// Moves finished bulk batches from the dissection thread to a sender thread.
//
//   Exporter exporter(options);
//   if (auto error = exporter.start(); !error.empty()) ...;
//   exporter.batch().begin_document(index); ...; exporter.batch().end_document();
//   exporter.document_added();          // closes the batch at `chunk` documents
//   RunStats stats = exporter.finish();  // everything queued is sent first
//
// The queue is bounded: when Elasticsearch is slower than dissection, document_added()
// waits, so memory stays flat instead of growing with the capture.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bulk_batch.h"
#include "bulk_client.h"
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

    // Opens the output file and checks that a node answers. Empty on success.
    std::string start();

    BulkBatch &batch() { return current_; }
    void document_added();

    // Sends the open batch and everything queued, stops the sender and returns the
    // delivery counts. Safe to call more than once.
    RunStats finish();

private:
    void submit_current();
    void send_loop();
    void deliver(const BulkBatch &batch);

    static constexpr std::size_t kQueueCapacity = 4;

    Options options_;
    BulkBatch current_;
    std::unique_ptr<BulkClient> client_;
    NdjsonFile file_;

    std::mutex mutex_;
    std::condition_variable queue_not_empty_;
    std::condition_variable queue_not_full_;
    std::deque<BulkBatch> queue_;
    std::vector<BulkBatch> spare_batches_;
    bool closing_ = false;
    std::thread sender_;
    RunStats stats_;  // written by the sender thread until it is joined
    bool finished_ = false;
};

}  // namespace espcap::exporter
