// SPDX-License-Identifier: GPL-2.0-or-later
#include "exporter.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "backoff.h"
#include "guarded.h"
#include "http_client.h"
#include "retention.h"
#include "private_file.h"
#include "spooled_mappings.h"

namespace espcap::exporter {
namespace {
// The option table's defaults (common/option_table.cpp), the one place they are said.
const Options &default_options() {
    static const Options defaults = parse_options({}).options;
    return defaults;
}

std::vector<std::size_t> every_document(const BulkBatch &batch) {
    std::vector<std::size_t> all(batch.document_count());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
}
}  // namespace

Exporter::Exporter(const Options &options, Reporter &reporter)
    : Exporter(options, reporter, DeliverySetup::from(options)) {}

Exporter::Exporter(const Options &options, Reporter &reporter, DeliverySetup setup)
    : options_(options), reporter_(reporter), setup_(std::move(setup)), mappings_(options, reporter),
      dead_letter_(options.dead_letter, options.dead_letter_max,
                   refuse_relative_default_as_root(options.dead_letter, default_options().dead_letter, "dead_letter")) {
    if (!options_.nodes.empty()) {
        for (unsigned i = 0; i < std::max(1u, options_.senders); ++i)
            clients_.push_back(std::make_unique<BulkClient>(options_, reporter_, setup_));
        connector_client_ = std::make_unique<BulkClient>(options_, reporter_, setup_);
    }
    const std::size_t senders = std::max<std::size_t>(1, clients_.size());
    queue_capacity_ = senders < kBatchesInHand ? kBatchesInHand - senders : 1;
    stats_.sent_to_node = !clients_.empty();
    stats_.wrote_file = !options_.output_file.empty();
}

Exporter::~Exporter() { finish(); }

std::string Exporter::start(FirstAnswer wait) {
    if (!options_.output_file.empty()) {
        if (std::string error = file_.open(options_.output_file); !error.empty()) return error;
    }
    if (!clients_.empty()) {
        HttpClient::global_init();
        if (!options_.spool.empty()) {
            spool_ = std::make_unique<Spool>(
                options_.spool, options_.nodes, options_.spool_max,
                refuse_relative_default_as_root(options_.spool, default_options().spool, "spool"));
            if (std::string error = spool_->open(); !error.empty()) return error;
        }
        connector_ = std::thread([this] {
            guarded("the connector thread", [this](const std::string &what) { connector_failed(what); },
                    [this] { connect_loop(); });
        });
        std::unique_lock<std::mutex> lock(connection_mutex_);
        const auto answered = [&] { return first_attempt_done_; };
        // Without a spool, documents have nowhere to wait for a late answer.
        if (wait == FirstAnswer::briefly && spool_)
            connection_changed_.wait_for(lock, setup_.timing.banner_wait,
                                         [&] { return first_attempt_done_ || banner_answered_; });
        if (wait == FirstAnswer::fully || !spool_ || banner_answered_) connection_changed_.wait(lock, answered);
        start_returned_ = true;
        if (!node_refused_.empty()) return node_refused_;  // a node that refuses us will not change its mind
        if (!node_ready_) {
            if (!spool_) return last_connect_error_;
            const std::string why = first_attempt_done_ ? last_connect_error_
                                                        : "cannot reach Elasticsearch (no answer within " +
                                                              describe_duration(setup_.timing.banner_wait) + ")";
            start_warning_ = why + "; spooling to " + spool_->folder() + " until it answers";
        }
    } else if (std::string error = mappings_.install_template(nullptr); !error.empty()) {
        return error;  // only template_file to write
    }
    const auto start_sender = [this](BulkClient *client) {
        senders_.emplace_back([this, client] {
            guarded("a sender thread", [this](const std::string &what) { note_thread_error(what); },
                    [this, client] { send_loop(client); });
        });
    };
    if (clients_.empty()) {
        start_sender(nullptr);  // the file alone
    } else {
        for (const auto &client : clients_) start_sender(client.get());
    }
    return "";
}

// Runs on the connector thread from start() to finish(). A probe runs without
// connection_mutex_, so senders keep spooling while a silent node makes it wait out
// `timeout`; a replay runs with it, so senders wait for the spool to go first.
void Exporter::connect_loop() {
    std::unique_lock<std::mutex> lock(connection_mutex_);
    while (!stopping_ && node_refused_.empty()) {
        if (node_ready_) {  // until a sender finds the node gone
            connection_changed_.wait(lock, [&] { return stopping_ || !node_ready_; });
            continue;
        }
        if (connection_changed_.wait_until(lock, next_connect_attempt_, [&] { return stopping_; })) break;
        connecting_ = true;
        lock.unlock();
        const ConnectAttempt attempt = connect_once(*connector_client_);
        lock.lock();
        connecting_ = false;
        banner_answered_ = false;
        if (stopping_) break;
        if (attempt.error.empty()) {
            node_ready_ = true;
            replay_spool(*connector_client_);
        } else if (attempt.refused) {
            node_refused_ = attempt.error;
            if (start_returned_)  // the run goes on into the spool; finish() reports it as an error
                reporter_.warning(attempt.error + "; documents wait in the spool");
        } else {
            last_connect_error_ = attempt.error;
            next_connect_attempt_ = Clock::now() + setup_.timing.reconnect_interval;
        }
        first_attempt_done_ = true;
        connection_changed_.notify_all();
    }
}

// A probe, then the template. 5xx, 429, timeouts and silence are "not there yet", as
// mid-run: only a refusal is final.
Exporter::ConnectAttempt Exporter::connect_once(BulkClient &client) {
    const ProbeResult probe = client.probe();
    if (!probe.ok()) return {probe.error, probe.refused};
    {
        std::lock_guard<std::mutex> lock(connection_mutex_);
        banner_answered_ = true;  // start() now waits for the template too
    }
    connection_changed_.notify_all();
    bool retry_later = false;
    std::string error = mappings_.install_template(&client, &retry_later);  // also writes template_file
    if (error.empty()) sweep_retention(client);
    const bool refused = !error.empty() && !retry_later;
    return {std::move(error), refused};
}

void Exporter::stop_connector() {
    if (!connector_.joinable()) return;
    {
        std::lock_guard<std::mutex> lock(connection_mutex_);
        stopping_ = true;
        // A node that keeps silent must not hold up the end of the run. A replay in
        // progress is not cancelled: we hold its lock here, so it has ended.
        if (connecting_) connector_client_->cancel();
    }
    connection_changed_.notify_all();
    connector_.join();
}

bool Exporter::outside_retention_locked(std::string_view index) {
    const std::int64_t today = utc_today();
    if (index != retention_index_ || today != retention_day_) {
        retention_index_ = index;
        retention_day_ = today;
        retention_outside_ = outside_retention(index, options_.index_prefix, options_.retention_days, today);
        if (retention_outside_ && !retention_warned_) {
            retention_warned_ = true;
            reporter_.warning("retention=" + std::to_string(options_.retention_days) + ": packets for " +
                              std::string(index) +
                              " are older than retention keeps; they are counted and not indexed");
        }
    }
    if (retention_outside_) ++outside_retention_;
    return retention_outside_;
}

void Exporter::sweep_retention(BulkClient &client) {
    if (options_.retention_days <= 0) return;
    const std::int64_t today = utc_today();
    std::int64_t last = last_sweep_day_.load();
    if (last == today || !last_sweep_day_.compare_exchange_strong(last, today)) return;  // another thread has it
    RetentionSweep sweep = delete_expired_indices(client, options_.index_prefix, options_.retention_days, today);
    for (const std::string &index : sweep.deleted)
        reporter_.warning("retention=" + std::to_string(options_.retention_days) + ": deleted " + index);
    // Not a failure of this run's documents: the next sweep tries again.
    if (!sweep.error.empty()) reporter_.warning(sweep.error);
    std::lock_guard<std::mutex> record(record_mutex_);
    stats_.indices_deleted.insert(stats_.indices_deleted.end(), sweep.deleted.begin(), sweep.deleted.end());
}

void Exporter::begin_document_locked(std::string_view index, std::string_view id, std::uint64_t version) {
    if (open_batch_.empty()) open_batch_started_ = Clock::now();
    open_batch_.begin_document(index, id, version);
}

void Exporter::end_document_locked(std::unique_lock<std::mutex> &lock) {
    open_batch_.end_document();
    if (open_batch_.document_count() >= options_.chunk || open_batch_.byte_size() >= options_.bulk_bytes)
        close_batch_locked(lock);
}

// Moves the open batch to the queue, waiting for room (back-pressure on dissection).
void Exporter::close_batch_locked(std::unique_lock<std::mutex> &lock) {
    queue_not_full_.wait(lock, [&] { return queue_.size() < queue_capacity_; });
    if (open_batch_.empty()) return;  // the sender took it by age while we waited
    queue_.push_back(std::move(open_batch_));
    if (!spare_batches_.empty()) {
        open_batch_ = std::move(spare_batches_.back());
        spare_batches_.pop_back();
    } else {
        open_batch_ = BulkBatch();
    }
    queue_not_empty_.notify_one();
}

void Exporter::send_loop(BulkClient *client) {
    const auto flush_interval = std::chrono::milliseconds(options_.flush_interval_ms);
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        queue_not_empty_.wait_for(lock, flush_interval, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) {
            if (!open_batch_.empty() && (closing_ || Clock::now() - open_batch_started_ >= flush_interval)) {
                close_batch_locked(lock);  // a quiet link: send what we have
            } else if (closing_) {
                return;  // drained
            } else {
                continue;
            }
        }
        BulkBatch batch = std::move(queue_.front());
        queue_.pop_front();
        queue_not_full_.notify_one();
        std::unique_lock<std::mutex> file_turn(file_mutex_);  // taken in queue order
        lock.unlock();
        if (stats_.wrote_file) {
            const std::string error = file_.write(batch);
            std::lock_guard<std::mutex> record(record_mutex_);
            if (error.empty()) {
                stats_.documents_written += batch.document_count();
            } else {
                stats_.note_error(error);
                // With a node the batch is still delivered there, and counted there.
                (clients_.empty() ? stats_.documents_failed : stats_.documents_not_written) += batch.document_count();
            }
        }
        file_turn.unlock();
        // A batch that meets an internal error fails, said, and kept in the dead-letter
        // file: the thread goes on with the next.
        if (client != nullptr)
            guarded("a sender thread", [&](const std::string &what) { fail_batch(batch, what); }, [&] {
                if (options_.retention_days > 0 && last_sweep_day_.load() != utc_today() && node_ready())
                    sweep_retention(*client);  // a capture that goes on past midnight
                deliver(*client, batch);
            });
        batch.clear();
        lock.lock();
        spare_batches_.push_back(std::move(batch));
    }
}

