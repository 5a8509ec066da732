// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <cstdio>

#include "capture_arguments.h"

using espcap::capture_arguments_of;

TEST_CASE("The capture file comes from tshark's -r in all its spellings", "[plugin][source]") {
    using Args = std::vector<std::string>;
    auto args = GENERATE(Args{"tshark", "-r", "a.pcap", "-q"}, Args{"tshark", "-ra.pcap"},
                         Args{"tshark", "-qr", "a.pcap"}, Args{"tshark", "--read-file", "a.pcap"},
                         Args{"tshark", "--read-file=a.pcap"},
                         Args{"tshark", "-X", "espcap:node=x", "-o", "a:b", "-r", "a.pcap"});
    CAPTURE(args);
    const auto source = capture_arguments_of(args);
    CHECK(source.read_file == "a.pcap");
    CHECK(source.interfaces.empty());
}

TEST_CASE("Option values are not mistaken for options", "[plugin][source]") {
    const auto source = capture_arguments_of({"tshark", "-Y", "-r", "-i", "eth0", "-f", "port 53"});
    CHECK(source.read_file.empty());
    CHECK(source.interfaces == std::vector<std::string>{"eth0"});
}

TEST_CASE("Live captures list their interfaces", "[plugin][source]") {
    const auto source = capture_arguments_of({"tshark", "-i", "lo", "--interface=eth0", "-c", "5"});
    CHECK(source.read_file.empty());
    CHECK(source.interfaces == std::vector<std::string>{"lo", "eth0"});
}

TEST_CASE("A live capture written with -w names that file; a ring buffer or stdout names none", "[plugin][source]") {
    CHECK(capture_arguments_of({"tshark", "-i", "lo", "-w", "/caps/live.pcapng"}).live_file() ==
          "/caps/live.pcapng");
    CHECK(capture_arguments_of({"tshark", "-qi", "lo", "-w/caps/a.pcapng"}).live_file() == "/caps/a.pcapng");
    CHECK(capture_arguments_of({"tshark", "-i", "lo", "-w", "-"}).live_file().empty());
    CHECK(capture_arguments_of({"tshark", "-i", "lo"}).live_file().empty());
    for (const auto &ring : {std::vector<std::string>{"tshark", "-i", "lo", "-b", "filesize:100", "-w", "r.pcapng"},
                             std::vector<std::string>{"tshark", "-i", "lo", "--ring-buffer=files:3", "-w", "r.pcapng"}}) {
        const auto source = capture_arguments_of(ring);
        CHECK(source.ring_buffer);
        CHECK(source.write_file == "r.pcapng");
        CHECK(source.live_file().empty());
    }
    // Reading a file: -w is where tshark copies packets to, not where they come from.
    CHECK(capture_arguments_of({"tshark", "-r", "a.pcap", "-w", "b.pcapng"}).live_file().empty());
}

TEST_CASE("Ring-buffer files are recognised by dumpcap's naming", "[plugin][source]") {
    CHECK(espcap::is_ring_buffer_file("/caps/ring.pcapng", "ring_00001_20260101120000.pcapng"));
    CHECK(espcap::is_ring_buffer_file("ring", "ring_00012_20260101120000"));
    CHECK_FALSE(espcap::is_ring_buffer_file("/caps/ring.pcapng", "ring.pcapng"));
    CHECK_FALSE(espcap::is_ring_buffer_file("/caps/ring.pcapng", "ring_00001_20260101120000.pcap"));
    CHECK_FALSE(espcap::is_ring_buffer_file("/caps/ring.pcapng", "rung_00001_20260101120000.pcapng"));
    CHECK_FALSE(espcap::is_ring_buffer_file("/caps/ring.pcapng", "ring_0000a_20260101120000.pcapng"));
    CHECK_FALSE(espcap::is_ring_buffer_file("/caps/ring.pcapng", "ring_00001-20260101120000.pcapng"));
}
