// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes the reading of a spooled mappings file, which anyone able to write the spool
// folder could have written (issue 27). Beyond not crashing: what is accepted names only
// espcap's own indices under a valid prefix, writes back to what reads the same, and
// makes an index template without an exception (one used to end espcap-replay).
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "index_template.h"
#include "option_values.h"
#include "replay_policy.h"
#include "spooled_mappings.h"

namespace {
void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_spooled_mappings: %s\n", what);
        std::abort();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    using namespace espcap::exporter;
    const std::string_view text(reinterpret_cast<const char *>(bytes), size);
    SpooledMappings read;
    std::string problem;
    if (!parse_spooled_mappings(text, read, &problem)) {
        require(!problem.empty(), "a refused file says why");
        return 0;
    }
    std::string error;
    require(espcap::detail::valid_index_prefix(read.template_spec.index_prefix, error), "the prefix is valid");
    for (const FieldSpec &field : read.fields) require(is_espcap_index_name(field.index), "only espcap's indices");
    SpooledMappings again;
    require(parse_spooled_mappings(spooled_mappings_json(read), again), "what is written reads back");
    require(again.fields.size() <= read.fields.size(), "no field appears from nowhere");
    try {
        (void)index_template_body(read.template_spec);
    } catch (...) {
        require(false, "an accepted file makes a template");
    }
    return 0;
}
