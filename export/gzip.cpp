#include "gzip.h"

#include <zlib.h>

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

}  // namespace espcap::exporter
