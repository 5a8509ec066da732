// SPDX-License-Identifier: GPL-2.0-or-later
#include "ek_member_grouper.h"

#include <algorithm>

namespace espcap::tap {

void EkMemberGrouper::ScopedTable::clear() {
    if (++generation_ == 0) {  // wrapped: forget every old generation for real
        slots_.assign(slots_.size(), Slot{});
        generation_ = 1;
    }
}

void EkMemberGrouper::ScopedTable::grow(std::uint32_t id) {
    slots_.resize(std::max(static_cast<std::size_t>(id) + 1, 2 * slots_.size()));
}

std::uint64_t EkMemberGrouper::shape_hash(const std::vector<EkItem> &items) {
    std::uint64_t hash = 0x9e3779b97f4a7c15ULL ^ items.size();
    for (const EkItem &item : items) {
        hash = (hash ^ item.parent_abbrev_id) * 0x100000001b3ULL;
        hash = (hash ^ item.abbrev_id) * 0x100000001b3ULL;
        hash = (hash ^ item.name_id) * 0x100000001b3ULL;
    }
    return hash;
}

bool EkMemberGrouper::same_shape(const Shape &shape, const std::vector<EkItem> &items) {
    if (shape.ids.size() != 3 * items.size()) return false;
    const std::uint32_t *ids = shape.ids.data();
    for (const EkItem &item : items) {
        if (ids[0] != item.parent_abbrev_id || ids[1] != item.abbrev_id || ids[2] != item.name_id) return false;
        ids += 3;
    }
    return true;
}

void EkMemberGrouper::group(const std::vector<EkItem> &items, std::vector<EkMember> &members,
                            std::vector<const void *> &ordered_nodes) {
    const std::uint64_t hash = shape_hash(items);
    const auto known = shapes_.find(hash);
    const Shape *found = known != shapes_.end() && same_shape(known->second, items) ? &known->second : nullptr;
    if (found == nullptr) {
        if (known == shapes_.end() && shapes_.size() >= kMaxShapes) shapes_.clear();
        Shape &fresh = shapes_[hash];  // a colliding shape is replaced
        fresh.ids.clear();
        for (const EkItem &item : items)
            fresh.ids.insert(fresh.ids.end(), {item.parent_abbrev_id, item.abbrev_id, item.name_id});
        group_afresh(items, fresh);
        found = &fresh;
    }

    // Replay the shape over this object's own nodes.
    const Shape &shape = *found;
    const std::size_t node_base = ordered_nodes.size();
    std::size_t m = members.size();
    members.resize(m + shape.members.size());
    auto first = static_cast<std::uint32_t>(node_base);
    for (const auto &[name_id, count] : shape.members) {
        members[m++] = EkMember{name_id, first, count};
        first += count;
    }
    ordered_nodes.resize(node_base + shape.order.size());
    const void **out = ordered_nodes.data() + node_base;
    for (const std::uint32_t item : shape.order) *out++ = items[item].node;
}

void EkMemberGrouper::group_afresh(const std::vector<EkItem> &items, Shape &shape) {
    // At most one group and one member per item: sized once, filled by index, so the
    // per-item work has no capacity checks.
    if (next_item_.size() < items.size()) {
        next_item_.resize(items.size());
        groups_.resize(items.size());
        pending_.resize(items.size());
    }
    std::uint32_t group_count = 0, member_count = 0;
    group_by_abbrev_.clear();
    member_by_name_.clear();

    // Pass 1: tshark's groups, in order of first appearance, items chained in tree order;
    // groups that write the same name chained into one member, at the first one's place.
    // A field rarely sits under more than one parent in a scope, so the walk is short.
    for (std::uint32_t i = 0; i < items.size(); ++i) {
        const EkItem &item = items[i];
        const std::uint32_t first_of_abbrev = group_by_abbrev_.find(item.abbrev_id);
        std::uint32_t g = first_of_abbrev, last_of_abbrev = kNone;
        while (g != kNone && groups_[g].parent_abbrev_id != item.parent_abbrev_id) {
            last_of_abbrev = g;
            g = groups_[g].next_group_same_abbrev;
        }
        next_item_[i] = kNone;
        if (g != kNone) {
            next_item_[groups_[g].last_item] = i;
            groups_[g].last_item = i;
            continue;
        }
        const std::uint32_t created = group_count++;
        groups_[created] = Group{item.parent_abbrev_id, item.name_id, i, i, kNone, kNone};
        if (first_of_abbrev == kNone)
            group_by_abbrev_.set(item.abbrev_id, created);
        else
            groups_[last_of_abbrev].next_group_same_abbrev = created;

        // A new group joins the member of its name, or starts one at its own place.
        const std::uint32_t m = member_by_name_.find(item.name_id);
        if (m == kNone) {
            member_by_name_.set(item.name_id, member_count);
            pending_[member_count++] = PendingMember{item.name_id, created, created};
        } else {
            groups_[pending_[m].last_group].next_group_same_name = created;
            pending_[m].last_group = created;
        }
    }

    // Pass 2: flatten. Every item lands in exactly one member, so both outputs are
    // sized up front and filled by index.
    std::uint32_t next = 0;
    shape.members.resize(member_count);
    shape.order.resize(items.size());
    for (std::uint32_t pm = 0; pm < member_count; ++pm) {
        const PendingMember &m = pending_[pm];
        const std::uint32_t first = next;
        for (std::uint32_t g = m.first_group; g != kNone; g = groups_[g].next_group_same_name) {
            for (std::uint32_t i = groups_[g].first_item; i != kNone; i = next_item_[i]) shape.order[next++] = i;
        }
        shape.members[pm] = {m.name_id, next - first};
    }
}

}  // namespace espcap::tap
