#include <catch2/catch.hpp>

#include <zlib.h>

#include <string>

#include "gzip.h"

namespace {
std::string gunzip(const std::string &compressed) {
    z_stream stream{};
    REQUIRE(inflateInit2(&stream, 15 + 16) == Z_OK);
    std::string out(1 << 20, '\0');
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    stream.next_out = reinterpret_cast<Bytef *>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    REQUIRE(inflate(&stream, Z_FINISH) == Z_STREAM_END);
    out.resize(stream.total_out);
    inflateEnd(&stream);
    return out;
}
}  // namespace

TEST_CASE("Request bodies round-trip through gzip", "[export][gzip]") {
    std::string body;
    for (int i = 0; i < 2000; ++i) body += R"({"create":{"_index":"packets-2015-07-30"}})" "\n" R"({"layers":{}})" "\n";
    const std::string compressed = espcap::exporter::gzip_compress(body);
    CHECK(compressed.size() < body.size() / 10);
    CHECK(static_cast<unsigned char>(compressed[0]) == 0x1f);  // gzip magic
    CHECK(static_cast<unsigned char>(compressed[1]) == 0x8b);
    CHECK(gunzip(compressed) == body);
    CHECK(gunzip(espcap::exporter::gzip_compress("")).empty());
}
