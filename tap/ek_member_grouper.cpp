#include "ek_member_grouper.h"

namespace espcap::tap {

void EkMemberGrouper::ScopedTable::clear() {
    if (++generation_ == 0) {  // wrapped: forget every old generation for real
        slots_.assign(slots_.size(), Slot{});
        generation_ = 1;
    }
}

void EkMemberGrouper::ScopedTable::set(std::uint32_t id, std::uint32_t index) {
    if (id >= slots_.size()) slots_.resize(static_cast<std::size_t>(id) + 256);
    slots_[id] = Slot{generation_, index};
}

bool EkMemberGrouper::group_if_all_distinct(const std::vector<EkItem> &items, std::vector<EkMember> &members,
                                            std::vector<const void *> &ordered_nodes) {
    group_by_abbrev_.clear();
    member_by_name_.clear();
    for (std::uint32_t i = 0; i < items.size(); ++i) {
        if (group_by_abbrev_.find(items[i].abbrev_id) != kNone || member_by_name_.find(items[i].name_id) != kNone)
            return false;
        group_by_abbrev_.set(items[i].abbrev_id, i);
        member_by_name_.set(items[i].name_id, i);
    }
    for (const EkItem &item : items) {
        members.push_back(EkMember{item.name_id, static_cast<std::uint32_t>(ordered_nodes.size()), 1});
        ordered_nodes.push_back(item.node);
    }
    return true;
}

void EkMemberGrouper::group(const std::vector<EkItem> &items, std::vector<EkMember> &members,
                            std::vector<const void *> &ordered_nodes) {
    // With no abbrev and no name twice, every item is a group and a member of its own,
    // in tree order: the cheap case, and that of most application-layer objects.
    if (group_if_all_distinct(items, members, ordered_nodes)) return;

    next_item_.assign(items.size(), kNone);
    groups_.clear();
    pending_.clear();
    group_by_abbrev_.clear();
    member_by_name_.clear();

    // Pass 1: tshark's groups, in order of first appearance, items chained in tree order.
    // A field rarely sits under more than one parent in a scope, so the walk is short.
    for (std::uint32_t i = 0; i < items.size(); ++i) {
        const EkItem &item = items[i];
        const std::uint32_t first_of_abbrev = group_by_abbrev_.find(item.abbrev_id);
        std::uint32_t g = first_of_abbrev, last_of_abbrev = kNone;
        while (g != kNone && groups_[g].parent_abbrev_id != item.parent_abbrev_id) {
            last_of_abbrev = g;
            g = groups_[g].next_group_same_abbrev;
        }
        if (g != kNone) {
            next_item_[groups_[g].last_item] = i;
            groups_[g].last_item = i;
            continue;
        }
        const auto created = static_cast<std::uint32_t>(groups_.size());
        groups_.push_back(Group{item.parent_abbrev_id, item.name_id, i, i, kNone, kNone});
        if (first_of_abbrev == kNone)
            group_by_abbrev_.set(item.abbrev_id, created);
        else
            groups_[last_of_abbrev].next_group_same_abbrev = created;
    }

    // Pass 2: groups that write the same name become one member, at the first one's place.
    for (std::uint32_t g = 0; g < groups_.size(); ++g) {
        const std::uint32_t m = member_by_name_.find(groups_[g].name_id);
        if (m == kNone) {
            member_by_name_.set(groups_[g].name_id, static_cast<std::uint32_t>(pending_.size()));
            pending_.push_back(PendingMember{groups_[g].name_id, g, g});
        } else {
            groups_[pending_[m].last_group].next_group_same_name = g;
            pending_[m].last_group = g;
        }
    }

    // Pass 3: flatten.
    for (const PendingMember &m : pending_) {
        const auto first = static_cast<std::uint32_t>(ordered_nodes.size());
        for (std::uint32_t g = m.first_group; g != kNone; g = groups_[g].next_group_same_name) {
            for (std::uint32_t i = groups_[g].first_item; i != kNone; i = next_item_[i])
                ordered_nodes.push_back(items[i].node);
        }
        members.push_back(EkMember{m.name_id, first,
                                   static_cast<std::uint32_t>(ordered_nodes.size()) - first});
    }
}

}  // namespace espcap::tap