void Exporter::deliver(BulkClient &client, const BulkBatch &batch) {
    // Without a spool the node answered at start (or the run stopped), and the client's
    // own retries are all there is.
    if (spool_ && !node_ready()) {
        keep_for_later(batch, every_document(batch), "Elasticsearch unreachable");
        return;
    }
    const std::vector<std::size_t> later = send_and_account(client, batch, Origin::this_run);
    if (later.empty()) return;
    mark_node_away();
    keep_for_later(batch, later, "Elasticsearch unreachable past the retry budget");
}

// True when a node is ready for the next batch. Never asks the node itself (the
// connector does); waits only while the connector replays the spool.
bool Exporter::node_ready() {
    std::lock_guard<std::mutex> lock(connection_mutex_);
    return node_ready_;
}

// A request gave up past the retry budget: the node is taken for away until the
// connector finds it answering again.
void Exporter::mark_node_away() {
    std::lock_guard<std::mutex> lock(connection_mutex_);
    mark_node_away_locked();
}

void Exporter::mark_node_away_locked() {
    if (!node_ready_) return;
    node_ready_ = false;
    next_connect_attempt_ = Clock::now() + setup_.timing.reconnect_interval;
    connection_changed_.notify_all();
}

// Retries while the node does not answer, for as long as a bulk request would be, with
// the same back-off as the bulk client's.
bool Exporter::map_new_fields(BulkClient &client) {
    const auto deadline = Clock::now() + setup_.timing.retry_budget;
    thread_local std::mt19937 random{std::random_device{}()};  // one per sender thread
    for (unsigned attempt = 0; !mappings_.apply(client); ++attempt) {
        const auto now = Clock::now();
        if (now >= deadline || client.cancelled()) return false;
        const auto pause = backoff_full_jitter(setup_.timing.mapping_retry_first_pause,
                                               setup_.timing.mapping_retry_longest_pause, attempt, random);
        std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    }
    return true;
}

