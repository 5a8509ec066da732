// SPDX-License-Identifier: GPL-2.0-or-later
#include "ek_tree_writer.h"

#include <algorithm>
#include <cstring>

#include <wireshark.h>
#include <epan/proto.h>
#include <epan/ftypes/ftypes.h>

#include "json_writer.h"
#include "value_format.h"
#include "wireshark_compat.h"
#include "utc_time.h"

namespace espcap::tap {
namespace {

void write_absolute_time(const nstime_t &t, JsonBuffer &out) {
    out += '"';
    append_utc_date_time(out, to_utc(t.secs));
    out += '.';
    append_decimal(out, static_cast<std::uint32_t>(t.nsecs), 9);
    out += "Z\"";
}

}  // namespace

EkTreeWriter::EkTreeWriter(const FieldRegistry *registry, DocumentContent content)
    : malformed_proto_id_(proto_get_id_by_filter_name("_ws.malformed")), registry_(registry),
      content_(std::move(content)), filtering_(!content_.writes_everything()) {}

std::uint32_t EkTreeWriter::intern(std::unordered_map<std::string, std::uint32_t> &table, const std::string &text) {
    auto [it, inserted] = table.try_emplace(text, static_cast<std::uint32_t>(table.size()));
    return it->second;
}

const EkTreeWriter::FieldKeys &EkTreeWriter::keys_for(const header_field_info *hfinfo) {
    const auto id = static_cast<std::size_t>(hfinfo->id);
    if (id < keys_by_field_.size() && keys_by_field_[id].name_id != kUnset) return keys_by_field_[id];
    return first_keys_for(hfinfo);
}

const EkTreeWriter::FieldKeys &EkTreeWriter::first_keys_for(const header_field_info *hfinfo) {
    const auto id = static_cast<std::size_t>(hfinfo->id);
    // Doubling: field ids run to hundreds of thousands, met in any order.
    if (id >= keys_by_field_.size()) keys_by_field_.resize(std::max(id + 1, 2 * keys_by_field_.size()));
    FieldKeys &keys = keys_by_field_[id];
    keys.abbrev_id = intern(abbrev_ids_, hfinfo->abbrev);
    const std::string name = encoded_member_name(hfinfo);
    keys.name_id = intern(name_ids_, name);
    keys.keep = keep_for(hfinfo);
    if (keys.name_id == names_.size()) {
        NameInfo &info = names_.emplace_back();
        info.padded = name + std::string(kNameBlock, '\0');
        info.type = registry_ != nullptr ? registry_->type_of(hfinfo) : written_type(hfinfo);
        info.ecs_role = EcsCopies::role_of(info.bare());
    }
    return keys;
}

EkTreeWriter::Keep EkTreeWriter::keep_for(const header_field_info *hfinfo) const {
    if (hfinfo->id == hf_text_only) return content_.text_items ? Keep::item : Keep::children_only;
    switch (hfinfo->type) {
    case FT_PROTOCOL:
        if (content_.drops(hfinfo->abbrev)) return Keep::nothing;
        return content_.keeps_top_level(hfinfo->abbrev) ? Keep::item : Keep::not_top_level;
    case FT_BYTES:
    case FT_UINT_BYTES:
        return content_.byte_limit == 0 ? Keep::children_only : Keep::item;
    default:
        return Keep::item;
    }
}

void EkTreeWriter::append_name(const NameInfo &name, JsonBuffer &out) {
    if (name.length() > kNameBlock) {
        out += name.encoded();
        return;
    }
    char *destination = out.tail(kNameBlock);
    std::memcpy(destination, name.padded.data(), kNameBlock);
    out.commit(destination + name.length());
}

void EkTreeWriter::write_layers(const proto_node *root, JsonBuffer &out) {
    saw_malformed_ = false;
    ecs_.begin_packet();
    write_object(root, kRootParent, FieldDiscovery::kLayersPath, 0, out);
}

template <bool Filtering>
void EkTreeWriter::collect_items(const proto_node *parent, std::uint32_t parent_abbrev_id) {
    for (const proto_node *child = parent->first_child; child != nullptr; child = child->next) {
        const field_info *fi = PNODE_FINFO(child);
        if (fi == nullptr) continue;  // only in invisible trees, which we never get
        if (fi->hfinfo->id == malformed_proto_id_) saw_malformed_ = true;
        const FieldKeys &keys = keys_for(fi->hfinfo);
        if (Filtering && keys.keep != Keep::item) {
            if (keys.keep == Keep::nothing || (keys.keep == Keep::not_top_level && parent_abbrev_id == kRootParent))
                continue;
            if (keys.keep == Keep::children_only) {
                collect_items<Filtering>(child, keys.abbrev_id);  // grouped as tshark groups them
                continue;
            }
        }
        items_.push_back(EkItem{parent_abbrev_id, keys.abbrev_id, keys.name_id, child});
        // A field's subtree is flattened into its protocol's object; a protocol
        // becomes an object of its own.
        if (fi->hfinfo->type != FT_PROTOCOL && child->first_child != nullptr)
            collect_items<Filtering>(child, keys.abbrev_id);
    }
}

void EkTreeWriter::write_object(const proto_node *scope, std::uint32_t scope_abbrev_id, std::uint32_t path,
                                int depth, JsonBuffer &out) {
    items_.clear();
    if (filtering_)
        collect_items<true>(scope, scope_abbrev_id);
    else
        collect_items<false>(scope, scope_abbrev_id);
    const std::size_t member_base = member_stack_.size();
    const std::size_t node_base = node_stack_.size();
    grouper_.group(items_, member_stack_, node_stack_);
    const std::size_t member_end = member_stack_.size();

    out += '{';
    // Index, not iterate: nested objects push onto the same stacks.
    for (std::size_t m = member_base; m < member_end; ++m) {
        if (m != member_base) out += ',';
        write_member(member_stack_[m], path, depth, out);
    }
    out += '}';
    member_stack_.resize(member_base);
    node_stack_.resize(node_base);
}

// `member` is a copy: nested objects grow the member stack. They grow names_ too, so
// `info` and `bare` are only used before the first value is written.
void EkTreeWriter::write_member(const EkMember member, std::uint32_t path, int depth, JsonBuffer &out) {
    const NameInfo &info = names_[member.name_id];
    const std::string_view bare = info.bare();
    const FieldType type = info.type;
    const EcsCopies::Role role = info.ecs_role;
    const auto *first = static_cast<const proto_node *>(node_stack_[member.first]);
    const bool is_object = PNODE_FINFO(first)->hfinfo->type == FT_PROTOCOL;
    const std::uint32_t object_path =
        is_object ? discovery_.object_path(path, member.name_id, bare) : path;
    if (!is_object) discovery_.note(path, member.name_id, bare, type);

    append_name(info, out);
    const std::size_t value_begin = out.size();
    if (member.count > 1) out += '[';
    for (std::uint32_t j = 0; j < member.count; ++j) {
        if (j != 0) out += ',';
        const auto *node = static_cast<const proto_node *>(node_stack_[member.first + j]);
        // The first top-level IP and transport layers are the ones ECS names copy from.
        const bool layer_role = role == EcsCopies::Role::network_layer || role == EcsCopies::Role::transport_layer;
        const bool copied_layer = depth == 0 && j == 0 && layer_role &&
                                  ecs_.enter_layer(role, names_[member.name_id].bare());
        const std::size_t element_begin = out.size();
        write_value(node, object_path, depth, out);
        if (copied_layer) ecs_.leave_layer();
        // An object with members is mapped as their parent; one left with none ("{}":
        // all left out) is mapped on its own. names_ may have grown: look the name up again.
        if (is_object && out.size() - element_begin == 2)
            discovery_.note(path, member.name_id, names_[member.name_id].bare(), FieldType::object);
    }
    if (member.count > 1) out += ']';
    if (depth == 1 && ecs_.inside_copied_layer() && role != EcsCopies::Role::none)
        ecs_.record(role, value_begin, out.size());
}

void EkTreeWriter::write_value(const proto_node *node, std::uint32_t object_path, int depth, JsonBuffer &out) {
    const field_info *fi = PNODE_FINFO(node);
    if (fi->hfinfo->type == FT_PROTOCOL) {
        write_object(node, keys_for(fi->hfinfo).abbrev_id, object_path, depth + 1, out);
    } else if (fi->hfinfo->id == hf_text_only && fi->rep != nullptr) {
        append_json_string(out, fi->rep->representation);
    } else {
        write_field_value(fi, out);
    }
}

#if ESPCAP_FVALUE_IS_PUBLIC
// The commonest field types, written as Wireshark 4.0's fvalue_to_string_repr() would
// (epan/ftypes/ftype-{integer,bytes,string}.c). The corpus comparison with tshark -T ek
// checks every one of them. Other versions take the generic path.
bool EkTreeWriter::write_common_value(const field_info *fi, JsonBuffer &out) {
    const fvalue_t &value = fi->value;
    const int display = fi->hfinfo->display;
    // The value was made for the field's type (proto.c: fvalue_init(hfinfo->type)), so
    // the header says it without a call into libwireshark per value.
    const int type = fi->hfinfo->type;
    switch (type) {
    case FT_UINT8:
    case FT_UINT16:
    case FT_UINT24:
    case FT_UINT32: {
        out += '"';
        if ((display & 0xff) == BASE_HEX || (display & 0xff) == BASE_HEX_DEC) {
            const int digits = type == FT_UINT8 ? 2 : type == FT_UINT16 ? 4 : type == FT_UINT24 ? 6 : 8;
            append_hex_number(out, value.value.uinteger, digits);
        } else {
            append_decimal(out, value.value.uinteger);
        }
        out += '"';
        return true;
    }
    case FT_INT8:
    case FT_INT16:
    case FT_INT24:
    case FT_INT32:
        out += '"';
        append_signed_decimal(out, value.value.sinteger);
        out += '"';
        return true;
    case FT_BYTES:
    case FT_UINT_BYTES:
    case FT_ETHER: {
        const char separator = FIELD_DISPLAY(display) == SEP_DOT ? '.' : FIELD_DISPLAY(display) == SEP_DASH ? '-' : ':';
        out += '"';
        if (value.value.bytes != nullptr) {
            const std::size_t length = type == FT_ETHER ? value.value.bytes->len
                                                        : std::min<std::size_t>(value.value.bytes->len, content_.byte_limit);
            append_hex_bytes(out, value.value.bytes->data, length, separator);
        }
        out += '"';
        return true;
    }
    case FT_STRING:
    case FT_STRINGZ:
    case FT_UINT_STRING:
    case FT_STRINGZPAD:
    case FT_STRINGZTRUNC: {
        // Embedded NULs come out as the two characters '\' '0', as ws_escape_null writes them.
        const wmem_strbuf_t *text = value.value.strbuf;
        std::string_view rest(wmem_strbuf_get_str(text), wmem_strbuf_get_len(text));
        out += '"';
        for (std::size_t nul; (nul = rest.find('\0')) != std::string_view::npos; rest.remove_prefix(nul + 1)) {
            append_json_string_body(out, rest.substr(0, nul));
            out += R"(\\0)";  // JSON for backslash, zero
        }
        append_json_string_body(out, rest);
        out += '"';
        return true;
    }
    case FT_IPv4:
        out += '"';
        append_ipv4(out, value.value.ipv4.addr);
        out += '"';
        return true;
    case FT_IPv6:
        out += '"';
        append_ipv6(out, value.value.ipv6.addr.bytes);
        out += '"';
        return true;
    case FT_RELATIVE_TIME: {
        const std::size_t before = out.size();
        out += '"';
        if (!append_relative_time(out, value.value.time.secs, value.value.time.nsecs)) {
            out.truncate(before);
            return false;
        }
        out += '"';
        return true;
    }
    default:
        return false;
    }
}
#else
bool EkTreeWriter::write_common_value(const field_info *, JsonBuffer &) { return false; }
#endif

void EkTreeWriter::write_field_value(const field_info *fi, JsonBuffer &out) {
    if (write_common_value(fi, out)) return;
    switch (fi->hfinfo->type) {
    case FT_NONE:
        out += "null";
        return;
    case FT_BOOLEAN:
        out += wireshark_compat::boolean_value(fi) ? "true" : "false";
        return;
    case FT_ABSOLUTE_TIME:
        write_absolute_time(wireshark_compat::absolute_time(fi), out);
        return;
    default: {
        char *text = wireshark_compat::ek_value_text(fi);
        if (text == nullptr) {
            out += "null";  // tshark writes a name without a value here: invalid JSON
            return;
        }
        const bool cut = (fi->hfinfo->type == FT_BYTES || fi->hfinfo->type == FT_UINT_BYTES) &&
                         content_.byte_limit != DocumentContent::kAllBytes;
        append_json_string(out, cut ? truncated_hex_text(text, content_.byte_limit) : std::string_view(text));
        wmem_free(nullptr, text);
    }
    }
}

}  // namespace espcap::tap
