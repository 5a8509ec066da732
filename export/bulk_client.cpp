#include "bulk_client.h"

#include <thread>

#include "backoff.h"
#include "bulk_response.h"
#include "gzip.h"

namespace espcap::exporter {
namespace {

constexpr unsigned kMaxAttempts = 6;
constexpr std::chrono::milliseconds kBackoffBase{250};
constexpr std::chrono::milliseconds kBackoffCap{8000};
// Only the statuses we need per item; keeps replies small.
constexpr const char *kBulkPath = "/_bulk?filter_path=errors,items.*.status,items.*.error";

bool is_transient(long status) { return status == 429 || status == 502 || status == 503 || status == 504; }

std::string excerpt(const std::string &body) {
    constexpr std::size_t kMax = 300;
    return body.size() <= kMax ? body : body.substr(0, kMax) + "...";
}

}  // namespace

BulkClient::BulkClient(std::vector<Endpoint> nodes, long timeout_seconds, bool gzip)
    : nodes_(std::move(nodes)), gzip_(gzip), http_(timeout_seconds), random_(std::random_device{}()) {}

const Endpoint &BulkClient::next_node() {
    const Endpoint &node = nodes_[next_node_];
    next_node_ = (next_node_ + 1) % nodes_.size();
    return node;
}

std::string BulkClient::probe() {
    std::string problems;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        const Endpoint &node = next_node();
        const HttpResponse response = http_.get(node.url() + "/");
        if (response.reached() && response.status == 200) return "";
        if (!problems.empty()) problems += "; ";
        problems += node.url() + ": " +
                    (response.reached() ? "HTTP " + std::to_string(response.status) : response.transport_error);
    }
    return "cannot reach Elasticsearch (" + problems + ")";
}

std::string BulkClient::install_template(const std::string &name, const std::string &body) {
    const Endpoint &node = next_node();
    const HttpResponse response = http_.put(node.url() + "/_index_template/" + name, body, "application/json");
    if (!response.reached()) return "cannot install index template '" + name + "': " + response.transport_error;
    if (response.status != 200)
        return "cannot install index template '" + name + "': HTTP " + std::to_string(response.status) + ": " +
               excerpt(response.body);
    return "";
}

BulkOutcome BulkClient::send(const BulkBatch &batch) {
    BulkOutcome outcome;
    auto fail_all = [&](std::size_t count, const std::string &error) {
        outcome.failed += count;
        if (outcome.first_error.empty()) outcome.first_error = error;
    };

    std::vector<std::size_t> pending(batch.document_count());
    for (std::size_t i = 0; i < pending.size(); ++i) pending[i] = i;
    std::string retry_body;
    const std::string *body = &batch.body();
    std::string compressed;
    const std::string *compressed_of = nullptr;  // which body `compressed` holds
    std::string last_transient_error;

    for (unsigned attempt = 0; attempt < kMaxAttempts && !pending.empty(); ++attempt) {
        if (attempt > 0) {
            outcome.retried += pending.size();
            std::this_thread::sleep_for(backoff_full_jitter(kBackoffBase, kBackoffCap, attempt, random_));
        }
        if (gzip_ && compressed_of != body) {
            compressed = gzip_compress(*body);
            compressed_of = body;
        }
        const std::string &wire = gzip_ ? compressed : *body;
        const Endpoint &node = next_node();
        const HttpResponse response =
            http_.post(node.url() + kBulkPath, wire, "application/x-ndjson", gzip_ ? "gzip" : nullptr);
        if (!response.reached()) {
            last_transient_error = node.url() + ": " + response.transport_error;
            continue;
        }
        outcome.bytes_sent += wire.size();
        if (is_transient(response.status)) {
            last_transient_error = node.url() + ": HTTP " + std::to_string(response.status);
            continue;
        }
        if (response.status != 200) {
            fail_all(pending.size(), node.url() + ": HTTP " + std::to_string(response.status) + ": " +
                                         excerpt(response.body));
            return outcome;
        }
        const BulkResponse reply = parse_bulk_response(response.body);
        if (!reply.parsed || reply.items.size() != pending.size()) {
            fail_all(pending.size(), node.url() + ": unexpected bulk reply (" +
                                         (reply.parsed ? "item count differs" : reply.problem) + ")");
            return outcome;
        }

        std::vector<std::size_t> again;
        for (std::size_t k = 0; k < reply.items.size(); ++k) {
            const BulkItemResult &item = reply.items[k];
            if (item.succeeded()) {
                ++outcome.indexed;
            } else if (item.status == 409) {
                ++outcome.duplicates;  // indexed by an earlier run: the goal is met
            } else if (is_transient(item.status)) {
                again.push_back(pending[k]);
                last_transient_error = "HTTP " + std::to_string(item.status) + ": " + item.error;
            } else {
                fail_all(1, "HTTP " + std::to_string(item.status) + ": " + item.error);
            }
        }
        if (again.size() != pending.size()) {  // rebuild only when the set changed
            retry_body.clear();
            for (std::size_t index : again) retry_body += batch.document_lines(index);
            body = &retry_body;
            compressed_of = nullptr;
        }
        pending = std::move(again);
    }
    if (!pending.empty()) fail_all(pending.size(), "gave up after " + std::to_string(kMaxAttempts) +
                                                       " attempts: " + last_transient_error);
    return outcome;
}

}  // namespace espcap::exporter
