// SPDX-License-Identifier: GPL-2.0-or-later
#include "gzip.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <memory>
#include <new>
#include <stdexcept>

namespace espcap::exporter {

std::string gzip_compress(std::string_view data) {
    // One compressor per thread, kept: allocating one costs more than a small batch.
    struct Free {
        void operator()(libdeflate_compressor *c) const { libdeflate_free_compressor(c); }
    };
    thread_local std::unique_ptr<libdeflate_compressor, Free> compressor(libdeflate_alloc_compressor(1));
    if (!compressor) throw std::bad_alloc();
    std::string out(libdeflate_gzip_compress_bound(compressor.get(), data.size()), '\0');
    const std::size_t size =
        libdeflate_gzip_compress(compressor.get(), data.data(), data.size(), out.data(), out.size());
    if (size == 0) throw std::runtime_error("libdeflate: gzip output larger than its bound");
    out.resize(size);
    return out;
}

bool gzip_decompress(std::string_view data, std::size_t max_size, std::string &out, std::string &error) {
    z_stream stream{};
    constexpr int kGzipOnlyWindowBits = 15 + 16;
    if (inflateInit2(&stream, kGzipOnlyWindowBits) != Z_OK) {
        error = "zlib: inflateInit2 failed";
        return false;
    }
    out.clear();
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    int result = Z_OK;
    while (result == Z_OK) {
        if (out.size() >= max_size) {
            error = "larger than " + std::to_string(max_size) + " bytes once inflated";
            break;
        }
        const std::size_t used = out.size();
        out.resize(std::min(max_size, std::max<std::size_t>(used * 2, 64 * 1024)));
        stream.next_out = reinterpret_cast<Bytef *>(out.data() + used);
        stream.avail_out = static_cast<uInt>(out.size() - used);
        result = inflate(&stream, Z_NO_FLUSH);
        out.resize(out.size() - stream.avail_out);
    }
    inflateEnd(&stream);
    if (result == Z_STREAM_END) return true;
    if (error.empty()) error = result == Z_BUF_ERROR ? "truncated gzip data" : "damaged gzip data";
    return false;
}

}  // namespace espcap::exporter
