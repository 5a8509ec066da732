// SPDX-License-Identifier: GPL-2.0-or-later
// Finds the members a run writes for the first time into each index, so that their
// mappings can be put in place before the first document that uses them is sent.
//
//   discovery.select_index("packets-2015-07-30");
//   discovery.note(path, name_id, "ip_ip_src", FieldType::ip);   // per member
//   for (DiscoveredField &f : discovery.discovered()) ...;      // then clear it
//
// note() runs for every member of every packet, so it is an array lookup: object paths
// and member names are small integer ids, and each index keeps a flag per (path, name).
// Only the kRememberedIndices indices used last keep their flags: an index that comes
// back after that finds its fields again, and the mappings read what the node already
// has for them (field_mappings.h), so a capture over years costs no more than one day.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "field_type.h"
#include "recently_used.h"

namespace espcap::tap {

struct DiscoveredField {
    std::string index;
    std::string path;  // "layers.ip.ip_ip_src"; member names never contain dots
    FieldType type;
};

class FieldDiscovery {
public:
    static constexpr std::uint32_t kLayersPath = 0;  // the "layers" object
    // A capture crossing midnight needs two; a handful more covers packets out of order.
    static constexpr std::size_t kRememberedIndices = 16;

    FieldDiscovery();

    void select_index(const std::string &index);

    // The id of the object member `name` (id `name_id`) inside object `parent`.
    std::uint32_t object_path(std::uint32_t parent, std::uint32_t name_id, std::string_view name);

    void note(std::uint32_t path, std::uint32_t name_id, std::string_view name, FieldType type) {
        const std::vector<bool> &flags = (*seen_)[path];
        if (name_id < flags.size() && flags[name_id]) return;
        note_first_use(path, name_id, name, type);
    }

    // Fields first used since the caller last cleared this list.
    std::vector<DiscoveredField> &discovered() { return discovered_; }

private:
    using SeenFlags = std::vector<std::vector<bool>>;  // [path id][name id]
    void note_first_use(std::uint32_t path, std::uint32_t name_id, std::string_view name, FieldType type);

    std::vector<std::string> paths_;  // dotted, by path id
    std::unordered_map<std::uint64_t, std::uint32_t> path_ids_;  // (parent, name id) -> id
    RecentlyUsed<SeenFlags> seen_by_index_{kRememberedIndices};
    std::string index_;
    SeenFlags *seen_;
    std::vector<DiscoveredField> discovered_;
};

}  // namespace espcap::tap
