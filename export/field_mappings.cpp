// SPDX-License-Identifier: GPL-2.0-or-later
#include "field_mappings.h"

#include "flow_template.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "bounded_json.h"
#include "field_storage.h"
#include "mapping_path.h"
#include "private_file.h"
#include "server_text.h"
#include "spooled_mappings.h"

namespace espcap::exporter {
namespace {

using nlohmann::json;

constexpr unsigned kMaxWarnings = 5;

// A mapping reply is {"INDEX":{"mappings":{"properties":{"a":{"properties":...}}}}}: two
// levels per object level, and the engines stop at index.mapping.depth.limit (20 object
// levels unless raised). Deeper is not a mapping.
constexpr int kMaxMappingReplyDepth = 256;
constexpr int kMaxSettingsReplyDepth = 8;  // {"INDEX":{"defaults":{"name":"value"}}}
// Larger than any index holds (the engines slow to a crawl long before), and small
// enough that the room added above it cannot overflow.
constexpr long kMaxTotalFieldsLimit = 1'000'000'000;

// Room left above what the mapped fields need, for the odd dynamically mapped one.
// Room left for what espcap does not map itself (strings it has no type for map
// dynamically) and for other runs adding fields to the same index at the same time.
constexpr long kHeadroom = 500;

// An index creation request with nothing but the template in it.
constexpr const char *kBareIndex = "{}";

long field_limit_for(std::size_t needed) {
    return static_cast<long>(needed) + std::max<long>(2 * kHeadroom, static_cast<long>(needed / 4));
}

// The type an engine stores for `type` (no unsigned_long before its version).
std::string stored_type(const std::string &type, const SearchEngine &engine) {
    return json::parse(field_mapping_json(type, engine)).value("type", type);
}

// Records every field of a mapping's "properties", objects included, and counts them
// as the engines count towards index.mapping.total_fields.limit. A walk with a list of
// its own, not a recursion: how deep a node's reply nests is the node's choice.
std::size_t read_properties(const json &properties, std::map<std::string, std::string> &types) {
    std::size_t count = 0;
    std::vector<std::pair<const json *, std::string>> levels{{&properties, ""}};  // with their paths
    while (!levels.empty()) {
        const auto [level, prefix] = std::move(levels.back());
        levels.pop_back();
        if (!level->is_object()) continue;
        for (const auto &[name, field] : level->items()) {
            const std::string path = prefix.empty() ? name : prefix + "." + name;
            ++count;
            if (!field.is_object()) continue;
            if (const auto inner = field.find("properties"); inner != field.end()) {
                types[path] = "object";
                levels.emplace_back(&*inner, path);
            } else {
                const auto type = field.find("type");
                types[path] = type != field.end() && type->is_string() ? type->get<std::string>() : "object";
                if (const auto multi = field.find("fields"); multi != field.end()) count += multi->size();
            }
        }
    }
    return count;
}

// The mapping "properties" for `fields`, as a run with `aggregatable` maps them.
json properties_of(const std::vector<const FieldSpec *> &fields, const SearchEngine &engine,
                   Options::Aggregatable aggregatable) {
    json properties = json::object();
    for (const FieldSpec *field : fields) {
        json mapping = json::parse(field_mapping_json(field->type, engine));
        apply_field_storage(field->path, field->type, mapping, aggregatable);
        put_at_path(properties, field->path, std::move(mapping));
    }
    return properties;
}

std::string failure(const HttpResponse &response) {
    return response.reached() ? describe_http_failure(response.status, response.body) : response.transport_error;
}

}  // namespace

bool parse_mapping_reply(std::string_view body, const std::string &index, std::map<std::string, std::string> &types,
                         std::size_t &field_count, std::string &problem) {
    json reply;
    if (!parse_bounded_json(body, kMaxMappingReplyDepth, reply, problem)) {
        problem = "the _mapping reply is " + problem;
        return false;
    }
    const json *mappings = nullptr;
    if (const auto of_index = reply.is_object() ? reply.find(index) : reply.end();
        of_index != reply.end() && of_index->is_object()) {
        if (const auto found = of_index->find("mappings"); found != of_index->end() && found->is_object())
            mappings = &*found;
    }
    if (mappings == nullptr) {
        problem = "the _mapping reply has no mappings for " + index;
        return false;
    }
    types.clear();
    const auto properties = mappings->find("properties");
    field_count = properties != mappings->end() ? read_properties(*properties, types) : 0;
    return true;
}

bool parse_field_limit_reply(std::string_view body, const std::string &index, long &limit, std::string &problem) {
    json reply;
    if (!parse_bounded_json(body, kMaxSettingsReplyDepth, reply, problem)) {
        problem = "the _settings reply is " + problem;
        return false;
    }
    const auto of_index = reply.is_object() ? reply.find(index) : reply.end();
    if (of_index == reply.end() || !of_index->is_object()) {
        problem = "the _settings reply has no settings for " + index;
        return false;
    }
    for (const char *part : {"defaults", "settings"}) {  // an explicit setting wins
        const auto values = of_index->find(part);
        if (values == of_index->end() || !values->is_object()) continue;
        const auto value = values->find("index.mapping.total_fields.limit");
        if (value == values->end()) continue;
        const std::string text = value->is_string() ? value->get<std::string>() : value->dump();
        long parsed = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        // Checked before any sum uses it: a hostile node's LONG_MIN would overflow.
        if (error != std::errc() || end != text.data() + text.size() || parsed < 0 || parsed > kMaxTotalFieldsLimit) {
            problem = "index.mapping.total_fields.limit " + printable_for_terminal(text, 64) + " is out of range";
            return false;
        }
        limit = parsed;
    }
    return true;
}

IndexMappings::IndexMappings(const Options &options, Reporter &reporter) : options_(options), reporter_(reporter) {}

std::string IndexMappings::install_template(BulkClient *client, bool *retry_later) {
    std::lock_guard<std::mutex> one_sender(remote_mutex_);
    TemplateSpec &spec = template_;
    spec.index_prefix = options_.index_prefix;
    if (retry_later != nullptr) *retry_later = false;
    if (client != nullptr) {
        const EngineAnswer answer =
            ask_search_engine([client](const std::string &path) { return client->call("GET", path); });
        if (node_unavailable(answer.reply)) {  // not a reason to guess the engine
            if (retry_later != nullptr) *retry_later = true;
            return "cannot read the node's version: " + failure(answer.reply);
        }
        if (answer.known) engine_ = answer.engine;
    }
    spec.engine = engine_;
    const std::string body = index_template_body(spec);
    if (!options_.template_file.empty()) {
        std::string error;
        std::FILE *file = open_private_file(options_.template_file, PrivateFileMode::truncate, error);
        if (file == nullptr) return "cannot write template_file: " + error;
        const bool written = std::fwrite(body.data(), 1, body.size(), file) == body.size() && std::fputc('\n', file) != EOF;
        const int write_errno = errno;
        if (std::fclose(file) != 0 || !written)
            return "cannot write template_file '" + options_.template_file + "': " +
                   std::strerror(written ? errno : write_errno);
    }
    if (client == nullptr || !options_.install_template) return "";
    const std::string path = index_template_path(spec);
    const HttpResponse response = client->call("PUT", path, body);
    if ((!response.reached() || response.status != 200) && !installed_by_setup(*client, path, response)) {
        if (retry_later != nullptr) *retry_later = node_unavailable(response);
        return "cannot install index template " + path + " (" + engine_.describe() + "): " + failure(response) +
               (response.status == 403 ? "; or have an administrator run espcap-setup once" : "");
    }
    template_prefixes_in_place_.insert(spec.index_prefix);
    if (options_.flows == Options::Flows::off) return "";
    const std::string flow_path = flow_template_path(options_.index_prefix, engine_);
    const HttpResponse flows = client->call("PUT", flow_path, flow_template_body(options_.index_prefix, engine_));
    if ((!flows.reached() || flows.status != 200) && !installed_by_setup(*client, flow_path, flows))
        return "cannot install index template " + flow_path + " (" + engine_.describe() + "): " + failure(flows);
    return "";
}

// A sensor's role may lack manage_index_templates (docs/security.md): the template the
// setup step (espcap-setup) installed is then used as it is.
bool IndexMappings::installed_by_setup(BulkClient &client, const std::string &path, const HttpResponse &refused) {
    if (!refused.reached() || refused.status != 403) return false;
    const HttpResponse found = client.call("GET", path);
    if (!found.reached() || found.status != 200) return false;
    if (!told_template_kept_) warn("index template " + path + " is in place and this user may not replace it: kept");
    told_template_kept_ = true;
    return true;
}

void IndexMappings::add(std::vector<FieldSpec> &fields) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (options_.install_template) {  // template=false: the user owns the mappings
        for (FieldSpec &field : fields) {
            const auto [known, is_new] = known_field_ids_.try_emplace(
                field.path + '\n' + field.type, static_cast<std::uint32_t>(known_fields_.size()));
            if (is_new) known_fields_.emplace_back(field.path, field.type);
            std::vector<bool> *in_index = known_fields_by_index_.find(field.index);
            if (in_index == nullptr) in_index = &known_fields_by_index_.insert(field.index, {});
            if (in_index->size() <= known->second) in_index->resize(known_fields_.size());
            (*in_index)[known->second] = true;
            pending_.push_back(std::move(field));
        }
    }
    fields.clear();
}

