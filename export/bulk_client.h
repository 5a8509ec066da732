// Sends bulk batches to Elasticsearch or OpenSearch over HTTP and accounts for every
// document: each one ends up indexed or failed, never lost. Items that fail with a
// transient status are re-sent alone; items that succeeded are never sent again.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bulk_batch.h"
#include "http_client.h"
#include "options.h"

namespace espcap::exporter {

struct BulkOutcome {
    std::uint64_t indexed = 0;
    std::uint64_t failed = 0;
    std::uint64_t duplicates = 0;  // already in the index (409 on create)
    std::uint64_t retried = 0;  // document sends beyond the first
    std::uint64_t bytes_sent = 0;
    std::string first_error;
};

class BulkClient {
public:
    BulkClient(std::vector<Endpoint> nodes, long timeout_seconds, bool gzip);

    // Empty when a node answers; otherwise why none did.
    std::string probe();

    // Installs (or replaces) a composable index template. Empty on success.
    std::string install_template(const std::string &name, const std::string &body);

    BulkOutcome send(const BulkBatch &batch);

private:
    const Endpoint &next_node();

    std::vector<Endpoint> nodes_;
    std::size_t next_node_ = 0;
    bool gzip_;
    HttpClient http_;
    std::mt19937 random_;
};

}  // namespace espcap::exporter