std::vector<std::size_t> Exporter::send_and_account(BulkClient &client, const BulkBatch &batch, Origin origin) {
    // Sent before its new fields are mapped, a batch would map them dynamically (strings
    // as keyword) once the node is back. So it waits in the spool if the node stays away
    // past the retry budget; without a spool it goes anyway, through the client's retries.
    if (!map_new_fields(client) && spool_) return every_document(batch);
    const BulkOutcome outcome = client.send(batch);
    std::lock_guard<std::mutex> record(record_mutex_);
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
        dead_letter(batch, rejection.document, rejection.status, rejection.error);
        if (options_.trace) trace_rejection(batch, rejection);
    }
    return later;
}

void Exporter::keep_for_later(const BulkBatch &batch, const std::vector<std::size_t> &documents,
                              const std::string &reason) {
    // With the batch go its template and typed fields: the run that replays it may not
    // know them.
    std::vector<std::string_view> actions;
    actions.reserve(documents.size());
    for (std::size_t d : documents) {
        const std::string_view lines = batch.document_lines(d);
        actions.push_back(lines.substr(0, lines.find('\n')));
    }
    const std::string mappings = mappings_.spooled_mappings_for(indices_of_actions(actions));
    std::lock_guard<std::mutex> record(record_mutex_);
    std::string file;
    if (std::string error = spool_->store(batch, documents, mappings, &file); !error.empty()) {
        // Not even the disk takes them: keep each with the reason in the dead-letter file.
        stats_.note_error(reason + "; " + error);
        for (std::size_t d : documents) {
            ++stats_.documents_failed;
            dead_letter(batch, d, 0, reason + "; " + error);
        }
        return;
    }
    stats_.documents_spooled += documents.size();
    stats_.spool_folder = spool_->folder();
    own_spool_files_[file] = documents.size();
}