std::string IndexMappings::spooled_mappings_for(const std::vector<std::string> &indices) {
    if (!options_.install_template) return "";
    SpooledMappings spooled;
    // The registry parts of template_ are set before the first batch and never change.
    spooled.template_spec.index_prefix = options_.index_prefix;
    spooled.template_spec.alias_target_types = template_.alias_target_types;
    spooled.template_spec.registry_summary_json = template_.registry_summary_json;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const std::string &index : indices) {
            const std::vector<bool> *in_index = known_fields_by_index_.find(index);
            std::set<std::string> paths;  // once each: a superset may name a path twice
            for (std::uint32_t id = 0; id < known_fields_.size(); ++id) {
                // Forgotten: every field of the run, so none of the index's maps dynamically.
                const bool used = in_index == nullptr || (id < in_index->size() && (*in_index)[id]);
                if (used && paths.insert(known_fields_[id].first).second)
                    spooled.fields.push_back(FieldSpec{index, known_fields_[id].first, known_fields_[id].second});
            }
        }
    }
    return spooled_mappings_json(spooled);
}

void IndexMappings::add_spooled(const std::string &spooled_json, BulkClient &client) {
    SpooledMappings spooled;
    if (!parse_spooled_mappings(spooled_json, spooled)) {
        warn("a spool file's mappings cannot be read: its new fields map dynamically");
        return;
    }
    {
        std::lock_guard<std::mutex> one_sender(remote_mutex_);
        TemplateSpec &spec = spooled.template_spec;
        if (!template_prefixes_in_place_.count(spec.index_prefix)) {
            // A template already there is left alone: it may be newer, or the user's.
            spec.engine = engine_;
            const std::string path = index_template_path(spec);
            const HttpResponse found = client.call("GET", path);
            if (found.reached() && found.status == 404) {
                const HttpResponse put = client.call("PUT", path, index_template_body(spec));
                if (put.reached() && put.status == 200)
                    template_prefixes_in_place_.insert(spec.index_prefix);
                else
                    warn("cannot install index template " + path + " for spooled documents: " + failure(put));
            } else if (found.reached() && found.status == 200) {
                template_prefixes_in_place_.insert(spec.index_prefix);
            }  // no answer: the next file asks again
        }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (FieldSpec &field : spooled.fields) pending_.push_back(std::move(field));
}

bool IndexMappings::apply(BulkClient &client) {
    // Held while the fields are put: a sender whose batch uses fields another sender is
    // mapping waits here until they are in place.
    std::lock_guard<std::mutex> one_sender(remote_mutex_);
    std::vector<FieldSpec> fields;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        fields.swap(pending_);
    }
    std::map<std::string, std::vector<FieldSpec>> by_index;
    for (FieldSpec &field : fields) by_index[field.index].push_back(std::move(field));
    bool answered = true;
    for (auto &[index, list] : by_index) {
        if (map_fields(client, index, list)) continue;
        // The node did not answer: try again before the next batch, rather than let
        // these fields map dynamically (as keyword) once it is back.
        answered = false;
        std::lock_guard<std::mutex> lock(mutex_);
        for (FieldSpec &field : list) pending_.push_back(std::move(field));
    }
    return answered;
}

