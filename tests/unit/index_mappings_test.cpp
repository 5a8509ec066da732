// SPDX-License-Identifier: GPL-2.0-or-later
// IndexMappings against a fake node (fake_node.h): a new index created with the run's
// fields, the field limit, and a mapping the node is too busy for or refuses.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bulk_client.h"
#include "fake_node.h"
#include "field_mappings.h"

using espcap::Options;
using espcap::exporter::BulkClient;
using espcap::exporter::FieldSpec;
using espcap::exporter::HttpResponse;
using espcap::exporter::IndexMappings;
using espcap::fake::CapturingReporter;
using espcap::fake::fast_delivery;
using espcap::fake::FakeNode;
using espcap::fake::node_options;
using Catch::Contains;

namespace {

constexpr const char *kIndex = "packets-2015-07-30";
constexpr const char *kIndexPath = "/packets-2015-07-30";

// Fields layers.proto.f<from> ... of type long.
std::vector<FieldSpec> fields(std::size_t from, std::size_t to, const std::string &index = kIndex) {
    std::vector<FieldSpec> list;
    for (std::size_t i = from; i < to; ++i) list.push_back({index, "layers.proto.f" + std::to_string(i), "long"});
    return list;
}

std::size_t mapped_fields(const FakeNode &node, const std::string &index = kIndex) {
    return node.properties(index)["layers"]["properties"]["proto"]["properties"].size();
}

// A fake node, a client and the mappings of one run.
struct Run {
    FakeNode node;
    CapturingReporter reporter;
    Options options = node_options();
    BulkClient client{options, reporter, fast_delivery(options, node)};
    IndexMappings mappings{options, reporter};

    // The index as another run (or a user) left it: there, without espcap's fields.
    void create_bare() { REQUIRE(client.call("PUT", kIndexPath, "{}").status == 200); }
    bool apply(std::vector<FieldSpec> list) {
        mappings.add(list);
        return mappings.apply(client);
    }
    std::size_t puts(const std::string &path_part) const { return node.requests("PUT", path_part).size(); }
};

HttpResponse refused() {
    HttpResponse reply;
    reply.status = 400;
    reply.body = R"({"error":{"type":"mapper_parsing_exception","reason":"no"},"status":400})";
    return reply;
}

}  // namespace

TEST_CASE("The field limit is set once, with room for what comes next", "[export][mappings]") {
    Run run;
    const bool index_exists = GENERATE(false, true);
    if (index_exists) run.create_bare();

    REQUIRE(run.apply(fields(0, 600)));  // with layers and proto, past the default 1000 less the headroom
    if (index_exists) {
        CHECK(run.puts("/_settings") == 1);
        CHECK(run.puts("/_mapping") == 1);
    } else {  // created with the fields and the limit: one request
        CHECK(run.puts(kIndexPath) == 1);
        CHECK(run.puts("/_settings") == 0);
    }
    const long limit = run.node.field_limit(kIndex);
    CHECK(limit > 1000);
    CHECK(mapped_fields(run.node) == 600);

    const std::size_t settings = run.puts("/_settings");
    REQUIRE(run.apply(fields(600, 700)));
    CHECK(run.puts("/_settings") == settings);  // the room left was enough
    CHECK(run.node.field_limit(kIndex) == limit);
    CHECK(mapped_fields(run.node) == 700);
    CHECK(run.reporter.warnings().empty());
}

TEST_CASE("The next day's index is created with every field the run has mapped", "[export][mappings]") {
    Run run;
    REQUIRE(run.apply(fields(0, 20)));
    REQUIRE(run.apply(fields(20, 30)));  // a mapping update: the index exists
    CHECK(run.puts("/_mapping") == 1);

    const std::string next_day = "packets-2015-07-31";
    REQUIRE(run.apply(fields(25, 35, next_day)));  // five fields seen before, five new
    CHECK(run.puts("/" + next_day) == 1);
    CHECK(run.puts("/_mapping") == 1);  // none more: all came with the creation
    CHECK(mapped_fields(run.node, next_day) == 35);
    REQUIRE(run.apply(fields(0, 10, next_day)));  // already there
    CHECK(run.puts("/_mapping") == 1);
    CHECK(mapped_fields(run.node) == 30);  // the first day gains nothing
    CHECK(run.reporter.warnings().empty());
}

