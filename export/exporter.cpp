#include "exporter.h"

#include "index_template.h"

namespace espcap::exporter {

Exporter::Exporter(const Options &options) : options_(options), dead_letter_(options.dead_letter) {
    if (!options_.nodes.empty()) client_ = std::make_unique<BulkClient>(options_);
    stats_.sent_to_node = client_ != nullptr;
    stats_.wrote_file = !options_.output_file.empty();
}

Exporter::~Exporter() { finish(); }

std::string Exporter::start() {
    if (!options_.output_file.empty()) {
        if (std::string error = file_.open(options_.output_file); !error.empty()) return error;
    }
    if (client_) {
        HttpClient::global_init();
        if (std::string error = client_->probe(); !error.empty()) return error;
        if (options_.install_template) {
            const std::string error = client_->install_template(index_template_name(options_.index_prefix),
                                                                index_template_body(options_.index_prefix));
            if (!error.empty()) return error;
        }
    }
    sender_ = std::thread(&Exporter::send_loop, this);
    return "";
}

void Exporter::add_document(std::string_view index, std::string_view id, std::string_view document) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (open_batch_.empty()) open_batch_started_ = Clock::now();
    open_batch_.begin_document(index, id);
    open_batch_.buffer() += document;
    open_batch_.end_document();
    if (open_batch_.document_count() >= options_.chunk || open_batch_.byte_size() >= options_.bulk_bytes)
        close_batch_locked(lock);
}

// Moves the open batch to the queue, waiting for room (back-pressure on dissection).
void Exporter::close_batch_locked(std::unique_lock<std::mutex> &lock) {
    queue_not_full_.wait(lock, [&] { return queue_.size() < kQueueCapacity; });
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

void Exporter::send_loop() {
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
        lock.unlock();
        deliver(batch);
        batch.clear();
        lock.lock();
        spare_batches_.push_back(std::move(batch));
    }
}

void Exporter::deliver(const BulkBatch &batch) {
    if (stats_.wrote_file) {
        if (std::string error = file_.write(batch); error.empty())
            stats_.documents_written += batch.document_count();
        else
            stats_.note_error(error);
    }
    if (client_) {
        const BulkOutcome outcome = client_->send(batch);
        stats_.documents_indexed += outcome.indexed;
        stats_.documents_duplicate += outcome.duplicates;
        stats_.documents_retried += outcome.retried;
        stats_.bytes_sent += outcome.bytes_sent;
        stats_.documents_failed += outcome.rejected.size();
        for (const Rejection &rejection : outcome.rejected) {
            stats_.note_error(rejection.error);
            const std::string error =
                dead_letter_.write(rejection.status, rejection.error, batch.document_lines(rejection.document));
            if (error.empty()) {
                ++stats_.documents_dead_lettered;
                stats_.dead_letter_path = dead_letter_.path();
            } else {
                stats_.note_error(error);
            }
        }
    }
}

RunStats Exporter::finish() {
    if (finished_) return stats_;
    finished_ = true;
    if (sender_.joinable()) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            closing_ = true;
        }
        queue_not_empty_.notify_one();
        sender_.join();
    }
    if (std::string error = file_.close(); !error.empty()) stats_.note_error(error);
    return stats_;
}

}  // namespace espcap::exporter