IndexMappings::Creation IndexMappings::create_index(BulkClient &client, const std::string &index,
                                                    const std::string &body) {
    // Created here rather than by the first bulk request, so its mapping is in place
    // before its first document.
    const HttpResponse created = client.call("PUT", "/" + index, body);
    // A 5xx or 429 (a proxy whose node is away, a node starting) is no answer either.
    if (node_unavailable(created)) return Creation::unreachable;
    if (created.reached() && created.status == 200) return Creation::created;
    if (created.status == 400 && created.body.find("resource_already_exists_exception") != std::string::npos)
        return Creation::exists;
    if (body == kBareIndex) warn("cannot create index " + index + ": " + failure(created));
    return Creation::refused;
}

std::size_t IndexMappings::template_field_count() {
    if (template_field_count_) return *template_field_count_;
    const json body = json::parse(index_template_body(template_));
    const json &holder = body.contains("template") ? body.at("template") : body;  // composable or legacy
    std::map<std::string, std::string> ignored;
    template_field_count_ = holder.contains("mappings") && holder.at("mappings").contains("properties")
                                ? read_properties(holder.at("mappings").at("properties"), ignored)
                                : 0;
    return *template_field_count_;
}

std::string IndexMappings::creation_body(const std::vector<FieldSpec> &fields) {
    std::vector<const FieldSpec *> once;  // a path once, as a batch may name it twice
    std::set<std::string> paths;
    for (const FieldSpec &field : fields)
        if (paths.insert(field.path).second) once.push_back(&field);
    json properties = properties_of(once, engine_, options_.aggregatable);
    std::map<std::string, std::string> types;
    const std::size_t needed = read_properties(properties, types) + template_field_count();
    json body = {{"mappings", {{"properties", std::move(properties)}}}};
    if (static_cast<long>(needed) > kDefaultTotalFieldsLimit - kHeadroom)
        body["settings"] = {{"index.mapping.total_fields.limit", field_limit_for(needed)}};
    return body.dump();
}

