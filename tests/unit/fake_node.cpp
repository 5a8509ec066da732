// SPDX-License-Identifier: GPL-2.0-or-later
#include "fake_node.h"

#include <thread>

#include "gzip.h"

namespace espcap::fake {
namespace {

using nlohmann::json;
using exporter::HttpResponse;

HttpResponse reply(long status, const json &body) {
    HttpResponse response;
    response.status = status;
    response.body = body.dump();
    response.request_sent = true;
    return response;
}

HttpResponse error_reply(long status, const std::string &type, const std::string &reason) {
    return reply(status, json{{"error", {{"type", type}, {"reason", reason}}}, {"status", status}});
}

// As the engines count towards index.mapping.total_fields.limit (and as
// field_mappings.cpp reads them).
std::size_t count_fields(const json &properties) {
    std::size_t count = 0;
    for (const auto &[name, field] : properties.items()) {
        ++count;
        if (field.contains("properties")) count += count_fields(field["properties"]);
        if (field.contains("fields")) count += field["fields"].size();
    }
    return count;
}

void merge_properties(json &into, const json &from) {
    for (const auto &[name, field] : from.items()) {
        if (!into.contains(name)) {
            into[name] = field;
        } else if (into[name].contains("properties") && field.contains("properties")) {
            merge_properties(into[name]["properties"], field["properties"]);
        }
    }
}

std::vector<std::string> split_path(const std::string &path) {
    std::vector<std::string> parts;
    std::size_t start = 1;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string::npos ? path.size() : slash;
        if (end > start) parts.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

class FakeTransport final : public exporter::HttpTransport {
public:
    explicit FakeTransport(FakeNode &node) : node_(node) {}
    HttpResponse send(const exporter::HttpRequest &request) override { return node_.answer(request, cancelled_); }
    void cancel() override { node_.cancel(cancelled_); }

private:
    FakeNode &node_;
    bool cancelled_ = false;  // guarded by the node's lock
};

}  // namespace

exporter::TransportFactory FakeNode::transport() {
    return [this](const Options &) -> std::unique_ptr<exporter::HttpTransport> {
        return std::make_unique<FakeTransport>(*this);
    };
}

void FakeNode::set_up(bool up) {
    std::lock_guard<std::mutex> lock(mutex_);
    up_ = up;
    changed_.notify_all();
}

void FakeNode::set_silent_after_bulks(std::size_t bulks) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        silent_after_bulks_ = bulks;
    }
    changed_.notify_all();
}

void FakeNode::set_silent(bool silent) {
    std::lock_guard<std::mutex> lock(mutex_);
    silent_ = silent;
    changed_.notify_all();
}

void FakeNode::set_max_request_bytes(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    max_request_bytes_ = bytes;
}

void FakeNode::set_bulk_status(long status) {
    std::lock_guard<std::mutex> lock(mutex_);
    bulk_status_ = status;
}

void FakeNode::refuse_document(const std::string &id, long status, unsigned times) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (unsigned i = 0; i < times; ++i) refusals_[id].push_back(status);
}

void FakeNode::script(const std::string &method, const std::string &path_part, HttpResponse reply, bool act_first) {
    std::lock_guard<std::mutex> lock(mutex_);
    scripted_.push_back(Scripted{method, path_part, std::move(reply), act_first});
}

void FakeNode::store(const std::string &index, const std::string &id) {
    std::lock_guard<std::mutex> lock(mutex_);
    Index &stored = state_.indices[index];
    if (stored.ids.insert(id).second) stored.order.push_back(id);
}

bool FakeNode::wait_until(const std::function<bool(const NodeState &)> &condition, std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return condition(state_); });
}

std::vector<Request> FakeNode::requests(const std::string &method, const std::string &path_part) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Request> found;
    for (const Request &request : state_.requests)
        if ((method.empty() || request.method == method) && request.path.find(path_part) != std::string::npos)
            found.push_back(request);
    return found;
}

std::vector<BulkRequest> FakeNode::bulk_requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return state_.bulks;
}

std::vector<std::string> FakeNode::stored(const std::string &index) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = state_.indices.find(index);
    return found == state_.indices.end() ? std::vector<std::string>{} : found->second.order;
}

std::size_t FakeNode::stored_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t count = 0;
    for (const auto &[name, index] : state_.indices) count += index.ids.size();
    return count;
}

json FakeNode::properties(const std::string &index) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = state_.indices.find(index);
    return found == state_.indices.end() ? json::object() : found->second.properties;
}

long FakeNode::field_limit(const std::string &index) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = state_.indices.find(index);
    return found == state_.indices.end() ? 0 : found->second.field_limit;
}

