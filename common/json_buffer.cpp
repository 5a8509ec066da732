// SPDX-License-Identifier: GPL-2.0-or-later
#include "json_buffer.h"

#include <cstdlib>
#include <new>
#include <utility>

namespace espcap {

void JsonBuffer::grow(std::size_t more) {
    // Doubling keeps appends amortised O(1); documents settle at a few kilobytes.
    std::size_t capacity = capacity_ < 256 ? 256 : capacity_;
    while (capacity - size_ < more) capacity *= 2;
    void *grown = std::realloc(data_, capacity);
    if (grown == nullptr) throw std::bad_alloc();
    data_ = static_cast<char *>(grown);
    capacity_ = capacity;
}

void JsonBuffer::append_growing(const char *bytes, std::size_t n) {
    // The bytes may be part of this buffer (ECS copies repeat values written earlier).
    const bool inside = data_ != nullptr && bytes >= data_ && bytes < data_ + size_;
    const std::size_t offset = inside ? static_cast<std::size_t>(bytes - data_) : 0;
    grow(n);
    if (inside) bytes = data_ + offset;
    std::memcpy(data_ + size_, bytes, n);
    size_ += n;
}

void JsonBuffer::swap(JsonBuffer &other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
}

}  // namespace espcap
