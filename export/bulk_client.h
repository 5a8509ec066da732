// SPDX-License-Identifier: GPL-2.0-or-later
// Sends bulk batches to Elasticsearch or OpenSearch over HTTP and accounts for every
// document: each one ends up indexed, already present, or rejected with a reason.
//
// - Items that fail with a transient status (429, 502, 503, 504) are re-sent alone,
//   with back-off; items that succeeded are never sent again.
// - Connection errors and timeouts retry the same request on the next node.
// - 413 (request too large, e.g. from a proxy) on a plain body is sent again
//   compressed when gzip=auto left it plain; a compressed one that is still too large
//   splits the request. Both are remembered for the rest of the run.
// - A 409 for a document that an earlier, unconfirmed try of the same request may have
//   stored (the reply was lost) counts as indexed by this run.
// - A node that cannot be reached is skipped for a while.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bulk_batch.h"
#include "bulk_reply.h"
#include "delivery_setup.h"
#include "http_transport.h"
#include "options.h"
#include "reporter.h"
#include "server_text.h"

namespace espcap::exporter {

struct Rejection {
    std::size_t document;  // index in the batch
    long status;           // HTTP status of the item (or of the request)
    std::string error;
    bool gave_up = false;  // transient trouble outlasted the retry budget: try again later
    // The credentials lack this privilege (a 403 of the node's security): every further
    // document would meet the same refusal.
    std::string missing_privilege = {};
};

struct ProbeResult {
    // A node refused us (401, 403, a certificate we do not trust) or is none (another
    // 4xx): waiting will not help. Any other failure (no reply, a timeout, 408, 429,
    // 5xx) may pass.
    bool refused = false;
    std::string error;  // empty when a node answered 200
    bool ok() const { return error.empty(); }
};

// No reply, 429 or 5xx: the node (or a proxy in front of it) is not there for now, and
// asking again later may succeed.
bool node_unavailable(const HttpResponse &response);
// 401, 403, or a certificate we do not trust: asking again will get the same answer.
bool node_refuses_us(const HttpResponse &response);
// A 4xx other than 401, 403, 408 and 429 to "GET /" and to the node info: what answers
// is no node we can use (a web server, a wrong path prefix), and will not become one.
bool node_is_not_a_search_engine(const HttpResponse &response);

struct BulkOutcome {
    std::uint64_t indexed = 0;
    std::uint64_t duplicates = 0;  // already in the index (409 on create)
    std::uint64_t retried = 0;     // document sends beyond the first
    std::uint64_t bytes_sent = 0;
    std::vector<Rejection> rejected;
};

class BulkClient {
public:
    // Talks libcurl (DeliverySetup::from(options)).
    BulkClient(const Options &options, Reporter &reporter);
    // Talks through `setup.transport`, waiting as `setup.timing` says.
    BulkClient(const Options &options, Reporter &reporter, const DeliverySetup &setup);

    // Asks each node for its banner until one answers 200.
    ProbeResult probe();

    // One small JSON request ("GET", "PUT" or "DELETE", path from "/") to the next node
    // that is up: templates, mappings, settings, retention.
    HttpResponse call(const std::string &method, const std::string &path, const std::string &body = "");

    BulkOutcome send(const BulkBatch &batch);

    // From any thread: ends the request in flight and every later one (HttpTransport::cancel),
    // retries included: a cancelled send gives its documents up at once.
    void cancel() {
        cancelled_ = true;
        http_->cancel();
    }
    bool cancelled() const { return cancelled_; }

private:
    using Clock = std::chrono::steady_clock;
    struct NodeState {
        Endpoint endpoint;
        Clock::time_point down_until{};
        unsigned failures = 0;
    };

    NodeState &pick_node();
    void mark_down(NodeState &node);
    void mark_up(NodeState &node);
    // Sends one part of a batch until each of its documents has an outcome; a part
    // that must be split goes back on `work` in pieces.
    void send_part(const BulkBatch &batch, std::vector<std::size_t> part, BulkOutcome &outcome,
                   std::vector<std::vector<std::size_t>> &work);
    void note_reply(NodeState &node, const HttpResponse &response, const ReplyVerdict &verdict, std::size_t wire_bytes,
                    BulkOutcome &outcome);
    void split_again(const BulkBatch &batch, std::vector<std::size_t> pending, std::size_t plain_bytes,
                     std::vector<std::vector<std::size_t>> &work);
    std::vector<std::size_t> take_item_results(const BulkResponse &reply, const std::vector<std::size_t> &pending,
                                               bool maybe_stored, BulkOutcome &outcome,
                                               std::string &last_transient_error);
    std::vector<std::vector<std::size_t>> split_to_fit(const BulkBatch &batch, std::vector<std::size_t> docs) const;

    std::vector<NodeState> nodes_;
    std::size_t next_node_ = 0;
    void trace(const std::string &text) const;  // trace=true: one stderr line per error

    bool gzip_;
    bool may_compress_ = false;  // gzip=auto: compress once a proxy refuses a plain body
    bool trace_;
    Reporter &reporter_;
    DeliveryTiming timing_;
    std::size_t max_request_bytes_ = SIZE_MAX;  // learned from 413 replies
    std::unique_ptr<HttpTransport> http_;
    std::atomic<bool> cancelled_{false};
    std::mt19937 random_;
};

}  // namespace espcap::exporter