TEST_CASE("A creation the node refuses with the fields falls back to mapping them after", "[export][mappings]") {
    Run run;
    run.node.script("PUT", kIndexPath, refused());
    REQUIRE(run.apply(fields(0, 5)));
    CHECK(run.puts(kIndexPath) == 3);  // refused, bare, mapping
    CHECK(run.puts("/_mapping") == 1);
    CHECK(mapped_fields(run.node) == 5);
    CHECK(run.reporter.warnings().empty());
}

TEST_CASE("A mapping the node is too busy for waits for the next apply()", "[export][mappings]") {
    Run run;
    HttpResponse busy;
    busy.status = GENERATE(429L, 502L, 503L);
    const bool index_exists = GENERATE(true, false);
    if (index_exists) run.create_bare();
    const std::string asked = index_exists ? "/_mapping" : kIndexPath;
    run.node.script("PUT", asked, busy);

    CHECK_FALSE(run.apply(fields(0, 3)));  // the fields wait rather than map dynamically
    CHECK(mapped_fields(run.node) == 0);
    CHECK(run.mappings.apply(run.client));
    CHECK(mapped_fields(run.node) == 3);
    CHECK(run.puts(asked) == 2);
    CHECK(run.reporter.warnings().empty());

    SECTION("and so does one whose node cannot be reached") {
        auto later = fields(3, 5);
        run.mappings.add(later);
        run.node.set_up(false);
        CHECK_FALSE(run.mappings.apply(run.client));
        run.node.set_up(true);
        CHECK(run.mappings.apply(run.client));
        CHECK(mapped_fields(run.node) == 5);
    }
}

TEST_CASE("A mapping the node refuses is said once, and the fields are not asked for again", "[export][mappings]") {
    Run run;
    run.create_bare();
    run.node.script("PUT", "/_mapping", refused());

    CHECK(run.apply(fields(0, 2)));           // answered: the batch may go, its fields map dynamically
    CHECK(run.mappings.apply(run.client));  // nothing pending
    CHECK(run.puts("/_mapping") == 1);
    const auto warnings = run.reporter.warnings();
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Contains("cannot map 2 new fields in " + std::string(kIndex) + ": HTTP 400"));
}

TEST_CASE("A field already mapped with another type is a warning", "[export][mappings]") {
    Run run;
    REQUIRE(run.apply(fields(0, 1)));

    IndexMappings next_run(run.options, run.reporter);
    std::vector<FieldSpec> as_ip{{kIndex, "layers.proto.f0", "ip"}};
    next_run.add(as_ip);
    CHECK(next_run.apply(run.client));
    const auto warnings = run.reporter.warnings();
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Contains("layers.proto.f0 is already mapped as long, not ip"));
}

TEST_CASE("A mapping reply nested 200,000 levels deep is an error, not a crash", "[export][mappings][issue27]") {
    Run run;
    run.create_bare();  // so the mapping is read, not created
    constexpr int kLevels = 200'000;
    std::string deep = std::string(R"({")") + kIndex + R"(":{"mappings":{"properties":)";
    for (int level = 0; level < kLevels; ++level) deep += R"({"a":{"properties":)";
    deep += "{}";
    for (int level = 0; level < kLevels; ++level) deep += "}}";
    deep += "}}}";
    HttpResponse hostile;
    hostile.status = 200;
    hostile.body = std::move(deep);
    run.node.script("GET", "/_mapping", hostile);

    CHECK(run.apply(fields(0, 2)));  // answered: the batch may go, its fields map dynamically
    const auto warnings = run.reporter.warnings();
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Contains("cannot read the mapping of " + std::string(kIndex)) &&
                                Contains("nested more than"));
}

TEST_CASE("A field limit out of range is refused before any sum uses it", "[export][mappings][issue27]") {
    Run run;
    run.create_bare();
    const std::string limit = GENERATE(as<std::string>{}, "-9223372036854775808", "9223372036854775807", "-1");
    HttpResponse hostile;
    hostile.status = 200;
    hostile.body = std::string(R"({")") + kIndex + R"(":{"settings":{"index.mapping.total_fields.limit":")" + limit +
                   R"("}}})";
    run.node.script("GET", "/_settings", hostile);

    CHECK(run.apply(fields(0, 2)));
    const auto warnings = run.reporter.warnings();
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Contains("index.mapping.total_fields.limit " + limit + " is out of range"));
}
