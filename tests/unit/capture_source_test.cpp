#include <catch2/catch.hpp>

#include <cstdio>

#include "capture_source.h"

using espcap::capture_source_from_arguments;

TEST_CASE("The capture file comes from tshark's -r in all its spellings", "[plugin][source]") {
    using Args = std::vector<std::string>;
    auto args = GENERATE(Args{"tshark", "-r", "a.pcap", "-q"}, Args{"tshark", "-ra.pcap"},
                         Args{"tshark", "-qr", "a.pcap"}, Args{"tshark", "--read-file", "a.pcap"},
                         Args{"tshark", "--read-file=a.pcap"},
                         Args{"tshark", "-X", "espcap:node=x", "-o", "a:b", "-r", "a.pcap"});
    CAPTURE(args);
    const auto source = capture_source_from_arguments(args);
    CHECK(source.read_file == "a.pcap");
    CHECK(source.interfaces.empty());
}

TEST_CASE("Option values are not mistaken for options", "[plugin][source]") {
    const auto source = capture_source_from_arguments({"tshark", "-Y", "-r", "-i", "eth0", "-f", "port 53"});
    CHECK(source.read_file.empty());
    CHECK(source.interfaces == std::vector<std::string>{"eth0"});
}

TEST_CASE("Live captures list their interfaces", "[plugin][source]") {
    const auto source = capture_source_from_arguments({"tshark", "-i", "lo", "--interface=eth0", "-c", "5"});
    CHECK(source.read_file.empty());
    CHECK(source.interfaces == std::vector<std::string>{"lo", "eth0"});
}

TEST_CASE("A capture file keeps its identity across reads; live runs get a fresh one", "[plugin][source]") {
    const std::string path = "capture_identity_test.bin";
    {
        std::FILE *f = std::fopen(path.c_str(), "wb");
        REQUIRE(f != nullptr);
        std::fputs("some capture bytes", f);
        std::fclose(f);
    }
    const std::string first = espcap::capture_identity(path);
    CHECK(first.size() == 16);
    CHECK(espcap::capture_identity(path) == first);
    {
        std::FILE *f = std::fopen(path.c_str(), "ab");
        std::fputs("!", f);
        std::fclose(f);
    }
    CHECK(espcap::capture_identity(path) != first);
    std::remove(path.c_str());

    const std::string live = espcap::capture_identity("");
    CHECK(live.rfind("run", 0) == 0);
    CHECK(espcap::capture_identity("") != live);
}
