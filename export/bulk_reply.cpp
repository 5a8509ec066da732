// SPDX-License-Identifier: GPL-2.0-or-later
#include "bulk_reply.h"

#include "missing_privilege.h"
#include "server_text.h"

namespace espcap::exporter {

bool is_transient(long status) { return status == 429 || status == 502 || status == 503 || status == 504; }

std::string describe_http_failure(long status, const std::string &body) {
    std::string text = "HTTP " + std::to_string(status);
    if (status == 401) text += " (authentication failed: check user/password or api_key)";
    if (status == 403) {
        // Elasticsearch's own reply names the privilege: that line says all.
        if (const std::string missing = missing_privilege(body); !missing.empty())
            return text + " (forbidden: " + server_excerpt(missing) + ")";
        text += " (forbidden: the credentials lack a privilege this needs)";
    }
    if (status == 413) text += " (request too large for the server)";
    if (!body.empty()) text += ": " + server_excerpt(body);
    return text;
}

ReplyVerdict classify(const HttpResponse &response, const BulkRequestShape &request) {
    const std::string node(request.node);
    ReplyVerdict verdict;
    if (!response.reached()) {
        verdict.action = ReplyAction::retry;
        verdict.maybe_stored = response.request_sent;
        verdict.reason = node + ": " + response.transport_error;
        return verdict;
    }
    if (response.status == 413) {
        if (!request.compressed && request.may_compress) {
            // A proxy's body limit, met by a plain body because the node looked local:
            // compressed, the same request most likely fits.
            verdict.action = ReplyAction::compress;
        } else if (request.documents > 1) {
            verdict.action = ReplyAction::split;
        } else {
            std::string size = std::to_string(request.plain_bytes) + " bytes";
            if (request.compressed) size += " (" + std::to_string(request.wire_bytes) + " compressed)";
            verdict.action = ReplyAction::reject;
            verdict.reason = describe_http_failure(413, "") + ": one document of " + size;
        }
        return verdict;
    }
    if (is_transient(response.status)) {
        // A gateway answers 502 and 504 when Elasticsearch went silent or away, maybe
        // after it took the request.
        verdict.action = ReplyAction::retry;
        verdict.maybe_stored = response.status == 502 || response.status == 504;
        verdict.reason = node + ": HTTP " + std::to_string(response.status);
        return verdict;
    }
    if (response.status != 200) {
        verdict.action = ReplyAction::reject;
        verdict.reason = node + ": " + describe_http_failure(response.status, response.body);
        return verdict;
    }
    verdict.items = parse_bulk_response(response.body);
    if (!verdict.items.parsed || verdict.items.items.size() != request.documents) {
        // Unconfirmed: nothing of this request may be counted as indexed.
        verdict.action = ReplyAction::retry;
        verdict.maybe_stored = true;
        verdict.reason = node + ": unexpected bulk reply (" +
                         (verdict.items.parsed ? std::string("item count differs") : verdict.items.problem) + ")";
        verdict.items = {};
        return verdict;
    }
    verdict.action = ReplyAction::done;
    return verdict;
}

}  // namespace espcap::exporter
