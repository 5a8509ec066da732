// SPDX-License-Identifier: GPL-2.0-or-later
// A map that keeps only the `capacity` entries used last: state kept per day index
// (which fields were seen, how the node maps them) must not grow with a capture that
// spans years, or with packets whose timestamps are nonsense.
//
//   RecentlyUsed<Flags> seen(16);
//   Flags *flags = seen.find(index);                 // marks it used
//   if (!flags) flags = &seen.insert(index, Flags{});  // may forget the oldest
//
// Pointers stay valid until their entry is forgotten or erased.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace espcap {

template <typename Value>
class RecentlyUsed {
public:
    explicit RecentlyUsed(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

    Value *find(const std::string &key) {
        const auto found = by_key_.find(key);
        if (found == by_key_.end()) return nullptr;
        entries_.splice(entries_.begin(), entries_, found->second);  // now the most recent
        return &found->second->second;
    }

    // `key` must not be there yet.
    Value &insert(const std::string &key, Value value) {
        if (entries_.size() == capacity_) {
            by_key_.erase(entries_.back().first);
            entries_.pop_back();
        }
        entries_.emplace_front(key, std::move(value));
        by_key_.emplace(key, entries_.begin());
        return entries_.front().second;
    }

    void erase(const std::string &key) {
        const auto found = by_key_.find(key);
        if (found == by_key_.end()) return;
        entries_.erase(found->second);
        by_key_.erase(found);
    }

    template <typename Visit>
    void for_each(Visit visit) {
        for (auto &[key, value] : entries_) visit(key, value);
    }

    std::size_t size() const { return entries_.size(); }
    std::size_t capacity() const { return capacity_; }

private:
    using Entries = std::list<std::pair<std::string, Value>>;
    std::size_t capacity_;
    Entries entries_;  // the most recently used first
    std::unordered_map<std::string, typename Entries::iterator> by_key_;
};

}  // namespace espcap
