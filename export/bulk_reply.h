// SPDX-License-Identifier: GPL-2.0-or-later
// What one try of a bulk request tells its sender to do next. Pure: it reads the reply
// and what was sent, and neither sends nor remembers, so every reply a node or a proxy
// may give is checked as a table (tests/unit/bulk_reply_test.cpp).
//
//   const ReplyVerdict verdict = classify(response, {node, documents, plain, wire, gzip, auto});
//   switch (verdict.action) { case ReplyAction::done: ...verdict.items...; ... }
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "bulk_response.h"
#include "http_transport.h"

namespace espcap::exporter {

enum class ReplyAction {
    done,      // the node answered item by item: `items` holds each document's outcome
    split,     // 413 for several documents: send them again in smaller requests
    compress,  // 413 for a plain body that may go compressed: send it again compressed
    retry,     // no reply, a transient status, an unconfirmed reply: the same request later
    reject,    // a status that will not change: every document of the request fails
};

// What went out on this try.
struct BulkRequestShape {
    std::string_view node;  // its URL, for the messages
    std::size_t documents = 0;
    std::size_t plain_bytes = 0;
    std::size_t wire_bytes = 0;  // as sent: compressed or plain
    bool compressed = false;
    bool may_compress = false;  // gzip=auto: a plain body refused with 413 may go compressed
};

struct ReplyVerdict {
    ReplyAction action = ReplyAction::retry;
    // retry: what went wrong this time; reject: why every document fails.
    std::string reason;
    // The node may have stored documents of this try although no confirmation reached
    // us (a lost reply, a gateway's 502 or 504, a reply cut short): a 409 on a later try
    // of the same request then answers this one.
    bool maybe_stored = false;
    BulkResponse items;  // done: one result per document, in the request's order
};

ReplyVerdict classify(const HttpResponse &response, const BulkRequestShape &request);

// 429, 502, 503, 504, for a request or an item: the same may pass later.
bool is_transient(long status);

// What the user should read for an HTTP status that ends a request.
std::string describe_http_failure(long status, const std::string &body);

}  // namespace espcap::exporter
