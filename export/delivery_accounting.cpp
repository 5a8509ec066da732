// SPDX-License-Identifier: GPL-2.0-or-later
#include "delivery_accounting.h"

#include "private_file.h"
#include "server_text.h"

namespace espcap::exporter {
namespace {
constexpr std::size_t kMaxSaid = 2048;  // bytes of a server's words in one warning

// The option table's defaults (common/option_table.cpp), the one place they are said.
const Options &default_options() {
    static const Options defaults = parse_options({}).options;
    return defaults;
}
}  // namespace

DeliveryAccounting::DeliveryAccounting(const Options &options, Reporter &reporter)
    : options_(options), reporter_(reporter),
      dead_letter_(options.dead_letter, options.dead_letter_max,
                   refuse_relative_default_as_root(options.dead_letter, default_options().dead_letter, "dead_letter")) {
    stats_.sent_to_node = !options_.nodes.empty();
    stats_.wrote_file = !options_.output_file.empty();
}

std::string DeliveryAccounting::open_spool() {
    spool_ = std::make_unique<Spool>(options_.spool, options_.nodes, options_.spool_max,
                                     refuse_relative_default_as_root(options_.spool, default_options().spool, "spool"));
    return spool_->open();
}

void DeliveryAccounting::count_file_write(std::size_t documents, const std::string &error, bool also_sent) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error.empty()) {
        stats_.documents_written += documents;
        return;
    }
    stats_.note_error(error);
    (also_sent ? stats_.documents_not_written : stats_.documents_failed) += documents;
}

std::vector<std::size_t> DeliveryAccounting::count_sent(const BulkBatch &batch, const BulkOutcome &outcome,
                                                       Origin origin) {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool earlier = origin == Origin::earlier_run;  // not this run's packets: counted apart
    (earlier ? stats_.replayed_indexed : stats_.documents_indexed) += outcome.indexed;
    (earlier ? stats_.replayed_duplicates : stats_.documents_duplicate) += outcome.duplicates;
    stats_.documents_retried += outcome.retried;
    stats_.bytes_sent += outcome.bytes_sent;
    std::vector<std::size_t> later;
    for (const Rejection &rejection : outcome.rejected) {
        if (rejection.gave_up && spool_) {
            later.push_back(rejection.document);
            continue;
        }
        ++(earlier ? stats_.replayed_failed : stats_.documents_failed);
        stats_.note_error(rejection.error);
        if (!rejection.missing_privilege.empty() && stats_.missing_privilege.empty()) {
            // Said once: every document after it meets the same refusal.
            stats_.missing_privilege = rejection.missing_privilege;
            reporter_.warning(printable_for_terminal(
                "the node refuses documents: " + rejection.missing_privilege + "; stopping", kMaxSaid));
            privilege_refused_.store(true, std::memory_order_relaxed);
        }
        dead_letter_locked(batch, rejection.document, rejection.status, rejection.error);
        if (options_.trace) trace_rejection(batch, rejection);
    }
    return later;
}

void DeliveryAccounting::spool(const BulkBatch &batch, const std::vector<std::size_t> &documents,
                               const std::string &mappings, const std::string &reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string file;
    if (std::string error = spool_->store(batch, documents, mappings, &file); !error.empty()) {
        // Not even the disk takes them: keep each with the reason in the dead-letter file.
        stats_.note_error(reason + "; " + error);
        for (std::size_t d : documents) {
            ++stats_.documents_failed;
            dead_letter_locked(batch, d, 0, reason + "; " + error);
        }
        return;
    }
    stats_.documents_spooled += documents.size();
    stats_.spool_folder = spool_->folder();
    own_spool_files_[file] = documents.size();
}

bool DeliveryAccounting::begin_replay(std::vector<std::string> &files) {
    if (!spool_) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (!spool_->begin_replay(files)) return false;  // another espcap is replaying this folder
    if (files.empty()) {                              // the common case: nothing was left
        spool_->unlock_replay();
        return false;
    }
    return true;
}

