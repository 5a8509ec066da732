// SPDX-License-Identifier: GPL-2.0-or-later
#include "exporter.h"

#include <algorithm>

#include "guarded.h"
#include "http_client.h"

namespace espcap::exporter {
namespace {
std::size_t sender_count(const Options &options) {
    return options.nodes.empty() ? 1 : std::max(1u, options.senders);  // without a node, one writes the file
}
}  // namespace

Exporter::Exporter(const Options &options, Reporter &reporter)
    : Exporter(options, reporter, DeliverySetup::from(options)) {}

Exporter::Exporter(const Options &options, Reporter &reporter, DeliverySetup setup)
    : options_(options), reporter_(reporter), setup_(std::move(setup)), mappings_(options, reporter),
      accounting_(options, reporter), retention_(options, reporter), delivery_(mappings_, accounting_, setup_.timing),
      replayer_(accounting_, mappings_, delivery_),
      queue_(options, BatchQueue::capacity_for(sender_count(options))) {
    if (!options_.nodes.empty()) {
        for (std::size_t i = 0; i < sender_count(options_); ++i)
            clients_.push_back(std::make_unique<BulkClient>(options_, reporter_, setup_));
        // Once a node answers: the day's retention sweep, then the spool.
        connector_ = std::make_unique<NodeConnector>(options_, reporter_, setup_, mappings_, [this](BulkClient &client) {
            retention_.sweep(client, accounting_);
            return replayer_.replay(client);
        });
    }
}

Exporter::~Exporter() { finish(); }

std::string Exporter::start(FirstAnswer wait) {
    if (!options_.output_file.empty()) {
        if (std::string error = file_.open(options_.output_file); !error.empty()) return error;
    }
    if (connector_) {
        HttpClient::global_init();
        if (!options_.spool.empty()) {
            if (std::string error = accounting_.open_spool(); !error.empty()) return error;
        }
        const NodeConnector::StartAnswer answer = connector_->start(wait, accounting_.spooling());
        if (!answer.refused.empty()) return answer.refused;  // a node that refuses us will not change its mind
        if (!answer.ready) {
            if (!accounting_.spooling()) return answer.why_not;
            start_warning_ = answer.why_not + "; spooling to " + accounting_.spool_folder() + " until it answers";
        }
    } else if (std::string error = mappings_.install_template(nullptr); !error.empty()) {
        return error;  // only template_file to write
    }
    if (clients_.empty()) {
        start_sender(nullptr);  // the file alone
    } else {
        for (const auto &client : clients_) start_sender(client.get());
    }
    return "";
}

void Exporter::start_sender(BulkClient *client) {
    senders_.emplace_back([this, client] {
        guarded("a sender thread", [this](const std::string &what) { accounting_.note_error(what); },
                [this, client] { send_loop(client); });
    });
}

void Exporter::send_loop(BulkClient *client) {
    while (std::optional<BatchQueue::Taken> taken = queue_.take()) {
        if (!options_.output_file.empty()) {  // in queue order, whichever sender took the batch
            const std::string error = file_.write(taken->batch);
            accounting_.count_file_write(taken->batch.document_count(), error, !clients_.empty());
        }
        taken->in_order.unlock();
        // A batch that meets an internal error fails, said, and kept in the dead-letter
        // file: the thread goes on with the next.
        if (client != nullptr) {
            const BulkBatch &batch = taken->batch;
            guarded("a sender thread", [&](const std::string &what) { accounting_.fail_batch(batch, what); }, [&] {
                if (retention_.sweep_due() && connector_->node_ready())
                    retention_.sweep(*client, accounting_);  // a capture that goes on past midnight
                deliver(*client, batch);
            });
        }
        queue_.give_back(std::move(taken->batch));
    }
}

void Exporter::deliver(BulkClient &client, const BulkBatch &batch) {
    // Without a spool the node answered at start (or the run stopped), and the client's
    // own retries are all there is.
    if (accounting_.spooling() && !connector_->node_ready()) {
        delivery_.keep_for_later(batch, batch.every_document(), "Elasticsearch unreachable");
        return;
    }
    const std::vector<std::size_t> later = delivery_.send(client, batch, Origin::this_run);
    if (later.empty()) return;
    connector_->mark_away();
    delivery_.keep_for_later(batch, later, "Elasticsearch unreachable past the retry budget");
}

std::size_t Exporter::spool_files_left() const { return accounting_.spool_files_left(); }

std::string Exporter::spool_folder() const { return accounting_.spool_folder(); }

RunStats Exporter::finish() {
    if (finished_) return accounting_.stats();
    finished_ = true;
    if (!senders_.empty()) {
        queue_.close();
        if (connector_) connector_->cut_replay_after(std::chrono::seconds(options_.timeout_seconds));
        for (std::thread &sender : senders_) sender.join();
        senders_.clear();
    }
    if (connector_) {
        connector_->stop();
        // What it spooled waits for better credentials.
        if (const std::string refusal = connector_->refusal(); !refusal.empty()) accounting_.note_error(refusal);
    }
    accounting_.note_outside_retention(retention_.documents_outside());
    if (std::string error = file_.close(); !error.empty()) accounting_.note_error(error);
    return accounting_.stats();
}

}  // namespace espcap::exporter
