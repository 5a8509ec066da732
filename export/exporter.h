// Moves documents from the dissection thread to a sender thread, in bulk batches.
//
//   Exporter exporter(options);
//   if (auto error = exporter.start(); !error.empty()) ...;
//   exporter.add_document(index, id, [&](tap::JsonBuffer &out) { ...write JSON... });
//   exporter.add_document(index, id, json);   // or a document already written
//   RunStats stats = exporter.finish();        // everything queued is sent first
//
// A batch closes at `chunk` documents, at `bulk_bytes`, or `flush_interval` after its
// first document, whichever comes first, so a quiet live link still shows its packets
// promptly. The queue is bounded: when Elasticsearch is slower than dissection,
// add_document() waits, so memory stays flat instead of growing with the capture.
//
// When Elasticsearch stays unreachable past the retry budget (or from the start), batches
// go to the spool folder instead, and the sender checks every few seconds whether a node
// answers again; then it replays the spool, oldest first, before anything new.
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
#include "field_mappings.h"
#include "json_buffer.h"
#include "ndjson_file.h"
#include "options.h"
#include "run_stats.h"
#include "spool.h"

namespace espcap::exporter {

class Exporter {
public:
    explicit Exporter(const Options &options);
    ~Exporter();
    Exporter(const Exporter &) = delete;
    Exporter &operator=(const Exporter &) = delete;

    // Opens the output file, checks that a node answers and installs the index
    // template. Empty on success. An unreachable node is not an error when spooling is
    // on: start_warning() then says where batches will wait.
    std::string start();
    const std::string &start_warning() const { return start_warning_; }

    // The template's inputs (before start) and the fields documents first use (before
    // add_document() of the first document that uses them).
    IndexMappings &mappings() { return mappings_; }

    // Writes one document straight into the open batch: `write(tap::JsonBuffer &)`
    // appends its JSON, so the document is never copied on its way to the sender. The
    // batch cannot leave while `write` runs, so fields it hands to mappings() in there
    // are mapped before the batch is sent.
    template <typename WriteDocument>
    void add_document(std::string_view index, std::string_view id, WriteDocument &&write) {
        std::unique_lock<std::mutex> lock(mutex_);
        begin_document_locked(index, id);
        write(open_batch_.buffer());
        end_document_locked(lock);
    }
    void add_document(std::string_view index, std::string_view id, std::string_view document) {
        add_document(index, id, [document](tap::JsonBuffer &out) { out += document; });
    }

    // Sends the open batch and everything queued, stops the sender and returns the
    // delivery counts. Safe to call more than once.
    RunStats finish();

    // After finish(): batches still waiting in the spool folder ("" when spooling is off).
    std::size_t spool_files_left() const;
    std::string spool_folder() const;

private:
    using Clock = std::chrono::steady_clock;

    void begin_document_locked(std::string_view index, std::string_view id);
    void end_document_locked(std::unique_lock<std::mutex> &lock);
    void close_batch_locked(std::unique_lock<std::mutex> &lock);
    void send_loop();
    void deliver(const BulkBatch &batch);

    // The rest run on the sender thread.
    bool connect_if_due();
    std::string install_template();
    void replay_spool();
    // Sends and accounts; returns the documents to try again later (spool on).
    std::vector<std::size_t> send_and_account(const BulkBatch &batch, bool replaying);
    void keep_for_later(const BulkBatch &batch, const std::vector<std::size_t> &documents,
                        const std::string &reason);
    void trace_rejection(const BulkBatch &batch, const Rejection &rejection) const;
    void dead_letter(const BulkBatch &batch, std::size_t document, long status, const std::string &error);

    static constexpr std::size_t kQueueCapacity = 4;

    Options options_;
    std::unique_ptr<BulkClient> client_;
    NdjsonFile file_;
    DeadLetterFile dead_letter_;
    IndexMappings mappings_;
    std::unique_ptr<Spool> spool_;
    std::string start_warning_;
    bool node_ready_ = false;  // a node answered and the template is in place
    bool replay_due_ = true;   // look at the spool after the next (re)connection
    Clock::time_point next_connect_attempt_{};

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
