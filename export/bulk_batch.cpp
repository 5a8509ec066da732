#include "bulk_batch.h"

namespace espcap::exporter {

void BulkBatch::begin_document(std::string_view index_name) {
    document_starts_.push_back(body_.size());
    // Index names are validated when options are parsed, so they need no escaping.
    body_ += R"({"index":{"_index":")";
    body_ += index_name;
    body_ += "\"}}\n";
}

void BulkBatch::end_document() { body_ += '\n'; }

std::string_view BulkBatch::document_lines(std::size_t i) const {
    const std::size_t start = document_starts_[i];
    const std::size_t end = i + 1 < document_starts_.size() ? document_starts_[i + 1] : body_.size();
    return std::string_view(body_).substr(start, end - start);
}

void BulkBatch::clear() {
    body_.clear();
    document_starts_.clear();
}

}  // namespace espcap::exporter
