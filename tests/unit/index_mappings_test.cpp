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

// Fields layers.proto.f<from> ... of type long.
std::vector<FieldSpec> fields(std::size_t from, std::size_t to) {
    std::vector<FieldSpec> list;
    for (std::size_t i = from; i < to; ++i) list.push_back({kIndex, "layers.proto.f" + std::to_string(i), "long"});
    return list;
}

std::size_t mapped_fields(const FakeNode &node) {
    return node.properties(kIndex)["layers"]["properties"]["proto"]["properties"].size();
}

// The index as another run (or a user) left it: there, without espcap's fields.
void create_bare(BulkClient &client) {
    REQUIRE(client.call("PUT", "/" + std::string(kIndex), "{}").status == 200);
}

}  // namespace

TEST_CASE("A new index is created with its fields and room for more, in one request", "[export][mappings]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));
    IndexMappings mappings(options, reporter);

    auto first = fields(0, 600);  // with layers and proto, past the default 1000 less the headroom
    mappings.add(first);
    REQUIRE(mappings.apply(client));
    CHECK(node.requests("PUT", "/" + std::string(kIndex)).size() == 1);
    CHECK(node.requests("PUT", "/_mapping").empty());
    CHECK(node.requests("PUT", "/_settings").empty());
    const long limit = node.field_limit(kIndex);
    CHECK(limit > 1000);
    CHECK(mapped_fields(node) == 600);

    auto more = fields(600, 700);
    mappings.add(more);
    REQUIRE(mappings.apply(client));
    CHECK(node.requests("PUT", "/_mapping").size() == 1);
    CHECK(node.requests("PUT", "/_settings").empty());  // the room left was enough
    CHECK(node.field_limit(kIndex) == limit);
    CHECK(mapped_fields(node) == 700);
    CHECK(reporter.warnings().empty());
}

TEST_CASE("A creation the node refuses with the fields falls back to mapping them after", "[export][mappings]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));
    IndexMappings mappings(options, reporter);
    HttpResponse refused;
    refused.status = 400;
    refused.body = R"({"error":{"type":"mapper_parsing_exception","reason":"no"},"status":400})";
    node.script("PUT", "/" + std::string(kIndex), refused);

    auto list = fields(0, 5);
    mappings.add(list);
    REQUIRE(mappings.apply(client));
    CHECK(node.requests("PUT", "/" + std::string(kIndex)).size() == 3);  // refused, bare, mapping
    CHECK(node.requests("PUT", "/_mapping").size() == 1);
    CHECK(mapped_fields(node) == 5);
    CHECK(reporter.warnings().empty());
}

TEST_CASE("The field limit of an index that exists is raised once, with room for what comes next",
          "[export][mappings]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));
    create_bare(client);
    IndexMappings mappings(options, reporter);

    auto first = fields(0, 600);
    mappings.add(first);
    REQUIRE(mappings.apply(client));
    CHECK(node.requests("PUT", "/_settings").size() == 1);
    const long raised = node.field_limit(kIndex);
    CHECK(raised > 1000);
    CHECK(mapped_fields(node) == 600);

    auto more = fields(600, 700);
    mappings.add(more);
    REQUIRE(mappings.apply(client));
    CHECK(node.requests("PUT", "/_settings").size() == 1);  // the room left was enough
    CHECK(node.field_limit(kIndex) == raised);
    CHECK(mapped_fields(node) == 700);
    CHECK(reporter.warnings().empty());
}

TEST_CASE("A mapping the node is too busy for waits for the next apply()", "[export][mappings]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));
    IndexMappings mappings(options, reporter);
    HttpResponse busy;
    busy.status = GENERATE(429L, 502L, 503L);
    const bool index_exists = GENERATE(true, false);
    if (index_exists) create_bare(client);
    node.script("PUT", index_exists ? "/_mapping" : "/" + std::string(kIndex), busy);

    auto list = fields(0, 3);
    mappings.add(list);
    CHECK_FALSE(mappings.apply(client));  // the fields wait rather than map dynamically
    CHECK(mapped_fields(node) == 0);
    CHECK(mappings.apply(client));
    CHECK(mapped_fields(node) == 3);
    CHECK(node.requests("PUT", index_exists ? "/_mapping" : "/" + std::string(kIndex)).size() == 2);
    CHECK(reporter.warnings().empty());

    SECTION("and so does one whose node cannot be reached") {
        auto later = fields(3, 5);
        mappings.add(later);
        node.set_up(false);
        CHECK_FALSE(mappings.apply(client));
        node.set_up(true);
        CHECK(mappings.apply(client));
        CHECK(mapped_fields(node) == 5);
    }
}

TEST_CASE("A mapping the node refuses is said once, and the fields are not asked for again", "[export][mappings]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));
    IndexMappings mappings(options, reporter);
    HttpResponse refused;
    refused.status = 400;
    refused.body = R"({"error":{"type":"mapper_parsing_exception","reason":"no"},"status":400})";
    create_bare(client);
    node.script("PUT", "/_mapping", refused);

    auto list = fields(0, 2);
    mappings.add(list);
    CHECK(mappings.apply(client));  // answered: the batch may go, its fields map dynamically
    CHECK(mappings.apply(client));  // nothing pending
    CHECK(node.requests("PUT", "/_mapping").size() == 1);
    const auto warnings = reporter.warnings();
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Contains("cannot map 2 new fields in " + std::string(kIndex) + ": HTTP 400"));
}

TEST_CASE("A field already mapped with another type is a warning", "[export][mappings]") {
    FakeNode node;
    CapturingReporter reporter;
    const Options options = node_options();
    BulkClient client(options, reporter, fast_delivery(options, node));
    IndexMappings mappings(options, reporter);
    auto as_long = fields(0, 1);
    mappings.add(as_long);
    REQUIRE(mappings.apply(client));

    IndexMappings next_run(options, reporter);
    std::vector<FieldSpec> as_ip{{kIndex, "layers.proto.f0", "ip"}};
    next_run.add(as_ip);
    CHECK(next_run.apply(client));
    const auto warnings = reporter.warnings();
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Contains("layers.proto.f0 is already mapped as long, not ip"));
}
