// SPDX-License-Identifier: GPL-2.0-or-later
#include "field_discovery.h"

namespace espcap::tap {

FieldDiscovery::FieldDiscovery() : paths_{"layers"}, seen_(&seen_by_index_.insert("", SeenFlags(1))) {}

void FieldDiscovery::select_index(const std::string &index) {
    if (index == index_) return;
    index_ = index;
    seen_ = seen_by_index_.find(index);
    if (seen_ == nullptr) seen_ = &seen_by_index_.insert(index, SeenFlags());  // new, or forgotten
    seen_->resize(paths_.size());
}

std::uint32_t FieldDiscovery::object_path(std::uint32_t parent, std::uint32_t name_id, std::string_view name) {
    const std::uint64_t key = (static_cast<std::uint64_t>(parent) << 32) | name_id;
    const auto [it, inserted] = path_ids_.try_emplace(key, static_cast<std::uint32_t>(paths_.size()));
    if (inserted) {
        paths_.push_back(paths_[parent] + "." + std::string(name));
        seen_by_index_.for_each([this](const std::string &, SeenFlags &seen) { seen.resize(paths_.size()); });
    }
    return it->second;
}

void FieldDiscovery::note_first_use(std::uint32_t path, std::uint32_t name_id, std::string_view name,
                                    FieldType type) {
    std::vector<bool> &flags = (*seen_)[path];
    if (name_id >= flags.size()) flags.resize(name_id + 64);
    flags[name_id] = true;
    // An empty object is mapped too: else the node maps it while it indexes, a
    // cluster-state update per index on the write path. null maps nothing.
    if (type == FieldType::none) return;
    discovered_.push_back(DiscoveredField{index_, paths_[path] + "." + std::string(name), type});
}

}  // namespace espcap::tap
