#include "bulk_batch.h"

namespace espcap::exporter {

void BulkBatch::begin_document(std::string_view index_name, std::string_view id) {
    document_starts_.push_back(body_.size());
    body_ += R"({"create":{"_index":")";
    body_ += index_name;
    body_ += R"(","_id":")";
    body_ += id;
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
