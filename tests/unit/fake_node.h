// SPDX-License-Identifier: GPL-2.0-or-later
// An Elasticsearch node in the test's own process, behind the HttpTransport seam
// (export/http_transport.h): it keeps indices, documents, mappings and field limits
// well enough for BulkClient, Exporter and IndexMappings, and the test scripts its
// trouble (a node away or silent, 413, per-item statuses, one-off replies).
//
//   FakeNode node;
//   DeliverySetup setup = fast_delivery(options, node);
//   node.refuse_document("c0ffee-3", 429, 2);   // the next two creates of it
//   BulkClient client(options, reporter, setup);
//   client.send(batch);
//   CHECK(node.bulk_requests()[1].ids == std::vector<std::string>{"c0ffee-3"});
//
// Every request and every change wakes wait_until(), so tests wait for what they
// expect, not for a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "delivery_setup.h"
#include "http_transport.h"
#include "options.h"
#include "reporter.h"

namespace espcap::fake {

struct Request {
    std::string method;
    std::string path;  // from "/", query included
    std::string body;  // inflated when it came gzipped
    bool gzipped = false;
    std::size_t wire_bytes = 0;
};

struct BulkRequest {
    std::vector<std::string> ids;  // in the order of the body
    std::size_t plain_bytes = 0;
};

struct Index {
    std::set<std::string> ids;
    std::vector<std::string> order;  // ids as stored
    nlohmann::json properties = nlohmann::json::object();
    long field_limit = 1000;
};

// What the node saw and holds; read it inside wait_until() or through the accessors.
struct NodeState {
    std::vector<Request> requests;
    std::vector<BulkRequest> bulks;
    std::map<std::string, Index> indices;
    std::set<std::string> templates;  // paths of the templates put
};

class FakeNode {
public:
    FakeNode() = default;
    FakeNode(const FakeNode &) = delete;
    FakeNode &operator=(const FakeNode &) = delete;

    // For DeliverySetup::transport: each BulkClient gets its own connection to this node.
    exporter::TransportFactory transport();

    // Down: every request fails at once as a refused connection, nothing sent.
    void set_up(bool up);
    // Silent: every request waits until the node speaks again or the transport is
    // cancelled (a node that accepts connections and never answers).
    void set_silent(bool silent);
    // Silent for bulk requests alone once it has answered `bulks` of them (SIZE_MAX:
    // never): a node that goes quiet in the middle of a replay.
    void set_silent_after_bulks(std::size_t bulks);
    // A bulk body larger than this (before compression) gets 413, as a proxy says it.
    void set_max_request_bytes(std::size_t bytes);
    // Every bulk request gets this status and no items (0: answer as usual).
    void set_bulk_status(long status);
    // The next `times` creates of document `id` get `status` (429: "es_rejected_execution").
    void refuse_document(const std::string &id, long status, unsigned times);
    // The next request with this method and a path containing `path_part` gets `reply`
    // instead of its usual answer; `act_first`: the node does what was asked, then
    // answers so (a reply lost on the way back).
    void script(const std::string &method, const std::string &path_part, exporter::HttpResponse reply,
                bool act_first = false);
    // A document already indexed, by an earlier run.
    void store(const std::string &index, const std::string &id);

    // Waits until `condition(state)` holds, or `limit` passes; says which.
    bool wait_until(const std::function<bool(const NodeState &)> &condition,
                    std::chrono::milliseconds limit = std::chrono::seconds(10));

    std::vector<Request> requests(const std::string &method = "", const std::string &path_part = "") const;
    std::vector<BulkRequest> bulk_requests() const;
    std::vector<std::string> stored(const std::string &index) const;  // in the order stored
    std::size_t stored_count() const;
    nlohmann::json properties(const std::string &index) const;
    long field_limit(const std::string &index) const;

    // What a transport calls: the answer to one request, and its cancel(), which sets
    // `cancelled` (guarded by the node's lock) and ends a silent wait.
    exporter::HttpResponse answer(const exporter::HttpRequest &request, const bool &cancelled);
    void cancel(bool &cancelled);

private:
    struct Scripted {
        std::string method, path_part;
        exporter::HttpResponse reply;
        bool act_first;
    };
    exporter::HttpResponse act(const std::string &method, const std::string &path, const std::string &body);
    exporter::HttpResponse bulk(const std::string &body);

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    NodeState state_;
    bool up_ = true;
    bool silent_ = false;
    std::size_t silent_after_bulks_ = SIZE_MAX;
    std::size_t max_request_bytes_ = SIZE_MAX;
    long bulk_status_ = 0;
    std::map<std::string, std::deque<long>> refusals_;  // id -> statuses to answer next
    std::deque<Scripted> scripted_;
};

// Collects what delivery says, for the test to read.
class CapturingReporter final : public Reporter {
public:
    void warning(std::string_view text) override;
    void trace(std::string_view text) override;
    void summary(std::string_view line) override;
    std::vector<std::string> warnings() const;
    std::vector<std::string> traces() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::string> warnings_, traces_, summaries_;
};

// Options for a node on this machine (127.0.0.1:9200, never connected): plain bodies,
// no spool, no dead-letter file, unless the test sets them.
Options node_options();
// `node` as the transport, and pauses of a millisecond or two: a budget spent in
// `retry_budget`.
exporter::DeliverySetup fast_delivery(const Options &options, FakeNode &node,
                                      std::chrono::milliseconds retry_budget = std::chrono::seconds(10));

// Polls `condition` (something with no wake-up of its own, e.g. a spool folder) until it
// holds or `limit` passes.
bool eventually(const std::function<bool()> &condition, std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace espcap::fake