bool DeliveryAccounting::load_spooled(const std::string &file, BulkBatch &batch, std::string &mappings) {
    std::string error;
    const Spool::Loaded loaded = spool_->load(file, batch, mappings, error);
    if (loaded == Spool::Loaded::ok) return true;
    std::lock_guard<std::mutex> lock(mutex_);
    set_aside_locked(file, loaded, error);
    return false;
}

void DeliveryAccounting::set_aside_after_error(const std::string &file, const std::string &error,
                                               std::size_t own_documents) {
    std::lock_guard<std::mutex> lock(mutex_);
    set_aside_locked(file, Spool::Loaded::refused, error);
    stats_.documents_spooled += own_documents;  // still in the folder, set aside
}

// Out of the way of later replays, said as a warning and in the summary.
void DeliveryAccounting::set_aside_locked(const std::string &file, Spool::Loaded why, const std::string &error) {
    const std::string message = "spool: " + error + "; kept as " + spool_->set_aside(file, why);
    stats_.note_error(message);
    reporter_.warning(printable_for_terminal(message, kMaxSaid));
}

std::size_t DeliveryAccounting::claim_own_file(const std::string &file) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto own = own_spool_files_.find(file);
    if (own == own_spool_files_.end()) return 0;
    const std::size_t documents = own->second;
    stats_.documents_spooled -= documents;
    own_spool_files_.erase(own);
    return documents;
}

void DeliveryAccounting::replayed(const std::string &file) {
    std::lock_guard<std::mutex> lock(mutex_);
    spool_->remove(file);
}

void DeliveryAccounting::replayed_in_part(const std::string &file, const BulkBatch &batch,
                                          const std::vector<std::size_t> &later, const std::string &mappings,
                                          std::size_t own_documents) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string kept_in;
    const std::string store_error = spool_->store(batch, later, mappings, &kept_in);
    if (!store_error.empty()) {
        stats_.note_error("spool: " + store_error);
        kept_in = file;  // keep the whole file rather than lose its remainder
    }
    if (own_documents > 0) {
        stats_.documents_spooled += later.size();
        own_spool_files_[kept_in] = later.size();
    }
    if (store_error.empty()) spool_->remove(file);
}

void DeliveryAccounting::end_replay() {
    std::lock_guard<std::mutex> lock(mutex_);
    spool_->unlock_replay();
}

void DeliveryAccounting::note_error(const std::string &error) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.note_error(error);
}

void DeliveryAccounting::fail_batch(const BulkBatch &batch, const std::string &what) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.note_error(what);
    for (std::size_t d = 0; d < batch.document_count(); ++d) {
        ++stats_.documents_failed;
        dead_letter_locked(batch, d, 0, what);
    }
}

void DeliveryAccounting::note_indices_deleted(const std::vector<std::string> &indices) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.indices_deleted.insert(stats_.indices_deleted.end(), indices.begin(), indices.end());
}

void DeliveryAccounting::note_outside_retention(std::uint64_t documents) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.documents_outside_retention = documents;
}

std::size_t DeliveryAccounting::spool_files_left() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return spool_ ? spool_->pending_files().size() : 0;
}

RunStats DeliveryAccounting::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

void DeliveryAccounting::trace_rejection(const BulkBatch &batch, const Rejection &rejection) const {
    std::string_view action = batch.document_lines(rejection.document);
    action = action.substr(0, action.find('\n'));
    constexpr std::size_t kMaxTraced = 64 * 1024;
    reporter_.trace("rejected " + std::string(action) + ": HTTP " + std::to_string(rejection.status) + ": " +
                    printable_for_terminal(rejection.error, kMaxTraced));
}

void DeliveryAccounting::dead_letter_locked(const BulkBatch &batch, std::size_t document, long status,
                                            const std::string &error) {
    const std::string problem = dead_letter_.write(status, error, batch.document_lines(document));
    if (problem.empty()) {
        ++stats_.documents_dead_lettered;
        stats_.dead_letter_path = dead_letter_.path();
    } else {
        stats_.note_error(problem);
        if (stats_.dead_letter_error.empty()) stats_.dead_letter_error = problem;
    }
}

}  // namespace espcap::exporter
