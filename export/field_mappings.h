// SPDX-License-Identifier: GPL-2.0-or-later
// Installs the index template and keeps each index's mapping one step ahead of its
// documents: before a batch goes out, every field first used since the last batch is
// mapped with its type in the index it goes to.
//
//   IndexMappings mappings(options, reporter);
//   mappings.set_template(spec);
//   mappings.install_template(client);              // once, before the first batch
//   mappings.add(fields);                            // dissection thread, per packet
//   mappings.apply(client);                          // a sender thread, before each batch
//   mappings.spooled_mappings_for(indices);          // kept with a batch that is spooled
//   mappings.add_spooled(json, client);              // before that batch is replayed
//
// A new index is created with every field the run has typed so far, in any index (the
// template applies too), and a field limit with room for them: one cluster-state update
// where a bare creation, a limit and a mapping update took three, and the next day's
// index starts with the fields of the day before instead of a mapping update for each
// protocol as it turns up again. For an index that exists this
// reads the fields it has, raises index.mapping.total_fields.limit when the new fields
// need it, and puts the new fields' mappings. Nothing here can lose a document: when the node
// refuses a mapping, the batch still goes, the rest maps dynamically (strings as
// keyword) and any document the index then refuses goes to the dead-letter file as
// usual. When the node does not answer, apply() says so and the fields wait: the
// exporter holds the batch back until they are mapped (exporter.cpp). With
// template=false espcap leaves its own fields' mappings alone; a spooled batch brings
// whatever its own run decided.
//
// Memory does not grow with the days a capture spans: only the kRememberedIndices
// indices used last keep their mapping here (an index that comes back is read from the
// node again), and only kIndicesKnownForSpool keep their own field list for the spool
// (a batch for an older one carries every field the run knows, a superset).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bulk_client.h"
#include "field_spec.h"
#include "index_template.h"
#include "mapping_defaults.h"
#include "options.h"
#include "recently_used.h"
#include "reporter.h"

namespace espcap::exporter {

// Reads a node's GET /INDEX/_mapping reply: every mapped path with its type ("object"
// too), and how many fields count towards index.mapping.total_fields.limit. False, with
// `problem`, when it is not such a reply (nested deeper than a mapping can be, too).
bool parse_mapping_reply(std::string_view body, const std::string &index, std::map<std::string, std::string> &types,
                         std::size_t &field_count, std::string &problem);
// Reads index.mapping.total_fields.limit from GET /INDEX/_settings/...?include_defaults;
// `limit` is left alone where the reply has none. A value out of range is a problem.
bool parse_field_limit_reply(std::string_view body, const std::string &index, long &limit, std::string &problem);

class IndexMappings {
public:
    IndexMappings(const Options &options, Reporter &reporter);

    void set_template(TemplateSpec spec) { template_ = std::move(spec); }

    // Detects the engine, then writes template_file and installs the template as the
    // options say. `client` is null when there is no node. Empty on success; else
    // `retry_later` says whether the node was unavailable (node_unavailable()), not
    // refusing.
    std::string install_template(BulkClient *client, bool *retry_later = nullptr);

    void add(std::vector<FieldSpec> &fields);  // takes them; safe from any thread

    // For a batch going to the spool: the template and the typed fields this run knows
    // for `indices`, as spooled_mappings.h writes them ("" with template=false).
    std::string spooled_mappings_for(const std::vector<std::string> &indices);
    // Before a spooled batch is replayed: installs its run's template where the node has
    // none of that name, and queues its fields for the next apply().
    void add_spooled(const std::string &spooled_json, BulkClient &client);
    // False when the node stopped answering before every field was mapped: those wait
    // for the next call, and a batch sent now would map them dynamically.
    bool apply(BulkClient &client);

    // About 1 MB each where an index has thousands of fields.
    static constexpr std::size_t kRememberedIndices = 8;
    // A bit per field each: enough for every index a batch in flight may hold.
    static constexpr std::size_t kIndicesKnownForSpool = 256;

private:
    struct IndexState {
        std::map<std::string, std::string> types;  // every mapped path -> type ("object" too)
        std::size_t field_count = 0;
        long field_limit = kDefaultTotalFieldsLimit;
    };
    enum class Creation { created, exists, refused, unreachable };
    // Creates `index` (the template applies) with `body`: "{}" (bare) or creation_body().
    Creation create_index(BulkClient &client, const std::string &index, const std::string &body);
    // The creation request for a new index: `fields` mapped, room for them.
    std::string creation_body(const std::vector<FieldSpec> &fields);
    // `fields`, then every other field this run has typed in any index.
    std::vector<FieldSpec> with_run_fields(const std::vector<FieldSpec> &fields);
    std::size_t template_field_count();
    // Creates `index` with `body` if it is new, then reads its fields and field limit.
    bool open_index(BulkClient &client, const std::string &index, const std::string &body, IndexState &state,
                    bool &unreachable);
    bool read_index(BulkClient &client, const std::string &index, IndexState &state, bool &unreachable);
    // False when the node did not answer and the fields should be tried again.
    bool map_fields(BulkClient &client, const std::string &index, const std::vector<FieldSpec> &fields);
    void warn(const std::string &message);
    bool installed_by_setup(BulkClient &client, const std::string &path, const HttpResponse &refused);

    Options options_;
    TemplateSpec template_;
    std::optional<std::size_t> template_field_count_;  // counted once, when first needed
    SearchEngine engine_;
    std::mutex mutex_;  // guards pending_ and the known fields
    std::vector<FieldSpec> pending_;
    // Every field handed to add(), for spooled_mappings_for() and new indices: each
    // (path, type) kept once, and by index only a flag per field, so many day indices
    // cost little.
    std::vector<std::pair<std::string, std::string>> known_fields_;
    std::unordered_map<std::string, std::uint32_t> known_field_ids_;
    RecentlyUsed<std::vector<bool>> known_fields_by_index_{kIndicesKnownForSpool};
    // One sender at a time talks to the node about templates and mappings; it guards
    // the rest.
    std::mutex remote_mutex_;
    RecentlyUsed<IndexState> indices_{kRememberedIndices};
    std::set<std::string> template_prefixes_in_place_;  // installed or found on the node
    bool told_template_kept_ = false;
    Reporter &reporter_;
    std::atomic<unsigned> warnings_{0};
};

}  // namespace espcap::exporter
