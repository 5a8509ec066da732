// SPDX-License-Identifier: GPL-2.0-or-later
// A folder of the test's own under /tmp, removed with everything in it at scope end.
#pragma once

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace espcap::test {

struct TemporaryFolder {
    std::filesystem::path path;
    explicit TemporaryFolder(const std::string &prefix = "espcap-test") {
        std::string name = "/tmp/" + prefix + "-XXXXXX";
        REQUIRE(mkdtemp(name.data()) != nullptr);
        path = name;
    }
    ~TemporaryFolder() { std::filesystem::remove_all(path); }
};

}  // namespace espcap::test
