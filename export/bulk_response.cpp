// SPDX-License-Identifier: GPL-2.0-or-later
#include "bulk_response.h"

#include <nlohmann/json.hpp>

#include "bounded_json.h"
#include "missing_privilege.h"
#include "server_text.h"

namespace espcap::exporter {
namespace {

// A bulk reply is {"items":[{"create":{"error":{"caused_by":{...}}}}]}: a few levels,
// plus a short chain of causes. Anything deeper is refused while parsing, before the
// recursive parts of nlohmann::json (and describe_error) could overflow the stack on a
// hostile reply of a million nested brackets.
constexpr int kMaxReplyDepth = 64;
// An item's error goes to the summary and the dead-letter file; a reason quoting a
// whole document says what it needs to in far less.
constexpr std::size_t kMaxItemErrorBytes = 4096;

std::string describe_error(const nlohmann::json &error) {
    if (error.is_string()) return error.get<std::string>();
    if (!error.is_object()) return error.dump();
    std::string text;
    if (auto type = error.find("type"); type != error.end() && type->is_string()) text = type->get<std::string>();
    if (auto reason = error.find("reason"); reason != error.end() && reason->is_string()) {
        if (!text.empty()) text += ": ";
        text += reason->get<std::string>();
    }
    if (auto cause = error.find("caused_by"); cause != error.end() && cause->is_object()) {
        text += " (caused by " + describe_error(*cause) + ")";
    }
    return text.empty() ? error.dump() : text;
}

}  // namespace

BulkResponse parse_bulk_response(std::string_view body) {
    BulkResponse response;
    nlohmann::json reply;
    std::string problem;
    if (!parse_bounded_json(body, kMaxReplyDepth, reply, problem)) {
        response.problem = "the reply is " + problem;
        return response;
    }
    if (!reply.is_object()) {
        response.problem = "the reply is not a JSON object";
        return response;
    }
    const auto items = reply.find("items");
    if (items == reply.end() || !items->is_array()) {
        response.problem = "the reply has no items";
        return response;
    }
    response.items.reserve(items->size());
    for (const nlohmann::json &item : *items) {
        // Each item is {"<action>": {"status": N, "error": {...}}}.
        if (!item.is_object() || item.size() != 1 || !item.begin()->is_object()) {
            response.problem = "an item of the reply is malformed";
            return response;
        }
        const nlohmann::json &result = *item.begin();
        BulkItemResult parsed;
        if (auto status = result.find("status"); status != result.end() && status->is_number_integer())
            parsed.status = status->get<int>();
        if (auto error = result.find("error"); error != result.end()) parsed.error = printable_for_terminal(describe_error(*error), kMaxItemErrorBytes);
        // A refusal by the node's security: the privilege to add first, then its words.
        if (parsed.status == 403) parsed.missing_privilege = missing_privilege(parsed.error);
        if (!parsed.missing_privilege.empty()) parsed.error = parsed.missing_privilege + "; " + parsed.error;
        if (parsed.status == 0) {
            response.problem = "an item of the reply has no status";
            return response;
        }
        response.items.push_back(std::move(parsed));
    }
    response.parsed = true;
    return response;
}

}  // namespace espcap::exporter
