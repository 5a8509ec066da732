#include "ek_member_grouper.h"

namespace espcap::tap {

void EkMemberGrouper::group(const std::vector<EkItem> &items, std::vector<EkMember> &members,
                            std::vector<const void *> &ordered_nodes) {
    next_item_.assign(items.size(), kNone);
    groups_.clear();
    pending_.clear();
    group_by_key_.clear();
    member_by_name_.clear();

    // Pass 1: tshark's groups, in order of first appearance, items chained in tree order.
    for (std::uint32_t i = 0; i < items.size(); ++i) {
        auto [it, inserted] = group_by_key_.try_emplace(items[i].group_key,
                                                        static_cast<std::uint32_t>(groups_.size()));
        if (inserted) {
            groups_.push_back(Group{items[i].name_id, i, i, kNone});
        } else {
            Group &g = groups_[it->second];
            next_item_[g.last_item] = i;
            g.last_item = i;
        }
    }

    // Pass 2: groups that write the same name become one member, at the first one's place.
    for (std::uint32_t g = 0; g < groups_.size(); ++g) {
        auto [it, inserted] = member_by_name_.try_emplace(groups_[g].name_id,
                                                          static_cast<std::uint32_t>(pending_.size()));
        if (inserted) {
            pending_.push_back(PendingMember{groups_[g].name_id, g, g});
        } else {
            PendingMember &m = pending_[it->second];
            groups_[m.last_group].next_group_same_name = g;
            m.last_group = g;
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
