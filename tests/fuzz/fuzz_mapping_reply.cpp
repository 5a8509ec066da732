// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes the reading of a node's _mapping and _settings replies (issue 27: a reply of
// 200,000 nested objects crashed tshark). Beyond not crashing: an accepted mapping has
// no more typed paths than counted fields, and an accepted field limit is in range.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "field_mappings.h"

namespace {
void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_mapping_reply: %s\n", what);
        std::abort();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    using namespace espcap::exporter;
    const std::string_view body(reinterpret_cast<const char *>(bytes), size);
    const std::string index = "packets-2015-07-30";
    std::map<std::string, std::string> types;
    std::size_t field_count = 0;
    std::string problem;
    if (parse_mapping_reply(body, index, types, field_count, problem))
        require(types.size() <= field_count, "every typed path is a counted field");
    else
        require(!problem.empty(), "a refused mapping says why");
    constexpr long kUnchanged = -12345;
    long limit = kUnchanged;
    problem.clear();
    if (parse_field_limit_reply(body, index, limit, problem))
        require(limit == kUnchanged || (limit >= 0 && limit <= 1'000'000'000), "a limit in range");
    else
        require(!problem.empty(), "a refused limit says why");
    return 0;
}
