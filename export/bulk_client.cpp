// SPDX-License-Identifier: GPL-2.0-or-later
#include "bulk_client.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "backoff.h"
#include "bulk_reply.h"
#include "bulk_response.h"
#include "gzip.h"
#include "missing_privilege.h"
#include "search_engine.h"
#include "server_text.h"

namespace espcap::exporter {
namespace {

// Only the statuses we need per item; keeps replies small.
constexpr const char *kBulkPath = "/_bulk?filter_path=errors,items.*.status,items.*.error";

// The body of one request: the batch as it is when every document is pending, else
// the pending documents reassembled; compressed when asked. Built again only after
// changed(): fewer documents pending, or compression switched on.
class RequestBody {
public:
    explicit RequestBody(const BulkBatch &batch) : batch_(batch) {}
    void prepare(const std::vector<std::size_t> &pending, bool compress) {
        if (ready_) return;
        subset_.clear();
        if (pending.size() != batch_.document_count())
            for (std::size_t d : pending) subset_ += batch_.document_lines(d);
        if (compress) compressed_ = gzip_compress(plain());
        ready_ = true;
    }
    void changed() { ready_ = false; }
    std::string_view plain() const { return subset_.empty() ? batch_.body() : std::string_view(subset_); }
    std::string_view wire(bool compressed) const { return compressed ? std::string_view(compressed_) : plain(); }

private:
    const BulkBatch &batch_;
    std::string subset_;
    std::string compressed_;
    bool ready_ = false;
};

}  // namespace

bool node_is_not_a_search_engine(const HttpResponse &response) {
    const long status = response.status;
    return response.reached() && status >= 400 && status < 500 && status != 401 && status != 403 && status != 408 &&
           status != 429;
}

bool node_unavailable(const HttpResponse &response) {
    return !response.reached() || response.status == 429 || response.status >= 500;
}

bool node_refuses_us(const HttpResponse &response) {
    return response.certificate_refused || response.status == 401 || response.status == 403;
}

BulkClient::BulkClient(const Options &options, Reporter &reporter)
    : BulkClient(options, reporter, DeliverySetup::from(options)) {}

BulkClient::BulkClient(const Options &options, Reporter &reporter, const DeliverySetup &setup)
    : gzip_(options.compress_requests()), may_compress_(options.gzip == Options::Compression::automatic),
      trace_(options.trace), reporter_(reporter), timing_(setup.timing), http_(setup.transport(options)),
      random_(std::random_device{}()) {
    for (const Endpoint &e : options.nodes) nodes_.push_back(NodeState{e});
}

void BulkClient::trace(const std::string &text) const {
    if (!trace_) return;
    constexpr std::size_t kMaxTraced = 64 * 1024;  // a hostile reply must not flood the terminal
    reporter_.trace(printable_for_terminal(text, kMaxTraced));
}

BulkClient::NodeState &BulkClient::pick_node() {
    // Round-robin over the nodes that are up; when all are down, the one back soonest.
    const auto now = Clock::now();
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        NodeState &node = nodes_[(next_node_ + i) % nodes_.size()];
        if (node.down_until <= now) {
            next_node_ = (next_node_ + i + 1) % nodes_.size();
            return node;
        }
    }
    return *std::min_element(nodes_.begin(), nodes_.end(),
                             [](const NodeState &a, const NodeState &b) { return a.down_until < b.down_until; });
}

void BulkClient::mark_down(NodeState &node) {
    const auto pause = timing_.node_down_base * (1u << std::min(node.failures, 5u));
    node.down_until = Clock::now() + std::min(pause, timing_.node_down_cap);
    ++node.failures;
}

void BulkClient::mark_up(NodeState &node) {
    node.failures = 0;
    node.down_until = {};
}

