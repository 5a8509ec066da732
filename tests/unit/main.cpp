// The runner: Catch2 2 builds main() here; Catch2 3 links Catch2WithMain instead.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