std::vector<FieldSpec> IndexMappings::with_run_fields(const std::vector<FieldSpec> &fields) {
    std::vector<FieldSpec> all = fields;  // first, so the batch's own type wins a path named twice
    std::lock_guard<std::mutex> lock(mutex_);
    all.reserve(fields.size() + known_fields_.size());
    for (const auto &[path, type] : known_fields_) all.push_back(FieldSpec{"", path, type});  // index unused
    return all;
}

bool IndexMappings::open_index(BulkClient &client, const std::string &index, const std::string &body,
                               IndexState &state, bool &unreachable) {
    Creation creation = create_index(client, index, body);
    // Refused (a field the engine cannot map as asked, a path both a field and an
    // object): create it bare, and the fields go one batch at a time, each refusal said.
    if (creation == Creation::refused && body != kBareIndex) creation = create_index(client, index, kBareIndex);
    unreachable = creation == Creation::unreachable;
    if (creation != Creation::created && creation != Creation::exists) return false;
    return read_index(client, index, state, unreachable);
}

bool IndexMappings::read_index(BulkClient &client, const std::string &index, IndexState &state,
                               bool &unreachable) {
    const HttpResponse mapping = client.call("GET", "/" + index + "/_mapping");
    const HttpResponse settings = client.call(
        "GET", "/" + index + "/_settings/index.mapping.total_fields.limit?include_defaults=true&flat_settings=true");
    // A node that went away between these calls is not a mapping problem: try again later.
    unreachable = node_unavailable(mapping) || node_unavailable(settings);
    if (unreachable) return false;
    // Replies are read defensively: a proxy or a broken node may answer anything.
    std::string problem;
    if (mapping.status != 200)
        problem = failure(mapping);
    else if (settings.status != 200)
        problem = failure(settings);
    else if (parse_mapping_reply(mapping.body, index, state.types, state.field_count, problem))
        parse_field_limit_reply(settings.body, index, state.field_limit, problem);
    if (!problem.empty()) {
        warn("cannot read the mapping of " + index + ": " + problem);
        return false;
    }
    return true;
}

