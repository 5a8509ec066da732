// SPDX-License-Identifier: GPL-2.0-or-later
// Catch2 2's single header for tests written against it, when the system has Catch2 3
// (Debian 13 and later). tests/unit/CMakeLists.txt puts this folder on the include path
// only then, so the test files keep `#include <catch2/catch.hpp>` and the v2 matcher
// names under both versions.
#pragma once

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators_all.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>

namespace Catch {
// Catch2 2 named the substring matcher Catch::Contains; Catch2 3 calls it
// Matchers::ContainsSubstring and keeps Contains for ranges.
inline Matchers::StringContainsMatcher Contains(const std::string &text,
                                                CaseSensitive sensitivity = CaseSensitive::Yes) {
    return Matchers::ContainsSubstring(text, sensitivity);
}
using Matchers::EndsWith;
using Matchers::StartsWith;
}  // namespace Catch
