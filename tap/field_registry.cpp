// SPDX-License-Identifier: GPL-2.0-or-later
#include "field_registry.h"

#include <wireshark.h>
#include <epan/proto.h>
#include <epan/ftypes/ftypes.h>

#include "json_writer.h"

namespace espcap::tap {
namespace {

// Wireshark 4.0's uinteger_to_repr() writes 8- to 32-bit unsigned values in hex for
// these bases, whatever flags (value strings, units) sit above the low byte.
bool written_in_hex_32(int display) {
    return (display & 0xff) == BASE_HEX || (display & 0xff) == BASE_HEX_DEC;
}

// uinteger64_to_repr() compares the whole display value instead: a 64-bit field with
// BASE_HEX | BASE_VAL64_STRING is written in decimal.
bool written_in_hex_64(int display) { return display == BASE_HEX || display == BASE_HEX_DEC; }

// FNV-1a of the member name as written: "<parent abbrev>_<abbrev>", dots as underscores.
class NameHash {
public:
    NameHash &add(const char *text) {
        for (; *text != '\0'; ++text) add_byte(*text == '.' ? '_' : *text);
        return *this;
    }
    NameHash &add_byte(char c) {
        hash_ = (hash_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
        return *this;
    }
    std::uint64_t value() const { return hash_; }

private:
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

std::uint64_t member_name_hash(const header_field_info *hfinfo) {
    NameHash hash;
    if (hfinfo->parent != -1) hash.add(proto_registrar_get_nth(static_cast<guint>(hfinfo->parent))->abbrev).add_byte('_');
    return hash.add(hfinfo->abbrev).value();
}

}  // namespace

std::string encoded_member_name(const header_field_info *hfinfo) {
    std::string name;
    if (hfinfo->parent != -1) {
        name = proto_registrar_get_nth(static_cast<guint>(hfinfo->parent))->abbrev;
        name += '_';
    }
    name += hfinfo->abbrev;
    JsonBuffer encoded;
    append_member_name(encoded, name);
    return encoded.str();
}

FieldType written_type(const header_field_info *hfinfo) {
    if (hfinfo->id == hf_text_only) return FieldType::keyword;  // its label, as text
    switch (hfinfo->type) {
    case FT_NONE:
        return FieldType::none;
    case FT_PROTOCOL:
        return FieldType::object;
    case FT_BOOLEAN:
        return FieldType::boolean;  // the writer writes JSON true/false
    case FT_IPv4:
    case FT_IPv6:
        return FieldType::ip;
    case FT_ABSOLUTE_TIME:
        return FieldType::date;  // the writer writes ISO 8601 in UTC
    case FT_RELATIVE_TIME:       // "-1.250000000": seconds with nine decimals
    case FT_FLOAT:               // "%.6g" / "%.15g": may be "inf" or "nan"
    case FT_DOUBLE:
        return FieldType::double_number;
    case FT_UINT8:
    case FT_UINT16:
    case FT_UINT24:
    case FT_UINT32:
    case FT_FRAMENUM:
        return written_in_hex_32(hfinfo->display) ? FieldType::keyword : FieldType::long_number;
    case FT_INT8:  // signed values are always written in decimal
    case FT_INT16:
    case FT_INT24:
    case FT_INT32:
    case FT_INT40:
    case FT_INT48:
    case FT_INT56:
    case FT_INT64:
        return FieldType::long_number;
    case FT_UINT40:
    case FT_UINT48:
    case FT_UINT56:
        return written_in_hex_64(hfinfo->display) ? FieldType::keyword : FieldType::long_number;
    case FT_UINT64:
        return written_in_hex_64(hfinfo->display) ? FieldType::keyword : FieldType::unsigned_long;
    case FT_BYTES:
    case FT_UINT_BYTES:
        return FieldType::bytes;
    default:  // strings, MAC and other addresses, GUIDs, OIDs, chars...
        return FieldType::keyword;
    }
}

FieldRegistry::FieldRegistry() {
    type_by_name_.reserve(1 << 18);
    add(proto_registrar_get_nth(static_cast<guint>(hf_text_only)));
    void *protocol_cookie = nullptr;
    for (int proto = proto_get_first_protocol(&protocol_cookie); proto != -1;
         proto = proto_get_next_protocol(&protocol_cookie)) {
        add(proto_registrar_get_nth(static_cast<guint>(proto)));
        void *field_cookie = nullptr;
        for (header_field_info *hfinfo = proto_get_first_protocol_field(proto, &field_cookie); hfinfo != nullptr;
             hfinfo = proto_get_next_protocol_field(proto, &field_cookie))
            add(hfinfo);
    }
    summary_.names = type_by_name_.size();
    for (const auto &[hash, type] : type_by_name_) {
        if (type == FieldType::object) continue;  // the summary counts value types
        const char *type_name = field_type_name(type);
        if (*type_name != '\0') ++summary_.names_by_type[type_name];
    }
}

void FieldRegistry::add(const header_field_info *hfinfo) {
    if (hfinfo == nullptr || hfinfo->abbrev == nullptr) return;
    ++summary_.fields;
    const FieldType type = written_type(hfinfo);
    auto [it, inserted] = type_by_name_.try_emplace(member_name_hash(hfinfo), type);
    if (inserted || it->second == type || type == FieldType::none) return;
    if (it->second == FieldType::none) {  // null fits any mapping: the other decides
        it->second = type;
        return;
    }
    // A byte field is a keyword without doc values: a name that is both maps as a
    // keyword (with them), which is no type conflict.
    const auto is_keyword = [](FieldType t) { return t == FieldType::keyword || t == FieldType::bytes; };
    if (is_keyword(it->second) && is_keyword(type)) {
        it->second = FieldType::keyword;
        return;
    }
    if (!conflicted_[it->first]) {
        conflicted_[it->first] = true;
        ++summary_.conflicts;
    }
    // keyword takes any value. No type helps a protocol object whose name is also a
    // field's: it stays an object.
    const bool object = it->second == FieldType::object || type == FieldType::object;
    it->second = object ? FieldType::object : FieldType::keyword;
}

FieldType FieldRegistry::type_of(const header_field_info *hfinfo) const {
    const auto it = type_by_name_.find(member_name_hash(hfinfo));
    return it != type_by_name_.end() ? it->second : written_type(hfinfo);
}

}  // namespace espcap::tap

namespace espcap::tap {

FieldType FieldRegistry::type_of_member(std::string_view name) const {
    const auto it = type_by_name_.find(NameHash().add(std::string(name).c_str()).value());
    return it != type_by_name_.end() ? it->second : FieldType::keyword;
}

std::string FieldRegistry::summary_json() const {
    std::string out = "{\"fields\":" + std::to_string(summary_.fields) + ",\"names\":" +
                      std::to_string(summary_.names) + ",\"conflicts\":" + std::to_string(summary_.conflicts) +
                      ",\"names_by_type\":{";
    bool first = true;
    for (const auto &[type, count] : summary_.names_by_type) {
        if (!first) out += ',';
        first = false;
        out += "\"" + type + "\":" + std::to_string(count);
    }
    return out + "}}";
}

}  // namespace espcap::tap
