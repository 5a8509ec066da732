#include "gzip.h"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

namespace espcap::exporter {

std::string gzip_compress(std::string_view data) {
    z_stream stream{};
    constexpr int kGzipWindowBits = 15 + 16;  // +16 asks zlib for a gzip header
    if (deflateInit2(&stream, 1, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("zlib: deflateInit2 failed");
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef *>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int result = deflate(&stream, Z_FINISH);
    deflateEnd(&stream);
    if (result != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
    out.resize(stream.total_out);
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