void FakeNode::cancel(bool &cancelled) {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled = true;
    changed_.notify_all();
}

HttpResponse FakeNode::answer(const exporter::HttpRequest &request, const bool &cancelled) {
    std::unique_lock<std::mutex> lock(mutex_);
    HttpResponse response;
    const bool bulk = request.url.find("/_bulk") != std::string::npos;
    changed_.wait(lock, [&] { return cancelled || (!silent_ && !(bulk && state_.bulks.size() >= silent_after_bulks_)); });
    if (cancelled) {
        response.transport_error = "cancelled";
        return response;
    }
    if (!up_) {
        response.transport_error = "Failed to connect to 127.0.0.1 port 9200: Connection refused";
        return response;
    }
    Request seen;
    seen.method = request.method;
    const std::size_t scheme = request.url.find("://");
    const std::size_t path = request.url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    seen.path = path == std::string::npos ? "/" : request.url.substr(path);
    seen.wire_bytes = request.body.size();
    seen.gzipped = request.content_encoding != nullptr && std::string_view(request.content_encoding) == "gzip";
    if (seen.gzipped) {
        std::string error;
        if (!exporter::gzip_decompress(request.body, SIZE_MAX, seen.body, error))
            return error_reply(400, "parse_exception", "cannot inflate: " + error);
    } else {
        seen.body = std::string(request.body);
    }
    state_.requests.push_back(seen);
    changed_.notify_all();

    for (auto it = scripted_.begin(); it != scripted_.end(); ++it) {
        if (it->method != seen.method || seen.path.find(it->path_part) == std::string::npos) continue;
        const Scripted scripted = *it;
        scripted_.erase(it);
        if (scripted.act_first) act(seen.method, seen.path, seen.body);
        changed_.notify_all();
        return scripted.reply;
    }
    if (seen.method == "POST" && seen.path.rfind("/_bulk", 0) == 0 && seen.wire_bytes > max_request_bytes_)
        return reply(413, json{{"error", "request entity too large"}});
    response = act(seen.method, seen.path, seen.body);
    changed_.notify_all();
    return response;
}

constexpr const char *kLimit = "index.mapping.total_fields.limit";

HttpResponse too_many_fields(long limit) {
    return error_reply(400, "illegal_argument_exception",
                       "Limit of total fields [" + std::to_string(limit) + "] has been exceeded");
}

// The node's own answer, with its effect.
HttpResponse FakeNode::act(const std::string &method, const std::string &path_and_query, const std::string &body) {
    const std::string path = path_and_query.substr(0, path_and_query.find('?'));
    const std::vector<std::string> parts = split_path(path);
    if (parts.empty() && method == "GET")
        return reply(200, json{{"name", "fake"}, {"version", {{"number", "8.8.2"}}}, {"tagline", "You Know, for Search"}});
    if (parts.empty()) return error_reply(405, "method_not_allowed", method + " /");
    if (parts[0] == "_bulk" && method == "POST") return bulk(body);
    if (parts[0] == "_index_template" || parts[0] == "_template") {
        if (method == "PUT") {
            state_.templates.insert(path);
            return reply(200, json{{"acknowledged", true}});
        }
        if (state_.templates.count(path)) return reply(200, json{{"index_templates", json::array()}});
        return error_reply(404, "resource_not_found_exception", "no such template " + path);
    }
    const std::string &name = parts[0];
    const auto found = state_.indices.find(name);
    if (parts.size() == 1 && method == "PUT") {
        if (found != state_.indices.end())
            return error_reply(400, "resource_already_exists_exception", "index [" + name + "] already exists");
        // A creation may bring settings and mappings, which the node checks together.
        const json request = body.empty() ? json::object() : json::parse(body, nullptr, false);
        if (!request.is_object()) return error_reply(400, "parse_exception", "not JSON");
        Index created;
        if (request.contains("settings") && request["settings"].contains(kLimit) &&
            request["settings"][kLimit].is_number_integer())
            created.field_limit = request["settings"][kLimit].get<long>();
        if (request.contains("mappings") && request["mappings"].contains("properties"))
            merge_properties(created.properties, request["mappings"]["properties"]);
        if (static_cast<long>(count_fields(created.properties)) > created.field_limit)
            return too_many_fields(created.field_limit);
        state_.indices[name] = std::move(created);
        return reply(200, json{{"acknowledged", true}, {"index", name}});
    }
    if (found == state_.indices.end()) return error_reply(404, "index_not_found_exception", "no such index [" + name + "]");
    Index &index = found->second;
    if (parts.size() >= 2 && parts[1] == "_mapping") {
        if (method == "GET") return reply(200, json{{name, {{"mappings", {{"properties", index.properties}}}}}});
        const json update = json::parse(body, nullptr, false);
        if (!update.is_object() || !update.contains("properties"))
            return error_reply(400, "mapper_parsing_exception", "no properties");
        json merged = index.properties;
        merge_properties(merged, update["properties"]);
        if (static_cast<long>(count_fields(merged)) > index.field_limit) return too_many_fields(index.field_limit);
        index.properties = std::move(merged);
        return reply(200, json{{"acknowledged", true}});
    }
    if (parts.size() >= 2 && parts[1] == "_settings") {
        if (method == "GET")
            return reply(200, json{{name, {{"settings", {{kLimit, std::to_string(index.field_limit)}}}}}});
        const json update = json::parse(body, nullptr, false);
        if (!update.is_object() || !update.contains(kLimit) || !update[kLimit].is_number_integer())
            return error_reply(400, "illegal_argument_exception", "unknown setting");
        index.field_limit = update[kLimit].get<long>();
        return reply(200, json{{"acknowledged", true}});
    }
    return error_reply(400, "illegal_argument_exception", "not a path the fake node knows: " + path);
}