ProbeResult BulkClient::probe() {
    ProbeResult result;
    std::string problems;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        NodeState &node = pick_node();
        const HttpResponse response =
            ask_search_engine([&](const std::string &path) { return http_->send({"GET", node.endpoint.url() + path}); })
                .reply;
        if (response.reached() && response.status == 200) {
            mark_up(node);
            return result;
        }
        const bool not_a_node = node_is_not_a_search_engine(response);
        if (node_refuses_us(response) || not_a_node) result.refused = true;
        if (!response.reached()) mark_down(node);
        if (!problems.empty()) problems += "; ";
        problems += node.endpoint.url() + ": " +
                    (response.reached() ? describe_http_failure(response.status, response.status == 403 ? response.body : "")
                                        : response.transport_error);
        if (not_a_node) problems += " (not an Elasticsearch or OpenSearch node, or a wrong path prefix)";
    }
    result.error = (result.refused ? "cannot use Elasticsearch (" : "cannot reach Elasticsearch (") + problems + ")";
    return result;
}

HttpResponse BulkClient::call(const std::string &method, const std::string &path, const std::string &body) {
    NodeState &node = pick_node();
    const std::string url = node.endpoint.url() + path;
    HttpResponse response = method == "PUT"      ? http_->send({"PUT", url, body, "application/json"})
                            : method == "DELETE" ? http_->send({"DELETE", url, body, "application/json"})
                                                 : http_->send({"GET", url});
    if (!response.reached()) mark_down(node);
    return response;
}

// Cuts `docs` into runs whose request body fits the size the server accepts.
std::vector<std::vector<std::size_t>> BulkClient::split_to_fit(const BulkBatch &batch,
                                                              std::vector<std::size_t> docs) const {
    std::vector<std::vector<std::size_t>> parts;
    if (max_request_bytes_ == SIZE_MAX) {
        parts.push_back(std::move(docs));
        return parts;
    }
    std::vector<std::size_t> current;
    std::size_t current_bytes = 0;
    for (std::size_t d : docs) {
        const std::size_t size = batch.document_lines(d).size();
        if (!current.empty() && current_bytes + size > max_request_bytes_) {
            parts.push_back(std::move(current));
            current.clear();
            current_bytes = 0;
        }
        current.push_back(d);
        current_bytes += size;
    }
    if (!current.empty()) parts.push_back(std::move(current));
    return parts;
}

BulkOutcome BulkClient::send(const BulkBatch &batch) {
    BulkOutcome outcome;
    std::vector<std::vector<std::size_t>> work = split_to_fit(batch, batch.every_document());
    std::reverse(work.begin(), work.end());  // a stack: the back is sent next
    while (!work.empty()) {
        std::vector<std::size_t> part = std::move(work.back());
        work.pop_back();
        send_part(batch, std::move(part), outcome, work);
    }
    return outcome;
}

void BulkClient::send_part(const BulkBatch &batch, std::vector<std::size_t> pending, BulkOutcome &outcome,
                           std::vector<std::vector<std::size_t>> &work) {
    RequestBody body(batch);
    std::string last_transient_error;
    // Set once a try may have reached Elasticsearch while its reply did not reach us
    // (ReplyVerdict::maybe_stored). A 409 on a later try then most likely answers that
    // try, not an earlier run: the document is counted as indexed. One flag is enough:
    // what is pending later is always part of what was pending then.
    bool maybe_stored = false;
    bool resend_at_once = false;  // the body changed, not the node's state: no back-off
    // Transient trouble (a node restarting, a full write queue) is retried until the
    // retry budget is spent, counted from the first failure of this request.
    const auto deadline = Clock::now() + timing_.retry_budget;

    for (unsigned attempt = 0; !pending.empty(); ++attempt) {
        if (attempt > 0 && !resend_at_once) {
            if (Clock::now() >= deadline || cancelled_) break;
            outcome.retried += pending.size();
            std::this_thread::sleep_for(backoff_full_jitter(timing_.backoff_base, timing_.backoff_cap, attempt, random_));
        }
        resend_at_once = false;
        body.prepare(pending, gzip_);
        const std::string_view wire = body.wire(gzip_);
        NodeState &node = pick_node();
        const std::string url = node.endpoint.url();
        const HttpResponse response =
            http_->send({"POST", url + kBulkPath, wire, "application/x-ndjson", gzip_ ? "gzip" : nullptr});
        const ReplyVerdict verdict =
            classify(response, {url, pending.size(), body.plain().size(), wire.size(), gzip_, may_compress_});
        note_reply(node, response, verdict, wire.size(), outcome);
        maybe_stored = maybe_stored || verdict.maybe_stored;

        switch (verdict.action) {
        case ReplyAction::retry:
            last_transient_error = verdict.reason;
            break;
        case ReplyAction::compress:
            trace("request of " + std::to_string(body.plain().size()) + " bytes too large: compressing from now on");
            gzip_ = true;
            body.changed();
            resend_at_once = true;
            break;
        case ReplyAction::split:
            split_again(batch, std::move(pending), body.plain().size(), work);
            return;
        case ReplyAction::reject: {
            const std::string missing = response.status == 403 ? missing_privilege(response.body) : "";
            for (std::size_t d : pending)
                outcome.rejected.push_back(Rejection{d, response.status, verdict.reason, false, missing});
            return;
        }
        case ReplyAction::done: {
            std::vector<std::size_t> again = take_item_results(verdict.items, pending, maybe_stored, outcome,
                                                              last_transient_error);
            if (again.size() != pending.size()) body.changed();
            pending = std::move(again);
            break;
        }
        }
    }
    const std::string gave_up =
        "gave up after retrying for " + describe_duration(timing_.retry_budget) + ": " + last_transient_error;
    for (std::size_t d : pending) outcome.rejected.push_back(Rejection{d, 0, gave_up, true});
}

