#include "exporter.h"

#include "index_template.h"

namespace espcap::exporter {

Exporter::Exporter(const Options &options) : options_(options) {
    if (!options_.nodes.empty()) client_ = std::make_unique<BulkClient>(options_.nodes, options_.timeout_seconds);
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

void Exporter::document_added() {
    if (current_.document_count() >= options_.chunk) submit_current();
}

void Exporter::submit_current() {
    if (current_.empty()) return;
    std::unique_lock<std::mutex> lock(mutex_);
    queue_not_full_.wait(lock, [&] { return queue_.size() < kQueueCapacity; });
    queue_.push_back(std::move(current_));
    if (!spare_batches_.empty()) {
        current_ = std::move(spare_batches_.back());
        spare_batches_.pop_back();
    } else {
        current_ = BulkBatch();
    }
    queue_not_empty_.notify_one();
}

void Exporter::send_loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        queue_not_empty_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing and drained
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
        stats_.documents_failed += outcome.failed;
        stats_.documents_duplicate += outcome.duplicates;
        stats_.documents_retried += outcome.retried;
        stats_.bytes_sent += outcome.bytes_sent;
        if (!outcome.first_error.empty()) stats_.note_error(outcome.first_error);
    }
}

RunStats Exporter::finish() {
    if (finished_) return stats_;
    finished_ = true;
    if (sender_.joinable()) {
        submit_current();
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