bool IndexMappings::map_fields(BulkClient &client, const std::string &index, const std::vector<FieldSpec> &fields) {
    IndexState *found = indices_.find(index);
    bool fresh = false;
    if (found == nullptr) {  // new, or forgotten for indices used since: read from the node
        IndexState state;
        bool unreachable = false;
        if (!open_index(client, index, creation_body(with_run_fields(fields)), state, unreachable))
            return !unreachable;  // else dynamic mapping
        found = &indices_.insert(index, std::move(state));
        fresh = true;
    }

    std::map<std::string, std::string> new_types;  // path -> type, parent objects too
    std::vector<const FieldSpec *> new_fields;
    for (int pass = 0; pass < 2; ++pass) {
        IndexState &state = *found;
        new_types.clear();
        new_fields.clear();
        for (const FieldSpec &field : fields) {
            const std::string type = stored_type(field.type, engine_);
            if (const auto it = state.types.find(field.path); it != state.types.end()) {
                // keyword is what unsigned_long falls back to where the engine lacks it.
                const bool fallback = it->second == "keyword" && type == "unsigned_long";
                if (it->second != type && !fallback && (fresh || pass == 1))
                    warn(index + ": " + field.path + " is already mapped as " + it->second + ", not " + type);
                continue;
            }
            if (!new_types.emplace(field.path, type).second) continue;
            new_fields.push_back(&field);
            for (std::size_t dot = field.path.find('.'); dot != std::string::npos;
                 dot = field.path.find('.', dot + 1)) {
                const std::string parent = field.path.substr(0, dot);
                if (!state.types.count(parent)) new_types.emplace(parent, "object");
            }
        }
        if (new_fields.empty()) return true;
        if (fresh) break;
        // Other runs may be writing to this index too: count its fields afresh before
        // deciding on the limit, so two runs do not each think there is room.
        bool unreachable = false;
        if (!open_index(client, index, kBareIndex, state, unreachable)) {
            if (unreachable) indices_.erase(index);
            return !unreachable;
        }
        fresh = true;
    }
    IndexState &state = *found;

    const std::size_t needed = state.field_count + new_types.size();
    if (static_cast<long>(needed) > state.field_limit - kHeadroom) {
        const long limit = std::max(state.field_limit, field_limit_for(needed));
        const HttpResponse raised = client.call("PUT", "/" + index + "/_settings",
                                                json{{"index.mapping.total_fields.limit", limit}}.dump());
        if (raised.status == 200) {
            state.field_limit = limit;
        } else if (node_unavailable(raised)) {
            indices_.erase(index);
            return false;
        } else {
            warn("cannot raise the field limit of " + index + ": " + failure(raised));
        }
    }
    HttpResponse put;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const json properties = properties_of(new_fields, engine_, options_.aggregatable);
        put = client.call("PUT", "/" + index + "/_mapping", json{{"properties", properties}}.dump());
        const bool no_unsigned_long = put.status == 400 && engine_.unsigned_long() &&
                                      put.body.find("[unsigned_long]") != std::string::npos;
        if (!no_unsigned_long) break;
        engine_.unsigned_long_refused = true;  // map 64-bit counters as keyword instead
        for (auto &[path, type] : new_types) type = stored_type(type, engine_);
    }
    if (node_unavailable(put)) {
        indices_.erase(index);
        return false;
    }
    if (put.status != 200) {
        warn("cannot map " + std::to_string(new_fields.size()) + " new fields in " + index + ": " + failure(put));
        indices_.erase(index);  // read the index afresh next time
        return true;
    }
    state.types.insert(new_types.begin(), new_types.end());
    state.field_count = needed;
    return true;
}

void IndexMappings::warn(const std::string &message) {
    // Mapping trouble costs types, not documents: say so, without stopping the run.
    // Index names and types come from the node's replies too: shown, never obeyed.
    constexpr std::size_t kMaxWarningBytes = 1024;
    if (warnings_.fetch_add(1) < kMaxWarnings)  // from several senders and the connector
        reporter_.warning(printable_for_terminal(message, kMaxWarningBytes));
}

}  // namespace espcap::exporter
