// One _bulk request body under construction: NDJSON action + document line pairs.
//
//   batch.begin_document("packets-2015-07-30");
//   serializer.write(batch.buffer());
//   batch.end_document();
//
// Documents are written straight into the body, so nothing is copied on the way out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace espcap::exporter {

class BulkBatch {
public:
    void begin_document(std::string_view index_name);
    std::string &buffer() { return body_; }
    void end_document();

    std::size_t document_count() const { return document_starts_.size(); }
    std::size_t byte_size() const { return body_.size(); }
    bool empty() const { return document_starts_.empty(); }
    const std::string &body() const { return body_; }

    // The action + document lines of document `i`, newline included.
    std::string_view document_lines(std::size_t i) const;

    void clear();  // keeps the allocation for reuse

private:
    std::string body_;
    std::vector<std::size_t> document_starts_;
};

}  // namespace espcap::exporter
