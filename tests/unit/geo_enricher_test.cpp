// SPDX-License-Identifier: GPL-2.0-or-later
// geoip= and asn=: the databases tests/geoip/make-test-databases writes (values in
// tests/geoip/networks.json), the lookups' cache, and the members they become.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <tuple>

#include "geo_database.h"
#include "geo_enricher.h"
#include "geo_fields.h"
#include "index_template.h"
#include "options.h"
#include "schema_leaves.h"
#include "temporary_folder.h"

using nlohmann::json;
using namespace espcap::tap;

namespace {

GeoFacts every_fact() {
    GeoFacts facts;
    facts.country_iso_code = "NL";
    facts.country_name = "Netherlands";
    facts.city_name = "Amsterdam";
    facts.location = GeoFacts::Location{52.3676, -4.9041};
    facts.as_number = 64512;
    facts.as_organization = "Lab \"A\"";
    return facts;
}

// The members as the object they are written into.
json as_object(const std::string &members) { return json::parse("{\"ip\":\"x\"" + members + "}"); }

// The test databases, written once per test run into their own folder.
struct TestDatabases {
    espcap::test::TemporaryFolder folder{"espcap-geo"};
    std::string city = (folder.path / "city.mmdb").string();
    std::string asn = (folder.path / "asn.mmdb").string();
    json networks;
    TestDatabases() {
        const std::string command = std::string(ESPCAP_GEOIP_TEST_DATABASES) + " " + folder.path.string();
        REQUIRE(std::system(command.c_str()) == 0);
        std::ifstream in(ESPCAP_GEOIP_NETWORKS);
        REQUIRE(in.good());
        networks = json::parse(in);
    }
};

}  // namespace

TEST_CASE("What the databases know becomes ECS geo and as members; what they lack is left out", "[tap][geo]") {
    SECTION("everything") {
        CHECK(as_object(geo_members(every_fact())) ==
              json{{"ip", "x"},
                   {"geo",
                    {{"country_iso_code", "NL"},
                     {"country_name", "Netherlands"},
                     {"city_name", "Amsterdam"},
                     {"location", {{"lat", 52.3676}, {"lon", -4.9041}}}}},
                   {"as", {{"number", 64512}, {"organization", {{"name", "Lab \"A\""}}}}}});
    }
    SECTION("nothing: no member at all") { CHECK(geo_members(GeoFacts{}).empty()); }
    SECTION("a country alone") {
        GeoFacts facts;
        facts.country_iso_code = "CA";
        CHECK(as_object(geo_members(facts)) == json{{"ip", "x"}, {"geo", {{"country_iso_code", "CA"}}}});
    }
    SECTION("a location alone, and an AS organization without a number") {
        GeoFacts facts;
        facts.location = GeoFacts::Location{-33.5, 151};
        facts.as_organization = "Org";
        CHECK(as_object(geo_members(facts)) == json{{"ip", "x"},
                                                     {"geo", {{"location", {{"lat", -33.5}, {"lon", 151}}}}},
                                                     {"as", {{"organization", {{"name", "Org"}}}}}});
    }
    SECTION("an AS number alone") {
        GeoFacts facts;
        facts.as_number = 4200000000u;
        CHECK(as_object(geo_members(facts)) == json{{"ip", "x"}, {"as", {{"number", 4200000000u}}}});
    }
}

IpAddress address(const char *text) {
    const IpAddress parsed = parse_ip_address(text);
    REQUIRE(parsed.size != 0);
    return parsed;
}

TEST_CASE("Each address is looked up once, then answered from the cache", "[tap][geo]") {
    int lookups = 0;
    GeoEnricher geo(
        [&](const IpAddress &a) {
            ++lookups;
            GeoFacts facts;
            facts.as_number = a.bytes[0];
            return facts;
        },
        2);
    CHECK(geo.members("10.0.0.1") == R"(,"as":{"number":10})");
    CHECK(geo.members("10.0.0.1") == R"(,"as":{"number":10})");
    CHECK(geo.members_of_json_text(R"("10.0.0.1")") == R"(,"as":{"number":10})");
    CHECK(lookups == 1);

    SECTION("the cache is bounded: the address used longest ago is forgotten") {
        geo.members("20.0.0.1");
        geo.members("10.0.0.1");  // now the most recent
        geo.members("30.0.0.1");  // over the bound of 2: forgets 20.0.0.1
        CHECK(lookups == 3);
        geo.members("10.0.0.1");
        CHECK(lookups == 3);
        geo.members("20.0.0.1");
        CHECK(lookups == 4);
        CHECK(geo.lookups() == 4);
    }
    SECTION("IPv4 and IPv6 addresses with the same first bytes are different keys") {
        geo.members("::a00:1");
        CHECK(lookups == 2);
    }
    SECTION("text that is no address, or not a JSON string, gets nothing and costs no lookup") {
        for (const char *text : {R"("not an address")", R"(["10.0.0.1"])", R"("")", "", R"("10.0.0.1)", "\"",
                                 R"("10.0.0.256")", R"("1:2:3:4:5:6:7:8:9")"})
            CHECK(geo.members_of_json_text(text).empty());
        CHECK(lookups == 1);
    }
}

