// SPDX-License-Identifier: GPL-2.0-or-later
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

TEST_CASE("Spool files inflate back, and damaged or oversized data is refused", "[export][gzip]") {
    using espcap::exporter::gzip_compress;
    using espcap::exporter::gzip_decompress;
    std::string body(300000, 'x');
    const std::string compressed = gzip_compress(body);
    std::string out, error;
    REQUIRE(gzip_decompress(compressed, body.size(), out, error));
    CHECK(out == body);

    CHECK_FALSE(gzip_decompress(compressed, body.size() - 1, out, error));
    CHECK_THAT(error, Catch::Contains("larger than"));

    error.clear();
    CHECK_FALSE(gzip_decompress(compressed.substr(0, compressed.size() / 2), body.size(), out, error));
    CHECK(error == "truncated gzip data");

    error.clear();
    CHECK_FALSE(gzip_decompress("not gzip at all", 1000, out, error));
    CHECK(error == "damaged gzip data");
}
