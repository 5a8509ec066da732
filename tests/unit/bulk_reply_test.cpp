// SPDX-License-Identifier: GPL-2.0-or-later
// classify(): each reply a node or a proxy may give to one try of a bulk request, and
// what the sender does next. No server: the replies are data.
#include <catch2/catch.hpp>

#include <string>
#include <tuple>

#include "bulk_reply.h"

using espcap::exporter::BulkRequestShape;
using espcap::exporter::classify;
using espcap::exporter::HttpResponse;
using espcap::exporter::ReplyAction;
using Catch::Contains;

namespace {

constexpr const char *kNode = "http://127.0.0.1:9200";
constexpr const char *kTwoCreated = R"({"errors":false,"items":[{"create":{"status":201}},{"create":{"status":201}}]})";
constexpr const char *kOneRefusedOneBusy =
    R"({"errors":true,"items":[{"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"x"}}},)"
    R"({"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]})";

HttpResponse reply(long status, std::string body = "") {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

HttpResponse no_reply(bool request_sent) {
    HttpResponse response;
    response.transport_error = "Operation timed out";
    response.request_sent = request_sent;
    return response;
}

// Two documents, 400 bytes plain, 90 compressed.
BulkRequestShape request(std::size_t documents = 2, bool compressed = false, bool may_compress = false) {
    return BulkRequestShape{kNode, documents, 400, 90, compressed, may_compress};
}

}  // namespace

TEST_CASE("Each reply to a bulk request says what the sender does next", "[export][bulk][classify]") {
    // clang-format off
    auto [label, response, shape, action, maybe_stored, reason] =
        GENERATE(table<std::string, HttpResponse, BulkRequestShape, ReplyAction, bool, std::string>({
        {"every item answered",                      reply(200, kTwoCreated),       request(),              ReplyAction::done,     false, ""},
        {"items refused and busy: the sender reads them", reply(200, kOneRefusedOneBusy), request(),      ReplyAction::done,     false, ""},
        {"no reply, the request never left",         no_reply(false),               request(),              ReplyAction::retry,    false, "Operation timed out"},
        {"no reply after the request left",          no_reply(true),                request(),              ReplyAction::retry,    true,  "Operation timed out"},
        {"429: the node is busy",                    reply(429),                    request(),              ReplyAction::retry,    false, "HTTP 429"},
        {"503: the node is not ready",               reply(503),                    request(),              ReplyAction::retry,    false, "HTTP 503"},
        {"502 from a gateway: it may have passed it on", reply(502),                request(),              ReplyAction::retry,    true,  "HTTP 502"},
        {"504 from a gateway: it may have passed it on", reply(504),                request(),              ReplyAction::retry,    true,  "HTTP 504"},
        {"200 that is no bulk reply",                reply(200, "<html>ok</html>"), request(),              ReplyAction::retry,    true,  "unexpected bulk reply"},
        {"200 with fewer items than documents",      reply(200, kTwoCreated),       request(3),             ReplyAction::retry,    true,  "item count differs"},
        {"413 for a plain body, gzip=auto",          reply(413),                    request(2, false, true), ReplyAction::compress, false, ""},
        {"413 for a plain body, gzip=false",         reply(413),                    request(2, false, false), ReplyAction::split,  false, ""},
        {"413 for a compressed body",                reply(413),                    request(2, true, true), ReplyAction::split,    false, ""},
        {"413 for one compressed document",          reply(413),                    request(1, true, true), ReplyAction::reject,   false, "one document of 400 bytes (90 compressed)"},
        {"413 for one plain document, gzip=false",   reply(413),                    request(1),             ReplyAction::reject,   false, "one document of 400 bytes"},
        {"401: the credentials are wrong",           reply(401, "denied"),          request(),              ReplyAction::reject,   false, "authentication failed"},
        {"403: the credentials lack privileges",     reply(403),                    request(),              ReplyAction::reject,   false, "forbidden"},
        {"400: a request the node will not read",    reply(400, "bad"),             request(),              ReplyAction::reject,   false, "HTTP 400: bad"},
        {"500: a failure that will not pass",        reply(500),                    request(),              ReplyAction::reject,   false, "HTTP 500"},
        {"201 is not the bulk answer we asked for",  reply(201, kTwoCreated),       request(),              ReplyAction::reject,   false, "HTTP 201"},
    }));
    // clang-format on
    CAPTURE(label);
    const auto verdict = classify(response, shape);
    CHECK(verdict.action == action);
    CHECK(verdict.maybe_stored == maybe_stored);
    CHECK_THAT(verdict.reason, Contains(reason));
    if (action == ReplyAction::done) {
        CHECK(verdict.items.items.size() == shape.documents);
    } else {
        CHECK(verdict.items.items.empty());  // nothing of an unconfirmed reply may be counted
    }
    if (action == ReplyAction::retry || (action == ReplyAction::reject && response.status != 413))
        CHECK_THAT(verdict.reason, Contains(kNode));  // which node said it
}

TEST_CASE("Only 429, 502, 503 and 504 are worth another try", "[export][bulk][classify]") {
    auto [status, transient] = GENERATE(table<long, bool>({
        {429, true}, {502, true}, {503, true}, {504, true},
        {200, false}, {400, false}, {404, false}, {409, false}, {413, false}, {500, false},
    }));
    CAPTURE(status);
    CHECK(espcap::exporter::is_transient(status) == transient);
}
