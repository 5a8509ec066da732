// SPDX-License-Identifier: GPL-2.0-or-later
// The runner: Catch2 2 builds main() here; Catch2 3 links Catch2WithMain instead.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
