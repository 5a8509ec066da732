// SPDX-License-Identifier: GPL-2.0-or-later
// Decides which JSON members an EK object has and which tree nodes go into each.
//
// tshark -T ek groups the children of a protocol by "tree parent's abbrev + own
// abbrev", in order of first appearance, and writes one member per group. Two groups
// can still produce the same written name (eth.addr under eth.src and under eth.dst),
// which gives duplicate keys that Elasticsearch rejects. We produce the document a
// JSON reader would build from tshark's line if it merged duplicate keys into one
// array: a member per written name, at the place of its first group, holding the
// instances of all its groups, group after group.
//
// Plain C++ over opaque node pointers, so tests drive it without Wireshark.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace espcap::tap {

// Ids are small dense numbers (they index tables), as EkTreeWriter interns them.
struct EkItem {
    std::uint32_t parent_abbrev_id;  // with abbrev_id, tshark's group key
    std::uint32_t abbrev_id;
    std::uint32_t name_id;           // identifies the written member name
    const void *node;
};

struct EkMember {
    std::uint32_t name_id;
    std::uint32_t first;  // index of the first instance in the ordered node list
    std::uint32_t count;  // instances: one is written as a value, more as an array
};

class EkMemberGrouper {
public:
    // Appends the members of one object to `members` and their instances, in writing
    // order, to `ordered_nodes`. Reuses internal buffers; not reentrant.
    void group(const std::vector<EkItem> &items, std::vector<EkMember> &members,
               std::vector<const void *> &ordered_nodes);

private:
    static constexpr std::uint32_t kNone = UINT32_MAX;

    // The grouping depends only on the items' ids, and most objects repeat the id
    // sequence of an earlier one (every TCP header of a flow, say). A shape seen before
    // is replayed from what it gave then, without building the groups again.
    struct Shape {
        std::vector<std::uint32_t> ids;    // parent_abbrev_id, abbrev_id, name_id per item
        std::vector<std::uint32_t> order;  // the item behind each ordered node
        std::vector<std::pair<std::uint32_t, std::uint32_t>> members;  // name_id, count
    };
    static constexpr std::size_t kMaxShapes = 4096;  // then start again: memory stays bounded

    static std::uint64_t shape_hash(const std::vector<EkItem> &items);
    static bool same_shape(const Shape &shape, const std::vector<EkItem> &items);
    // The full grouping, into `shape`'s members and order.
    void group_afresh(const std::vector<EkItem> &items, Shape &shape);

    struct Group {
        std::uint32_t parent_abbrev_id;
        std::uint32_t name_id;
        std::uint32_t first_item, last_item;   // chain through next_item_
        std::uint32_t next_group_same_abbrev;  // the same field under other parents
        std::uint32_t next_group_same_name;    // chain of groups merged into one member
    };
    struct PendingMember {
        std::uint32_t name_id;
        std::uint32_t first_group, last_group;
    };

    // Maps a dense id to a group or member index within one scope. group() runs for
    // every object of every packet, so an entry counts only in the generation that
    // wrote it: starting a scope costs nothing, and once grown nothing allocates.
    class ScopedTable {
    public:
        // Starts an empty scope.
        void clear();
        // The index stored for `id` in this scope, or kNone.
        std::uint32_t find(std::uint32_t id) const {
            return id < slots_.size() && slots_[id].generation == generation_ ? slots_[id].index : kNone;
        }
        void set(std::uint32_t id, std::uint32_t index) {
            if (id >= slots_.size()) grow(id);
            slots_[id] = Slot{generation_, index};
        }

    private:
        void grow(std::uint32_t id);

        struct Slot {
            std::uint32_t generation = 0;
            std::uint32_t index = 0;
        };
        std::vector<Slot> slots_;
        std::uint32_t generation_ = 1;
    };

    std::unordered_map<std::uint64_t, Shape> shapes_;
    std::vector<std::uint32_t> next_item_;
    std::vector<Group> groups_;
    std::vector<PendingMember> pending_;
    ScopedTable group_by_abbrev_;  // the first group of each abbrev
    ScopedTable member_by_name_;
};

}  // namespace espcap::tap
