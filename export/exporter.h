// SPDX-License-Identifier: GPL-2.0-or-later
// Moves documents from the dissection thread to sender threads, in bulk batches.
//
//   Exporter exporter(options, reporter);
//   if (auto error = exporter.start(); !error.empty()) ...;
//   exporter.add_document(index, id, [&](JsonBuffer &out) { ...write JSON... });
//   exporter.add_document(index, id, json);   // or a document already written
//   RunStats stats = exporter.finish();        // everything queued is sent first
//
// A batch closes at `chunk` documents, at `bulk_bytes`, or `flush_interval` after its
// first document, whichever comes first, so a quiet live link still shows its packets
// promptly. The queue is bounded: when Elasticsearch is slower than dissection,
// add_document() waits, so memory stays flat instead of growing with the capture.
//
// `senders` threads each have a request in flight, so Elasticsearch parses one batch
// while it indexes another. The NDJSON file still gets batches in order.
//
// When Elasticsearch stays unreachable past the retry budget (or from the start), batches
// go to the spool folder instead. A connector thread of its own asks every few seconds
// whether a node answers again, so a node that accepts connections and keeps silent
// never holds up the read; once one answers, the connector replays the spool, oldest
// first, while the senders wait, so the spool goes before anything new. What this run
// spooled and then replayed counts as indexed, not as spooled (docs/delivery.md).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bulk_batch.h"
#include "bulk_client.h"
#include "dead_letter.h"
#include "delivery_setup.h"
#include "field_mappings.h"
#include "json_buffer.h"
#include "ndjson_file.h"
#include "options.h"
#include "reporter.h"
#include "run_stats.h"
#include "spool.h"

namespace espcap::exporter {

class Exporter {
public:
    // Talks libcurl (DeliverySetup::from(options)).
    Exporter(const Options &options, Reporter &reporter);
    // Each sender's and the connector's BulkClient talks through `setup.transport`.
    Exporter(const Options &options, Reporter &reporter, DeliverySetup setup);
    ~Exporter();
    Exporter(const Exporter &) = delete;
    Exporter &operator=(const Exporter &) = delete;

    // How long start() waits for a node's first answer. `briefly` (tshark, the GUI): a
    // moment for the banner, after which documents go to the spool until the node
    // answers, then for the template. `fully` (espcap-replay, and any run without a
    // spool): until the answer or the timeout.
    enum class FirstAnswer { briefly, fully };

    // Opens the output file, checks that a node answers and installs the index
    // template. Empty on success; an error only when a node refuses us (401, 403, a
    // certificate, its template refused) or, without a spool, when none answers. An
    // unavailable node (no reply, a timeout, 429, 5xx) is not an error when spooling is
    // on: start_warning() then says where batches will wait.
    std::string start(FirstAnswer wait = FirstAnswer::briefly);
    const std::string &start_warning() const { return start_warning_; }
    // A node refused us (401, 403, a certificate) or is none (another 4xx). Read once
    // finish() has returned.
    bool node_refused() const { return !node_refused_.empty(); }

    // The template's inputs (before start) and the fields documents first use (before
    // add_document() of the first document that uses them).
    IndexMappings &mappings() { return mappings_; }

    // Writes one document straight into the open batch: `write(JsonBuffer &)`
    // appends its JSON, so the document is never copied on its way to the sender. The
    // batch cannot leave while `write` runs, so fields it hands to mappings() in there
    // are mapped before the batch is sent.
    //
    // `version` (not 0): the document replaces any older version stored under its id
    // (see bulk_batch.h); 0: it is created once.
    template <typename WriteDocument>
    void add_document(std::string_view index, std::string_view id, WriteDocument &&write, std::uint64_t version = 0) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (options_.retention_days > 0 && outside_retention_locked(index)) return;
        begin_document_locked(index, id, version);
        try {
            write(open_batch_.buffer());
        } catch (...) {
            open_batch_.abandon_document();
            throw;
        }
        end_document_locked(lock);
    }
    void add_document(std::string_view index, std::string_view id, std::string_view document) {
        add_document(index, id, [document](JsonBuffer &out) { out += document; });
    }

    // Sends the open batch and everything queued, stops the sender and returns the
    // delivery counts. Safe to call more than once.
    RunStats finish();

    // After finish(): batches still waiting in the spool folder ("" when spooling is off).
    std::size_t spool_files_left() const;
    std::string spool_folder() const;

private:
    using Clock = std::chrono::steady_clock;

    void begin_document_locked(std::string_view index, std::string_view id, std::uint64_t version);
    // retention: a document for a day whose index retention deletes is counted, not sent.
    bool outside_retention_locked(std::string_view index);
    // Deletes the indices outside retention, once per UTC day (at the first chance).
    void sweep_retention(BulkClient &client);
    void end_document_locked(std::unique_lock<std::mutex> &lock);
    void close_batch_locked(std::unique_lock<std::mutex> &lock);
    void send_loop(BulkClient *client);

