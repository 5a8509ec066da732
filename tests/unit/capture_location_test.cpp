// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "capture_location.h"
#include "temporary_folder.h"

using namespace espcap::retrieve;
namespace fs = std::filesystem;

namespace {
void touch(const fs::path &path) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "x";
}
}  // namespace

TEST_CASE("A document's file name is read only where captures= allows", "[retrieve]") {
    espcap::test::TemporaryFolder tmp("espcap-location");
    const fs::path captures = tmp.path / "captures", outside = tmp.path / "outside" / "b.pcap";
    touch(captures / "day1" / "a.pcap");
    touch(outside);
    fs::create_symlink(outside, captures / "link.pcap");
    fs::create_symlink(captures / "day1" / "a.pcap", captures / "alias.pcap");
    CaptureFolder folder;
    std::string error;
    REQUIRE(open_capture_folder(captures.string(), false, folder, error));
    const std::string real_a = fs::canonical(captures / "day1" / "a.pcap").string();

    SECTION("names inside are read at their resolved place") {
        CHECK(locate_capture(folder, "day1/a.pcap").path == real_a);
        CHECK(locate_capture(folder, "./day1/../day1/a.pcap").path == real_a);
        CHECK(locate_capture(folder, "alias.pcap").path == real_a);  // a link that stays inside
    }
    SECTION("names that lead outside are refused, whether or not the file exists") {
        for (const char *name : {"../outside/b.pcap", "day1/../../outside/b.pcap", "../nothing.pcap", "..", "link.pcap"}) {
            const CapturePlace place = locate_capture(folder, name);
            CHECK(place.path.empty());
            CHECK_THAT(place.problem, Catch::StartsWith("refused:") && Catch::Contains("outside captures="));
        }
    }
    SECTION("absolute names need absolute_paths=true") {
        CHECK_THAT(locate_capture(folder, outside.string()).problem, Catch::Contains("absolute_paths=true"));
        CaptureFolder trusting;
        REQUIRE(open_capture_folder(captures.string(), true, trusting, error));
        CHECK(locate_capture(trusting, outside.string()).path == fs::canonical(outside).string());
        CHECK_THAT(locate_capture(trusting, "../outside/b.pcap").problem, Catch::Contains("outside captures="));
    }
    SECTION("a missing file, an overlong name and a NUL byte are reported, not read") {
        CHECK_THAT(locate_capture(folder, "day2/c.pcap").problem, Catch::StartsWith("missing (no file at "));
        CHECK_THAT(locate_capture(folder, std::string(kMaxFileNameBytes + 1, 'a')).problem,
                   Catch::Contains("longer than"));
        CHECK_THAT(locate_capture(folder, std::string("day1/a.pcap\0x", 13)).problem, Catch::Contains("NUL"));
    }
    SECTION("captures= must be a folder") {
        CHECK_FALSE(open_capture_folder((tmp.path / "none").string(), false, folder, error));
        CHECK_THAT(error, Catch::Contains("is not a folder"));
        CHECK_FALSE(open_capture_folder(outside.string(), false, folder, error));
    }
}
