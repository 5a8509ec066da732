// SPDX-License-Identifier: GPL-2.0-or-later
#include "bulk_batch.h"

namespace espcap::exporter {

void BulkBatch::begin_document(std::string_view index_name, std::string_view id, std::uint64_t version) {
    document_starts_.push_back(body_.size());
    append_action_line(body_, index_name, id, version);
}

void BulkBatch::end_document() { body_ += '\n'; }

void BulkBatch::abandon_document() {
    if (document_starts_.empty()) return;
    body_.truncate(document_starts_.back());
    document_starts_.pop_back();
}

std::vector<std::size_t> BulkBatch::every_document() const {
    std::vector<std::size_t> all(document_count());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
}

std::string_view BulkBatch::document_lines(std::size_t i) const {
    const std::size_t start = document_starts_[i];
    const std::size_t end = i + 1 < document_starts_.size() ? document_starts_[i + 1] : body_.size();
    return body_.view().substr(start, end - start);
}

void BulkBatch::clear() {
    body_.clear();
    document_starts_.clear();
}

bool BulkBatch::assign_body(std::string_view body) {
    clear();
    body_ += body;
    std::size_t line_start = 0;
    bool action_line = true;
    while (line_start < body.size()) {
        const std::size_t newline = body.find('\n', line_start);
        if (newline == std::string::npos) break;
        if (action_line) document_starts_.push_back(line_start);
        action_line = !action_line;
        line_start = newline + 1;
    }
    if (line_start != body_.size() || !action_line) {
        clear();
        return false;
    }
    return true;
}

}  // namespace espcap::exporter