HttpResponse FakeNode::bulk(const std::string &body) {
    if (bulk_status_ != 0) return error_reply(bulk_status_, "fake_exception", "the fake node's bulk status");
    BulkRequest seen;
    seen.plain_bytes = body.size();
    json items = json::array();
    bool errors = false;
    std::size_t start = 0;
    while (start < body.size()) {
        const std::size_t action_end = body.find('\n', start);
        const std::size_t document_end = body.find('\n', action_end + 1);
        if (action_end == std::string::npos || document_end == std::string::npos)
            return error_reply(400, "illegal_argument_exception", "The bulk request must be terminated by a newline");
        const json action = json::parse(body.substr(start, action_end - start), nullptr, false);
        start = document_end + 1;
        if (!action.is_object() || !action.contains("create"))
            return error_reply(400, "illegal_argument_exception", "not a create action");
        const std::string name = action["create"].value("_index", "");
        const std::string id = action["create"].value("_id", "");
        seen.ids.push_back(id);
        json result = {{"_index", name}, {"_id", id}};
        auto refusal = refusals_.find(id);
        Index &index = state_.indices[name];
        if (refusal != refusals_.end() && !refusal->second.empty()) {
            result["status"] = refusal->second.front();
            result["error"] = {{"type", "es_rejected_execution_exception"}, {"reason", "scripted refusal"}};
            refusal->second.pop_front();
        } else if (index.ids.count(id)) {
            result["status"] = 409;
            result["error"] = {{"type", "version_conflict_engine_exception"},
                               {"reason", "[" + id + "]: version conflict, document already exists"}};
        } else {
            index.ids.insert(id);
            index.order.push_back(id);
            result["status"] = 201;
        }
        errors = errors || result["status"] != 201;
        items.push_back(json{{"create", result}});
    }
    state_.bulks.push_back(std::move(seen));
    return reply(200, json{{"took", 1}, {"errors", errors}, {"items", items}});
}

void CapturingReporter::warning(std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    warnings_.emplace_back(text);
}

void CapturingReporter::trace(std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    traces_.emplace_back(text);
}

void CapturingReporter::summary(std::string_view line) {
    std::lock_guard<std::mutex> lock(mutex_);
    summaries_.emplace_back(line);
}

std::vector<std::string> CapturingReporter::warnings() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return warnings_;
}

std::vector<std::string> CapturingReporter::traces() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return traces_;
}

Options node_options() {
    Options options;
    Endpoint node;
    node.scheme = "http";
    node.host = "127.0.0.1";
    node.port = 9200;
    options.nodes = {node};
    options.gzip = Options::Compression::never;
    options.spool.clear();
    options.dead_letter.clear();
    return options;
}

exporter::DeliverySetup fast_delivery(const Options &options, FakeNode &node, std::chrono::milliseconds retry_budget) {
    using std::chrono::milliseconds;
    exporter::DeliverySetup setup = exporter::DeliverySetup::from(options);
    setup.transport = node.transport();
    setup.timing.retry_budget = retry_budget;
    setup.timing.backoff_base = milliseconds(1);
    setup.timing.backoff_cap = milliseconds(4);
    setup.timing.node_down_base = milliseconds(1);
    setup.timing.node_down_cap = milliseconds(4);
    setup.timing.reconnect_interval = milliseconds(5);
    setup.timing.banner_wait = milliseconds(50);
    setup.timing.mapping_retry_first_pause = milliseconds(1);
    setup.timing.mapping_retry_longest_pause = milliseconds(4);
    return setup;
}

bool eventually(const std::function<bool()> &condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

}  // namespace espcap::fake