// Traces what went wrong, and notes whether the node answered and what it was sent.
void BulkClient::note_reply(NodeState &node, const HttpResponse &response, const ReplyVerdict &verdict,
                            std::size_t wire_bytes, BulkOutcome &outcome) {
    const std::string where = "POST " + node.endpoint.url() + "/_bulk: ";
    if (!response.reached()) {
        mark_down(node);
        trace(where + response.transport_error);
        return;
    }
    if (response.status != 200) trace(where + "HTTP " + std::to_string(response.status) + ": " + response.body);
    mark_up(node);
    outcome.bytes_sent += wire_bytes;
    if (response.status == 200 && verdict.action == ReplyAction::retry) trace(where + "unconfirmed reply: " + response.body);
}

// A 413 for several documents: halves what we send from now on, and puts this part
// back on the work stack in pieces, in order.
void BulkClient::split_again(const BulkBatch &batch, std::vector<std::size_t> pending, std::size_t plain_bytes,
                             std::vector<std::vector<std::size_t>> &work) {
    max_request_bytes_ = std::max<std::size_t>(1, std::min(max_request_bytes_, plain_bytes) / 2);
    auto pieces = split_to_fit(batch, std::move(pending));
    if (pieces.size() == 1) {  // one document over the limit alone: split by count
        auto &only = pieces.front();
        std::vector<std::size_t> second(only.begin() + static_cast<long>(only.size() / 2), only.end());
        only.resize(only.size() / 2);
        pieces.push_back(std::move(second));
    }
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) work.push_back(std::move(*it));
}

// Counts each item of a confirmed reply; returns the documents to send again (a
// transient status).
std::vector<std::size_t> BulkClient::take_item_results(const BulkResponse &reply,
                                                       const std::vector<std::size_t> &pending, bool maybe_stored,
                                                       BulkOutcome &outcome, std::string &last_transient_error) {
    std::vector<std::size_t> again;
    for (std::size_t k = 0; k < reply.items.size(); ++k) {
        const BulkItemResult &item = reply.items[k];
        if (item.succeeded()) {
            ++outcome.indexed;
        } else if (item.status == 409) {
            // Indexed by the try whose reply was lost, or else by an earlier run: either
            // way the goal is met.
            ++(maybe_stored ? outcome.indexed : outcome.duplicates);
        } else if (is_transient(item.status)) {
            again.push_back(pending[k]);
            last_transient_error = "HTTP " + std::to_string(item.status) + ": " + item.error;
            trace("item " + std::to_string(pending[k]) + ": HTTP " + std::to_string(item.status) + ": " + item.error +
                  " (will retry)");
        } else {
            outcome.rejected.push_back(Rejection{pending[k], item.status, item.error, false, item.missing_privilege});
        }
    }
    return again;
}

}  // namespace espcap::exporter
