// SPDX-License-Identifier: GPL-2.0-or-later
// Which search type each document member gets, derived once per run from Wireshark's
// own field registry, so the types always match the running Wireshark and its plugins.
//
//   FieldRegistry registry;                       // scans every registered field
//   FieldType type = registry.type_of(name, hfinfo);
//
// A member name is "<protocol>_<abbrev>" with dots turned into underscores, so several
// fields can share one name (an abbrev registered twice, or "a.b_c" next to "a_b.c").
// When they would need different types the name is mapped as keyword, which accepts
// every value, so no name ever needs two mappings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "field_type.h"

struct _header_field_info;

namespace espcap::tap {

// tshark's member name for a field, encoded as written: "\"ip_ip_src\":".
std::string encoded_member_name(const _header_field_info *hfinfo);

// What the serializer writes for this one field, as a search type.
FieldType written_type(const _header_field_info *hfinfo);

class FieldRegistry {
public:
    FieldRegistry();

    // Fields registered after the scan (rare: some dissectors add fields at run time)
    // get their own written type.
    FieldType type_of(const _header_field_info *hfinfo) const;
    // By plain member name ("dns_dns_qry_name"); keyword for a name no field has.
    FieldType type_of_member(std::string_view name) const;

    // {"fields":..,"names":..,"conflicts":..,"names_by_type":{..}} for the template's _meta.
    std::string summary_json() const;

    struct Summary {
        std::size_t fields = 0;     // registered fields scanned
        std::size_t names = 0;      // distinct member names among them
        std::size_t conflicts = 0;  // names whose fields disagree, mapped as keyword
        std::map<std::string, std::size_t> names_by_type;
    };
    const Summary &summary() const { return summary_; }

private:
    void add(const _header_field_info *hfinfo);

    // Keyed by a 64-bit hash of the name: a quarter of a million names are scanned on
    // every run, and strings would make that scan several times slower.
    std::unordered_map<std::uint64_t, FieldType> type_by_name_;
    std::unordered_map<std::uint64_t, bool> conflicted_;
    Summary summary_;
};

}  // namespace espcap::tap