    // The connector thread: asks the node whenever it is away, and replays the spool
    // once it answers.
    struct ConnectAttempt {
        std::string error;     // empty: a node answered and the template is in place
        bool refused = false;  // asking again will get the same answer
    };
    void connect_loop();
    ConnectAttempt connect_once(BulkClient &client);
    void stop_connector();
    // At the end of the run (SIGINT, SIGTERM too), a replay in progress gets `timeout`
    // to end: it holds the senders back, and a large spool would outlast a service
    // manager's patience. Then it is cut, and what it has not sent waits in the spool.
    void cut_replay_after_timeout();

    // The rest run on sender threads (and the connector); `client` is the caller's own.
    void deliver(BulkClient &client, const BulkBatch &batch);
    bool node_ready();
    void mark_node_away();
    void mark_node_away_locked();  // with connection_mutex_ held
    void replay_spool(BulkClient &client);
    // Whose documents a batch holds: this run's packets, or a spool file of another run.
    enum class Origin { this_run, earlier_run };
    // Sends and accounts; returns the documents to try again later (spool on).
    std::vector<std::size_t> send_and_account(BulkClient &client, const BulkBatch &batch, Origin origin);
    bool map_new_fields(BulkClient &client);
    void keep_for_later(const BulkBatch &batch, const std::vector<std::size_t> &documents,
                        const std::string &reason);
    void trace_rejection(const BulkBatch &batch, const Rejection &rejection) const;
    // Out of the way of later replays, said as a warning and in the summary.
    void set_aside(const std::string &file, Spool::Loaded why, const std::string &error);
    // What a thread body's exception (guarded.h) means: the connector as a node that
    // refuses us; a batch failed, kept in the dead-letter file; otherwise an error said.
    void connector_failed(const std::string &what);
    void fail_batch(const BulkBatch &batch, const std::string &what);
    void note_thread_error(const std::string &what);
    void dead_letter(const BulkBatch &batch, std::size_t document, long status, const std::string &error);

    // Batches closed and not yet sent, queued or in a sender's hands: with up to four
    // senders, memory stays within this many batches plus the open one.
    static constexpr std::size_t kBatchesInHand = 5;
    std::size_t queue_capacity_;  // what the senders leave of kBatchesInHand, at least 1

    Options options_;
    Reporter &reporter_;
    DeliverySetup setup_;
    std::vector<std::unique_ptr<BulkClient>> clients_;  // one per sender; none without a node
    std::unique_ptr<BulkClient> connector_client_;     // the connector's own
    NdjsonFile file_;
    IndexMappings mappings_;  // safe from any thread
    std::string start_warning_;

    // Connection state. Held by the connector through a replay (never through a probe),
    // so every sender waits for the spool to go first.
    std::mutex connection_mutex_;
    std::condition_variable connection_changed_;
    std::thread connector_;
    bool node_ready_ = false;          // a node answered, the template is in place, the spool went
    bool first_attempt_done_ = false;  // start() waits for it, briefly or fully
    bool banner_answered_ = false;     // during an attempt: the probe passed, the template is going in
    bool start_returned_ = false;      // later refusals are reported as they happen
    bool connecting_ = false;          // a probe or template call in flight: finish() cancels it
    bool stopping_ = false;
    std::string node_refused_;         // why a node refused us: the connector stopped asking
    std::string last_connect_error_;
    Clock::time_point next_connect_attempt_{};

    // Where outcomes go: the counts, the spool and the dead-letter file.
    mutable std::mutex record_mutex_;
    RunStats stats_;
    std::unique_ptr<Spool> spool_;
    // The spool files this run wrote, with their document counts: replayed, they are
    // this run's packets, so they leave `spooled` for `indexed`.
    std::unordered_map<std::string, std::size_t> own_spool_files_;
    DeadLetterFile dead_letter_;
    bool replaying_ = false;  // the connector is sending spool files
    std::condition_variable replay_ended_;

    // Taken before a batch leaves the queue and held while it is written to the file,
    // so the file keeps the capture's order whichever sender sends it.
    std::mutex file_mutex_;

    std::atomic<std::int64_t> last_sweep_day_{-1};  // the UTC day retention last swept

    std::mutex mutex_;  // the queue: guards everything below
    std::condition_variable queue_not_empty_;
    std::condition_variable queue_not_full_;
    BulkBatch open_batch_;
    Clock::time_point open_batch_started_;
    std::deque<BulkBatch> queue_;
    std::vector<BulkBatch> spare_batches_;
    bool closing_ = false;
    // The last index asked about retention, that day, and the answer.
    std::string retention_index_;
    std::int64_t retention_day_ = -1;
    bool retention_outside_ = false;
    bool retention_warned_ = false;
    std::uint64_t outside_retention_ = 0;

    std::vector<std::thread> senders_;
    bool finished_ = false;
};

}  // namespace espcap::exporter
