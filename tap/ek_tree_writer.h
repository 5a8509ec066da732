// SPDX-License-Identifier: GPL-2.0-or-later
// Writes a dissected protocol tree as the "layers" object of tshark -T ek, with
// duplicate keys merged into arrays (see ek_member_grouper.h) and every string made
// valid UTF-8 JSON (see json_writer.h). On the way it notes the members each index
// sees for the first time, with their search type (field_discovery.h), and where the
// values copied to ECS names were written (ecs_copies.h).
//
//   EkTreeWriter writer(&registry);    // keep it: it caches names and types per field
//   writer.discovery().select_index(index);
//   writer.write_layers(edt->tree, out);
//   writer.ecs().append(out);
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "document_content.h"
#include "json_buffer.h"
#include "ecs_copies.h"
#include "ek_member_grouper.h"
#include "field_discovery.h"
#include "field_registry.h"

struct _proto_node;
struct _header_field_info;
struct field_info;

namespace espcap::tap {

class EkTreeWriter {
public:
    // Member types come from `registry` (owned by the caller) when it is given: only
    // runs that map fields need it, and scanning it costs tens of milliseconds.
    // Without it each field's own written type is noted. `content` chooses what is
    // written (document_content.h); by default everything tshark -T ek writes.
    explicit EkTreeWriter(const FieldRegistry *registry = nullptr, DocumentContent content = {});
    void write_layers(const _proto_node *root, JsonBuffer &out);

    // Whether the last tree written holds a `_ws.malformed` item: some dissector met
    // bytes it could not parse (anywhere in the tree, as `tshark -Y _ws.malformed` finds).
    bool saw_malformed() const { return saw_malformed_; }

    FieldDiscovery &discovery() { return discovery_; }
    EcsCopies &ecs() { return ecs_; }

private:
    // What the document content does with a field's items, decided when the field is
    // first met so that the walk pays one compare per item.
    enum class Keep : std::uint8_t {
        item,           // written
        children_only,  // a byte field or text item left out: the fields beneath it stay
        nothing,        // a dropped protocol, its subtree with it
        not_top_level,  // written except as a top-level layer outside `protocols`
    };
    struct FieldKeys {
        std::uint32_t abbrev_id = kUnset;  // groups like tshark's "parent_abbrev" key
        std::uint32_t name_id = kUnset;    // index into names_
        Keep keep = Keep::item;
    };
    static constexpr std::uint32_t kUnset = UINT32_MAX;
    static constexpr std::uint32_t kRootParent = UINT32_MAX - 1;

    const FieldKeys &keys_for(const _header_field_info *hfinfo);
    const FieldKeys &first_keys_for(const _header_field_info *hfinfo);  // slow path: a field met first
    std::uint32_t intern(std::unordered_map<std::string, std::uint32_t> &table, const std::string &text);

    // `path` is the object's id in discovery_; `depth` 0 is "layers" itself.
    void write_object(const _proto_node *scope, std::uint32_t scope_abbrev_id, std::uint32_t path, int depth,
                      JsonBuffer &out);
    Keep keep_for(const _header_field_info *hfinfo) const;
    // Instantiated twice so that the default content (everything) pays no check per item.
    template <bool Filtering>
    void collect_items(const _proto_node *parent, std::uint32_t parent_abbrev_id);
    void write_member(EkMember member, std::uint32_t path, int depth, JsonBuffer &out);
    void write_value(const _proto_node *node, std::uint32_t object_path, int depth, JsonBuffer &out);
    void write_field_value(const field_info *fi, JsonBuffer &out);
    bool write_common_value(const field_info *fi, JsonBuffer &out);

    int malformed_proto_id_;  // looked up once; the walk compares ids
    bool saw_malformed_ = false;

    std::vector<FieldKeys> keys_by_field_;                    // indexed by hf id
    std::unordered_map<std::string, std::uint32_t> abbrev_ids_;
    std::unordered_map<std::string, std::uint32_t> name_ids_;
    // Member names are copied as one fixed-size block when they fit, which is cheaper
    // than a memcpy call of the exact length: the text is stored with that much slack.
    static constexpr std::size_t kNameBlock = 32;
    struct NameInfo {
        std::string padded;  // '"ip_ip_src":' then kNameBlock NULs
        FieldType type;
        EcsCopies::Role ecs_role;
        std::size_t length() const { return padded.size() - kNameBlock; }
        std::string_view encoded() const { return {padded.data(), length()}; }
        std::string_view bare() const { return {padded.data() + 1, length() - 3}; }  // ip_ip_src
    };
    static void append_name(const NameInfo &name, JsonBuffer &out);
    std::vector<NameInfo> names_;  // by name id: one lookup per member

    const FieldRegistry *registry_;
    const DocumentContent content_;
    const bool filtering_;  // content_ leaves something out
    FieldDiscovery discovery_;
    EcsCopies ecs_;

    EkMemberGrouper grouper_;
    std::vector<EkItem> items_;              // one scope at a time
    std::vector<EkMember> member_stack_;     // nested scopes' members
    std::vector<const void *> node_stack_;   // nested scopes' instances
};

}  // namespace espcap::tap
