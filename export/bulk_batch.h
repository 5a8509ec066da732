// SPDX-License-Identifier: GPL-2.0-or-later
// One _bulk request body under construction: NDJSON action + document line pairs.
//
//   batch.begin_document("packets-2015-07-30", "3f2a...-17");
//   serializer.write(batch.buffer());
//   batch.end_document();
//
// Documents are written straight into the body (the serializer's own buffer type), so
// nothing is copied on the way out.
// Each goes in with op_type "create" and a deterministic id: a packet indexed twice
// is refused with 409 the second time instead of being stored twice. A document given a
// version (a flow record updated while its flow goes on) goes in with op_type "index"
// and that external version: it replaces an older version of itself, and a version not
// newer than the stored one is refused with 409, so the newest wins in any order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json_buffer.h"

namespace espcap::exporter {

// The action line of a document, newline included, as espcap writes it: the one
// place that says so, for batches and for what a replay accepts (replay_policy.h).
// `Out` is a JsonBuffer or a std::string.
template <typename Out>
void append_action_line(Out &out, std::string_view index_name, std::string_view id, std::uint64_t version) {
    out += version == 0 ? R"({"create":{"_index":")" : R"({"index":{"_index":")";
    out += index_name;
    out += R"(","_id":")";
    out += id;
    if (version == 0) {
        out += "\"}}\n";
        return;
    }
    out += R"(","version":)";
    out += std::to_string(version);
    out += R"(,"version_type":"external"}})";
    out += '\n';
}

class BulkBatch {
public:
    // `index_name` and `id` must not need JSON escaping (both are made by espcap).
    void begin_document(std::string_view index_name, std::string_view id, std::uint64_t version = 0);
    JsonBuffer &buffer() { return body_; }
    void end_document();
    // Drops the document begun last and not ended (its writer threw): no half document
    // may reach a request.
    void abandon_document();

    std::size_t document_count() const { return document_starts_.size(); }
    std::size_t byte_size() const { return body_.size(); }
    bool empty() const { return document_starts_.empty(); }
    std::string_view body() const { return body_.view(); }
    // 0, 1, ... document_count() - 1: the whole batch, where a subset of it is asked for.
    std::vector<std::size_t> every_document() const;

    // The action + document lines of document `i`, newline included.
    std::string_view document_lines(std::size_t i) const;

    void clear();  // keeps the allocation for reuse

    // Takes a body written earlier (a spool file): pairs of action and document
    // lines. False when it is not such pairs.
    bool assign_body(std::string_view body);

private:
    JsonBuffer body_;
    std::vector<std::size_t> document_starts_;
};

}  // namespace espcap::exporter