// Sends what earlier runs (or this one, while the node was away) left in the spool.
// Runs on the connector with connection_mutex_ held; senders may still be storing into
// the spool (a request that gave up just now).
void Exporter::replay_spool(BulkClient &client) {
    if (!spool_) return;
    std::vector<std::string> files;
    {
        std::lock_guard<std::mutex> record(record_mutex_);
        if (!spool_->begin_replay(files)) return;  // another espcap is replaying this folder
        if (files.empty()) {                         // the common case: nothing was left
            spool_->unlock_replay();
            return;
        }
        replaying_ = true;
    }
    BulkBatch batch;
    std::string mappings;
    for (const std::string &file : files) {
        if (client.cancelled()) break;  // finish() cut the replay short: the rest waits in the spool
        std::string error;
        if (const Spool::Loaded loaded = spool_->load(file, batch, mappings, error); loaded != Spool::Loaded::ok) {
            set_aside(file, loaded, error);
            continue;
        }
        std::size_t own_documents = 0;  // this run's packets leave `spooled` here
        try {
            {
                std::lock_guard<std::mutex> record(record_mutex_);
                if (const auto own = own_spool_files_.find(file); own != own_spool_files_.end()) {
                    own_documents = own->second;
                    stats_.documents_spooled -= own_documents;
                    own_spool_files_.erase(own);
                }
            }
            if (!mappings.empty()) mappings_.add_spooled(mappings, client);  // mapped before the batch goes
            const std::vector<std::size_t> later =
                send_and_account(client, batch, own_documents > 0 ? Origin::this_run : Origin::earlier_run);
            std::lock_guard<std::mutex> record(record_mutex_);
            if (!later.empty()) {
                // The node went away again: what is left of this file waits for next time.
                mark_node_away_locked();  // the caller holds connection_mutex_
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
                if (!store_error.empty()) break;
            }
            spool_->remove(file);
            if (!node_ready_) break;
        } catch (const std::exception &problem) {
            // What a file brought made an internal error: it is kept aside, never tried
            // again in a loop, and the replay goes on.
            set_aside(file, Spool::Loaded::refused, file + ": internal error: " + problem.what());
            std::lock_guard<std::mutex> record(record_mutex_);
            stats_.documents_spooled += own_documents;  // still in the folder, set aside
        }
    }
    {
        std::lock_guard<std::mutex> record(record_mutex_);
        spool_->unlock_replay();
        replaying_ = false;
    }
    replay_ended_.notify_all();
}

