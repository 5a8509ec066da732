// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "options.h"
#include "sensor_identity.h"

using espcap::parse_options;
using espcap::tap::identity_members;
using espcap::tap::SensorIdentity;

TEST_CASE("sensor and labels are options; labels are key:value pairs in order", "[options][sensor]") {
    const auto defaults = parse_options({});
    CHECK(defaults.options.sensor.empty());
    CHECK(defaults.options.labels.empty());

    const auto given = parse_options({{"sensor", "dmz-1"}, {"labels", "site:lab,rack-2:row 3:b"}});
    REQUIRE(given.ok());
    CHECK(given.options.sensor == "dmz-1");
    CHECK(given.options.labels ==
          std::vector<std::pair<std::string, std::string>>{{"site", "lab"}, {"rack-2", "row 3:b"}});

    SECTION("a label without a key, a value or a colon, or a key given twice, is bad usage naming the key") {
        for (const char *bad : {"site", "site:", ":lab", "si.te:lab", "site:lab,,rack:1", "site:a,site:b"}) {
            const auto result = parse_options({{"labels", bad}});
            CAPTURE(bad);
            CHECK_THAT(result.error, Catch::Contains("'labels'"));
        }
    }
}

TEST_CASE("The identity members are valid JSON with the observer and the labels", "[tap][sensor]") {
    SensorIdentity identity{"dmz \"1\"", "probe-7", {{"site", "lab"}, {"rack", "3"}}};
    const auto json = nlohmann::json::parse("{\"x\":0" + identity_members(identity) + "}");
    CHECK(json["observer"]["name"] == "dmz \"1\"");
    CHECK(json["observer"]["hostname"] == "probe-7");
    CHECK(json["labels"]["site"] == "lab");
    CHECK(json["labels"]["rack"] == "3");

    SECTION("without a sensor name or labels only the host name is written") {
        const auto bare = nlohmann::json::parse("{\"x\":0" + identity_members({"", "probe-7", {}}) + "}");
        CHECK(bare["observer"] == nlohmann::json{{"hostname", "probe-7"}});
        CHECK_FALSE(bare.contains("labels"));
    }
    SECTION("the packet's event says what ECS tools expect") {
        const auto event = nlohmann::json::parse(std::string("{\"x\":0") + espcap::tap::kPacketEventMember + "}");
        CHECK(event["event"]["kind"] == "event");
        CHECK(event["event"]["category"] == nlohmann::json::array({"network"}));
        CHECK(event["event"]["dataset"] == "espcap.packet");
        CHECK(event["event"]["module"] == "espcap");
    }
}

TEST_CASE("The host name is the one the system gives", "[tap][sensor]") {
    CHECK_FALSE(espcap::tap::local_host_name().empty());
}
