// SPDX-License-Identifier: GPL-2.0-or-later
// The growing byte buffer documents are written into.
//
//   JsonBuffer out;
//   out += '{';  out += "\"name\":";  out.append(bytes, n);
//   char *p = out.tail(20);  ...  out.commit(p + written);   // format in place
//   exporter.add_document(index, id, out.view());
//
// A document is a few hundred small appends (a quote, a name, a number). std::string
// makes each one an out-of-line call; here the common case is a capacity check and a
// copy, inlined, and numbers are formatted straight into the buffer.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace espcap {

class JsonBuffer {
public:
    JsonBuffer() = default;
    JsonBuffer(const JsonBuffer &) = delete;
    JsonBuffer &operator=(const JsonBuffer &) = delete;
    JsonBuffer(JsonBuffer &&other) noexcept { swap(other); }
    JsonBuffer &operator=(JsonBuffer &&other) noexcept {
        swap(other);
        return *this;
    }
    ~JsonBuffer() { std::free(data_); }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const char *data() const { return size_ != 0 ? data_ : ""; }
    std::string_view view() const { return {data(), size_}; }
    std::string str() const { return std::string(view()); }

    // Keeps the memory for the next document.
    void clear() { size_ = 0; }
    // Cuts the buffer back to `size` bytes (never longer than it is).
    void truncate(std::size_t size) {
        if (size < size_) size_ = size;
    }

    void push_back(char c) {
        if (size_ == capacity_) grow(1);
        data_[size_++] = c;
    }
    void append(const char *bytes, std::size_t n) {
        if (n == 0) return;  // memcpy must not see the null pointers of empty buffers
        if (n > capacity_ - size_) {
            append_growing(bytes, n);
            return;
        }
        std::memcpy(data_ + size_, bytes, n);
        size_ += n;
    }
    void append(std::string_view bytes) { append(bytes.data(), bytes.size()); }
    JsonBuffer &operator+=(char c) {
        push_back(c);
        return *this;
    }
    JsonBuffer &operator+=(std::string_view bytes) {
        append(bytes);
        return *this;
    }

    // Room for at least `n` more bytes at the end; write there, then commit() the end
    // of what was written.
    char *tail(std::size_t n) {
        if (n > capacity_ - size_) grow(n);
        return data_ + size_;
    }
    void commit(const char *end) { size_ = static_cast<std::size_t>(end - data_); }

private:
    void grow(std::size_t more);
    void append_growing(const char *bytes, std::size_t n);
    void swap(JsonBuffer &other) noexcept;

    char *data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

inline bool operator==(const JsonBuffer &buffer, std::string_view text) { return buffer.view() == text; }

}  // namespace espcap
