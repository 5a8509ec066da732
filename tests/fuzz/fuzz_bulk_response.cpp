// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes the bulk-reply parser with arbitrary server replies. Beyond not crashing:
// a reply is only ever accepted when it is a JSON object whose "items" array has one
// result per item, each with a real status, since those results decide what counts as
// indexed; a refused reply always says why.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bulk_response.h"

namespace {
void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_bulk_response: %s\n", what);
        std::abort();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char *>(bytes), size);
    const auto reply = espcap::exporter::parse_bulk_response(body);
    if (!reply.parsed) {
        require(!reply.problem.empty(), "a refused reply names its problem");
        require(reply.items.empty() || !reply.problem.empty(), "refused replies count nothing");
        return 0;
    }
    require(reply.problem.empty(), "an accepted reply has no problem");
    const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    require(json.is_object(), "accepted replies are JSON objects");
    const auto items = json.find("items");
    require(items != json.end() && items->is_array(), "accepted replies have an items array");
    require(items->size() == reply.items.size(), "one result per item");
    for (const auto &item : reply.items) require(item.status != 0, "every result has a status");
    return 0;
}