void Exporter::set_aside(const std::string &file, Spool::Loaded why, const std::string &error) {
    std::lock_guard<std::mutex> record(record_mutex_);
    const std::string message = "spool: " + error + "; kept as " + spool_->set_aside(file, why);
    stats_.note_error(message);
    constexpr std::size_t kMaxSaid = 2048;
    reporter_.warning(printable_for_terminal(message, kMaxSaid));
}

void Exporter::connector_failed(const std::string &what) {
    {
        std::lock_guard<std::mutex> record(record_mutex_);
        if (spool_) spool_->unlock_replay();  // another process may replay the folder
        replaying_ = false;
    }
    replay_ended_.notify_all();
    {
        // As a node that refuses us: senders spool, start() returns, finish() says why.
        std::lock_guard<std::mutex> lock(connection_mutex_);
        node_ready_ = false;
        if (node_refused_.empty()) node_refused_ = what;
        first_attempt_done_ = true;
    }
    connection_changed_.notify_all();
}

void Exporter::note_thread_error(const std::string &what) {
    std::lock_guard<std::mutex> record(record_mutex_);
    stats_.note_error(what);
}

void Exporter::fail_batch(const BulkBatch &batch, const std::string &what) {
    std::lock_guard<std::mutex> record(record_mutex_);
    stats_.note_error(what);
    for (std::size_t d = 0; d < batch.document_count(); ++d) {
        ++stats_.documents_failed;
        dead_letter(batch, d, 0, what);
    }
}

void Exporter::trace_rejection(const BulkBatch &batch, const Rejection &rejection) const {
    std::string_view action = batch.document_lines(rejection.document);
    action = action.substr(0, action.find('\n'));
    constexpr std::size_t kMaxTraced = 64 * 1024;
    reporter_.trace("rejected " + std::string(action) + ": HTTP " + std::to_string(rejection.status) + ": " +
                    printable_for_terminal(rejection.error, kMaxTraced));
}

void Exporter::dead_letter(const BulkBatch &batch, std::size_t document, long status, const std::string &error) {
    const std::string problem = dead_letter_.write(status, error, batch.document_lines(document));
    if (problem.empty()) {
        ++stats_.documents_dead_lettered;
        stats_.dead_letter_path = dead_letter_.path();
    } else {
        stats_.note_error(problem);
        if (stats_.dead_letter_error.empty()) stats_.dead_letter_error = problem;
    }
}

void Exporter::cut_replay_after_timeout() {
    std::unique_lock<std::mutex> record(record_mutex_);
    const auto timeout = std::chrono::seconds(options_.timeout_seconds);
    if (!replay_ended_.wait_for(record, timeout, [&] { return !replaying_; })) connector_client_->cancel();
}

std::size_t Exporter::spool_files_left() const {
    std::lock_guard<std::mutex> record(record_mutex_);
    return spool_ ? spool_->pending_files().size() : 0;
}

std::string Exporter::spool_folder() const { return spool_ ? spool_->folder() : ""; }

RunStats Exporter::finish() {
    if (finished_) return stats_;
    finished_ = true;
    if (!senders_.empty()) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            closing_ = true;
        }
        queue_not_empty_.notify_all();
        cut_replay_after_timeout();
        for (std::thread &sender : senders_) sender.join();
        senders_.clear();
    }
    stop_connector();
    stats_.documents_outside_retention = outside_retention_;
    if (!node_refused_.empty()) stats_.note_error(node_refused_);  // what it spooled waits for better credentials
    if (std::string error = file_.close(); !error.empty()) stats_.note_error(error);
    return stats_;
}

}  // namespace espcap::exporter