TEST_CASE("The test databases answer what networks.json says", "[tap][geo]") {
    const TestDatabases databases;
    std::string error;
    auto city = GeoDatabase::open(databases.city, GeoDatabase::Kind::location, error);
    REQUIRE(city);
    auto asn = GeoDatabase::open(databases.asn, GeoDatabase::Kind::as, error);
    REQUIRE(asn);
    CHECK(city->type() == databases.networks["city"]["database_type"]);

    auto look_up = [&](const char *text) {
        GeoFacts facts;
        city->look_up(address(text), facts);
        asn->look_up(address(text), facts);
        return facts;
    };
    for (const auto &[network, expected_city, expected_as] :
         {std::tuple{"10.20.30.40", "10.0.0.0/8", "10.0.0.0/8"}, std::tuple{"75.75.75.75", "75.75.75.0/24", "75.75.75.0/24"},
          std::tuple{"192.168.1.1", "192.168.0.0/16", "192.168.0.0/16"},
          std::tuple{"2001:db8::53", "2001:db8::/32", "2001:db8::/32"}}) {
        CAPTURE(network);
        const json &place = databases.networks["city"]["networks"][expected_city];
        const json &as = databases.networks["asn"]["networks"][expected_as];
        const GeoFacts facts = look_up(network);
        CHECK(facts.country_iso_code == place["country"]["iso_code"]);
        CHECK(facts.country_name == place["country"]["names"]["en"]);
        CHECK(facts.city_name == place["city"]["names"]["en"]);
        REQUIRE(facts.location);
        CHECK(facts.location->lat == place["location"]["latitude"].get<double>());
        CHECK(facts.location->lon == place["location"]["longitude"].get<double>());
        CHECK(facts.as_number == as["autonomous_system_number"].get<std::uint32_t>());
        CHECK(facts.as_organization == as["autonomous_system_organization"]);
    }
    SECTION("a network with a country alone and no AS gives the country alone") {
        const GeoFacts facts = look_up("75.75.76.76");
        CHECK(facts.country_iso_code == databases.networks["city"]["networks"]["75.75.76.0/24"]["country"]["iso_code"]);
        CHECK(facts.city_name.empty());
        CHECK_FALSE(facts.location);
        CHECK_FALSE(facts.as_number);
        CHECK(as_object(geo_members(facts)) ==
              json{{"ip", "x"}, {"geo", {{"country_iso_code", "CA"}, {"country_name", "Canada"}}}});
    }
    SECTION("an address no database covers gets nothing") {
        CHECK(geo_members(look_up("172.16.0.1")).empty());
        CHECK(geo_members(look_up("2001:db9::1")).empty());
    }
    SECTION("the enricher over both databases writes both") {
        auto geo = GeoEnricher::from_databases(std::move(city), std::move(asn));
        const json source = as_object(geo->members("10.0.0.2"));
        CHECK(source["geo"]["country_iso_code"] == "NL");
        CHECK(source["as"]["number"] == 64512);
    }
}

TEST_CASE("A database that cannot be used is an error naming the option, the file and why", "[tap][geo]") {
    const TestDatabases databases;
    std::string error;
    SECTION("missing") {
        CHECK_FALSE(GeoDatabase::open("/nonexistent/City.mmdb", GeoDatabase::Kind::location, error));
        CHECK_THAT(error, Catch::StartsWith("option 'geoip': cannot read '/nonexistent/City.mmdb': ") &&
                              Catch::Contains("No such file"));
    }
    SECTION("not a MaxMind DB") {
        const std::string path = (databases.folder.path / "text.mmdb").string();
        std::ofstream(path) << "this is not a database\n";
        CHECK_FALSE(GeoDatabase::open(path, GeoDatabase::Kind::as, error));
        CHECK_THAT(error, Catch::StartsWith("option 'asn': cannot read '" + path + "': ") &&
                              Catch::Contains("metadata"));
    }
    SECTION("empty") {
        const std::string path = (databases.folder.path / "empty.mmdb").string();
        std::ofstream{path};
        CHECK_FALSE(GeoDatabase::open(path, GeoDatabase::Kind::location, error));
        CHECK_THAT(error, Catch::Contains(path));
    }
    SECTION("the ASN database given as geoip=, or the City one as asn=") {
        CHECK_FALSE(GeoDatabase::open(databases.asn, GeoDatabase::Kind::location, error));
        CHECK_THAT(error, Catch::Contains("'GeoLite2-ASN' database; give it as asn="));
        CHECK_FALSE(GeoDatabase::open(databases.city, GeoDatabase::Kind::as, error));
        CHECK_THAT(error, Catch::Contains("'GeoLite2-City' database, not an ASN database"));
    }
}

TEST_CASE("geoip and asn are options naming files", "[options][geo]") {
    const auto defaults = espcap::parse_options({});
    CHECK(defaults.options.geoip_database.empty());
    CHECK(defaults.options.asn_database.empty());
    const auto given = espcap::parse_options({{"geoip", "/a/City.mmdb"}, {"asn", "/a/ASN.mmdb"}});
    REQUIRE(given.ok());
    CHECK(given.options.geoip_database == "/a/City.mmdb");
    CHECK(given.options.asn_database == "/a/ASN.mmdb");
}

TEST_CASE("The packets template maps every GeoIP and ASN member", "[export][template][geo]") {
    const espcap::exporter::TemplateSpec spec{"lab", {}, {}, ""};
    const json properties = json::parse(index_template_body(spec))["template"]["mappings"]["properties"];
    const std::string members = geo_members(every_fact());
    const json document = json::parse(R"({"source":{"ip":"10.0.0.1")" + members + R"(},"destination":{"ip":"10.0.0.2")" +
                                      members + "}}");
    CHECK(espcap::test::unmapped_leaves(document, properties).empty());
    for (const char *end : {"source", "destination"}) {
        const json &geo = properties[end]["properties"]["geo"]["properties"];
        CHECK(geo["location"]["type"] == "geo_point");
        CHECK(geo["country_iso_code"]["type"] == "keyword");
        CHECK(properties[end]["properties"]["as"]["properties"]["number"]["type"] == "long");
    }
}
