// SPDX-License-Identifier: GPL-2.0-or-later
// Moves documents from the dissection thread to sender threads, in bulk batches.
//
//   Exporter exporter(options, reporter);
//   if (auto error = exporter.start(); !error.empty()) ...;
//   exporter.add_document(index, id, [&](JsonBuffer &out) { ...write JSON... });
//   exporter.add_document(index, id, json);   // or a document already written
//   RunStats stats = exporter.finish();        // everything queued is sent first
//
// Batches close by size or age, and a full queue makes add_document() wait, so memory
// stays flat (batch_queue.h). `senders` threads each have a request in flight, so
// Elasticsearch parses one batch while it indexes another. The NDJSON file still gets
// batches in order.
//
// When Elasticsearch stays unreachable past the retry budget (or from the start), batches
// go to the spool folder instead, until the connector finds a node answering again and
// replays the spool before anything new (node_connector.h). What this run spooled and
// then replayed counts as indexed, not as spooled (docs/delivery.md).
//
// The parts, one job each (threads and locks: docs/architecture.md):
//   BatchQueue          the open batch, the bounded queue, the flush interval
//   NodeConnector       the connector thread and the state of the link to the node
//   SpoolReplayer       the spool, oldest first, each time the node answers
//   BatchDelivery       one batch to the node: its mappings, the request, the spool
//   DeliveryAccounting  the counts, the spool's and dead-letter file's writes
//   RetentionKeeper     retention=: documents for expired days, the daily sweep
// This class only wires them together and runs the sender threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "batch_delivery.h"
#include "batch_queue.h"
#include "bulk_batch.h"
#include "bulk_client.h"
#include "delivery_accounting.h"
#include "delivery_setup.h"
#include "field_mappings.h"
#include "json_buffer.h"
#include "ndjson_file.h"
#include "node_connector.h"
#include "options.h"
#include "reporter.h"
#include "retention_keeper.h"
#include "run_stats.h"
#include "spool_replayer.h"

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

    // How long start() waits for a node's first answer (node_connector.h).
    using FirstAnswer = exporter::FirstAnswer;

    // Opens the output file, checks that a node answers and installs the index
    // template. Empty on success; an error only when a node refuses us (401, 403, a
    // certificate, its template refused) or, without a spool, when none answers. An
    // unavailable node (no reply, a timeout, 429, 5xx) is not an error when spooling is
    // on: start_warning() then says where batches will wait.
    std::string start(FirstAnswer wait = FirstAnswer::briefly);
    const std::string &start_warning() const { return start_warning_; }
    // A node refused us (401, 403, a certificate) or is none (another 4xx). Read once
    // start() or finish() has returned.
    bool node_refused() const { return connector_ && !connector_->refusal().empty(); }
    // The node refused documents for a privilege the credentials lack: the run should
    // stop reading (any thread).
    bool privilege_refused() const { return accounting_.privilege_refused(); }

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
        if (retention_.enabled() && retention_.outside(index)) return;  // counted, not sent
        queue_.add_document(index, id, std::forward<WriteDocument>(write), version);
    }
    void add_document(std::string_view index, std::string_view id, std::string_view document) {
        add_document(index, id, [document](JsonBuffer &out) { out += document; });
    }

    // Sends the open batch and everything queued, stops the senders and the connector
    // and returns the delivery counts. Safe to call more than once.
    RunStats finish();

    // After finish(): batches still waiting in the spool folder ("" when spooling is off).
    std::size_t spool_files_left() const;
    std::string spool_folder() const;

private:
    // A sender thread; `client` is its own (null: the file alone).
    void send_loop(BulkClient *client);
    void deliver(BulkClient &client, const BulkBatch &batch);
    void start_sender(BulkClient *client);

    Options options_;
    Reporter &reporter_;
    DeliverySetup setup_;
    std::vector<std::unique_ptr<BulkClient>> clients_;  // one per sender; none without a node
    NdjsonFile file_;
    IndexMappings mappings_;  // safe from any thread
    DeliveryAccounting accounting_;
    RetentionKeeper retention_;
    BatchDelivery delivery_;
    SpoolReplayer replayer_;
    std::unique_ptr<NodeConnector> connector_;  // none without a node
    BatchQueue queue_;
    std::string start_warning_;
    std::vector<std::thread> senders_;
    bool finished_ = false;
};

}  // namespace espcap::exporter
