// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "index_template.h"
#include "search_engine.h"

using namespace espcap::exporter;

TEST_CASE("The engine and its version come from the GET / reply", "[export][engine]") {
    SearchEngine engine;
    // Trimmed real replies of Elasticsearch 8.8.2 and OpenSearch 2.19.1.
    REQUIRE(parse_search_engine(R"({"version":{"number":"8.8.2","build_flavor":"default"}})", engine));
    CHECK_FALSE(engine.opensearch());
    CHECK(engine.composable_templates());
    REQUIRE(parse_search_engine(R"({"version":{"distribution":"opensearch","number":"2.19.1"}})", engine));
    CHECK(engine.opensearch());
    CHECK(engine.describe() == "opensearch 2.19");
    CHECK(engine.unsigned_long());
    CHECK_FALSE(parse_search_engine("<html>", engine));
    CHECK_FALSE(parse_search_engine(R"({"version":{"number":8}})", engine));
    CHECK_FALSE(parse_search_engine(R"({"version":"8.8.2"})", engine));
}

TEST_CASE("Old engines get the legacy template and no unsigned_long", "[export][engine]") {
    using Row = std::tuple<std::string, bool, bool>;
    auto [reply, composable, unsigned_long] = GENERATE(table<std::string, bool, bool>({
        Row{R"({"version":{"number":"7.7.1"}})", false, false},
        Row{R"({"version":{"number":"7.9.0"}})", true, false},
        Row{R"({"version":{"number":"7.10.2"}})", true, true},
        Row{R"({"version":{"distribution":"opensearch","number":"1.3.0"}})", true, false},
        Row{R"({"version":{"distribution":"opensearch","number":"2.8.0"}})", true, true},
    }));
    SearchEngine engine;
    REQUIRE(parse_search_engine(reply, engine));
    CHECK(engine.composable_templates() == composable);
    CHECK(engine.unsigned_long() == unsigned_long);
    TemplateSpec spec{"packets", engine, {}, ""};
    CHECK(index_template_path(spec) == (composable ? "/_index_template/espcap-packets" : "/_template/espcap-packets"));
}

TEST_CASE("unsigned_long falls back to keyword where the engine refused it", "[export][engine]") {
    SearchEngine engine;
    CHECK(nlohmann::json::parse(field_mapping_json("unsigned_long", engine))["type"] == "unsigned_long");
    engine.unsigned_long_refused = true;
    CHECK(nlohmann::json::parse(field_mapping_json("unsigned_long", engine))["type"] == "keyword");
}

TEST_CASE("Byte fields are mapped as keywords", "[export][engine]") {
    CHECK(field_mapping_json("bytes", SearchEngine{}) == field_mapping_json("keyword", SearchEngine{}));
}

TEST_CASE("The template maps the ECS names and the fields aliases point at", "[export][template]") {
    TemplateSpec spec{"lab", SearchEngine{}, {{"layers.dns.dns_dns_qry_name", "keyword"}}, R"({"fields":1})"};
    const auto body = nlohmann::json::parse(index_template_body(spec));
    CHECK(body["index_patterns"] == nlohmann::json::array({"lab", "lab-*"}));
    const auto &properties = body["template"]["mappings"]["properties"];
    CHECK(properties["@timestamp"]["path"] == "timestamp");
    CHECK(properties["source"]["properties"]["ip"]["type"] == "ip");
    CHECK(properties["network"]["properties"]["protocol"]["type"] == "alias");
    CHECK(properties["dns"]["properties"]["question"]["properties"]["name"]["path"] == "layers.dns.dns_dns_qry_name");
    CHECK(properties["layers"]["properties"]["dns"]["properties"]["dns_dns_qry_name"]["type"] == "keyword");
    CHECK(body["template"]["mappings"]["_meta"]["field_registry"]["fields"] == 1);
}

TEST_CASE("Without GET / (405 from Elastic's 8.19 and 9.x test builds), the node info says the engine",
          "[export][engine]") {
    std::vector<std::string> asked;
    auto node = [&](const std::string &path) {
        asked.push_back(path);
        HttpResponse reply;
        reply.product = "Elasticsearch";
        if (path == "/") {
            reply.status = 405;
            reply.body = R"({"error":"Incorrect HTTP method for uri [/] and method [GET], allowed: [DELETE]"})";
        } else {
            reply.status = 200;  // a real 9.5.3 reply
            reply.body = R"({"nodes":{"y3G8p3WhS6O6tgwDRAL32g":{"version":"9.5.3","build_flavor":"default"}}})";
        }
        return reply;
    };
    const EngineAnswer answer = ask_search_engine(node);
    REQUIRE(answer.known);
    CHECK(answer.reply.status == 200);
    CHECK(answer.engine.describe() == "elasticsearch 9.5");
    CHECK(asked.size() == 2);
    SearchEngine engine;
    CHECK(parse_node_info(R"({"nodes":{"x":{"version":"3.8.0"}}})", "", engine));
    CHECK(engine.describe() == "opensearch 3.8");
    CHECK_FALSE(parse_node_info(R"({"nodes":{}})", "Elasticsearch", engine));
}

TEST_CASE("When neither GET / nor the node info answers, the first answer is kept", "[export][engine]") {
    auto nothing = [](const std::string &path) {
        HttpResponse reply;
        reply.status = path == "/" ? 405 : 404;
        return reply;
    };
    const EngineAnswer answer = ask_search_engine(nothing);
    CHECK_FALSE(answer.known);
    CHECK(answer.reply.status == 405);
}
