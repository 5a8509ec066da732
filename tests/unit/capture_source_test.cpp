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
