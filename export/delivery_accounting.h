// SPDX-License-Identifier: GPL-2.0-or-later
// Where every document's outcome is written down: the run's counts (RunStats), the
// spool for what waits for the node, and the dead-letter file for what the node
// refused. Safe from any thread; one lock, never held across network I/O (the spool
// and dead-letter files are written under it).
//
// What this run spooled and then replayed counts as indexed, not as spooled: the
// accounting remembers which spool files are its own (docs/delivery.md).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bulk_batch.h"
#include "bulk_client.h"
#include "dead_letter.h"
#include "options.h"
#include "reporter.h"
#include "run_stats.h"
#include "spool.h"

namespace espcap::exporter {

// Whose documents a batch holds: this run's packets, or a spool file of another run.
enum class Origin { this_run, earlier_run };

class DeliveryAccounting {
public:
    DeliveryAccounting(const Options &options, Reporter &reporter);

    // Before any thread uses the accounting: the spool folder (spool= not off). Empty
    // on success.
    std::string open_spool();
    bool spooling() const { return spool_ != nullptr; }
    std::string spool_folder() const { return spool_ ? spool_->folder() : ""; }

    // A batch written to the file= output, or not (`error`). With a node the batch is
    // still delivered there, and counted there.
    void count_file_write(std::size_t documents, const std::string &error, bool also_sent);
    // A batch's outcome at the node. Returns the documents to try again later: those the
    // node gave up on, when spooling.
    std::vector<std::size_t> count_sent(const BulkBatch &batch, const BulkOutcome &outcome, Origin origin);
    // Stores `documents` of `batch` in the spool with their mappings; if even the disk
    // refuses them, they go to the dead-letter file with `reason`.
    void spool(const BulkBatch &batch, const std::vector<std::size_t> &documents, const std::string &mappings,
               const std::string &reason);

    // Replay, on the connector thread. begin_replay() is false when there is nothing
    // to replay or another espcap replays this folder; otherwise end_replay() follows.
    bool begin_replay(std::vector<std::string> &files);
    // False when the file cannot be read or may not be sent: it is set aside, said and
    // noted.
    bool load_spooled(const std::string &file, BulkBatch &batch, std::string &mappings);
    // A file whose replay met an internal error: set aside like a refused one, never
    // tried again in a loop; this run's documents in it count as spooled again.
    void set_aside_after_error(const std::string &file, const std::string &error, std::size_t own_documents);
    // How many documents of `file` this run spooled: they leave `spooled` now.
    std::size_t claim_own_file(const std::string &file);
    // The file went to the node.
    void replayed(const std::string &file);
    // The node went away during `file`: its documents `later` go back to the spool, and
    // the file goes (kept whole if the rest cannot be stored).
    void replayed_in_part(const std::string &file, const BulkBatch &batch, const std::vector<std::size_t> &later,
                          const std::string &mappings, std::size_t own_documents);
    void end_replay();

    void note_error(const std::string &error);
    // A batch that met an internal error on its way: every document failed, kept in the
    // dead-letter file.
    void fail_batch(const BulkBatch &batch, const std::string &what);
    void note_indices_deleted(const std::vector<std::string> &indices);  // retention
    void note_outside_retention(std::uint64_t documents);
    std::size_t spool_files_left() const;
    // Documents were refused for a privilege the credentials lack (RunStats says
    // which): the front end stops reading. Safe from any thread, without the lock.
    bool privilege_refused() const { return privilege_refused_.load(std::memory_order_relaxed); }
    RunStats stats() const;

private:
    void trace_rejection(const BulkBatch &batch, const Rejection &rejection) const;
    void set_aside_locked(const std::string &file, Spool::Loaded why, const std::string &error);
    void dead_letter_locked(const BulkBatch &batch, std::size_t document, long status, const std::string &error);

    const Options options_;
    Reporter &reporter_;
    std::unique_ptr<Spool> spool_;  // set before the threads start

    mutable std::mutex mutex_;  // guards everything below, and the spool's and dead-letter file's writes
    RunStats stats_;
    // The spool files this run wrote, with their document counts: replayed, they are
    // this run's packets, so they leave `spooled` for `indexed`.
    std::unordered_map<std::string, std::size_t> own_spool_files_;
    DeadLetterFile dead_letter_;
    std::atomic<bool> privilege_refused_{false};
};

}  // namespace espcap::exporter
