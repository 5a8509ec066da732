// SPDX-License-Identifier: GPL-2.0-or-later
// What the GeoIP and ASN databases say about one address, and how it is written into
// the address's ECS object (source or destination) of a packet or flow document:
//
//   ,"geo":{"country_iso_code":"NL","country_name":"Netherlands","city_name":"Amsterdam",
//           "location":{"lat":52.3676,"lon":4.9041}},"as":{"number":64512,"organization":{"name":"..."}}
//
// A fact the database lacks is left out, and an object with nothing in it too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace espcap::tap {

struct GeoFacts {
    std::string country_iso_code, country_name, city_name;  // "" when unknown
    struct Location {
        double lat = 0, lon = 0;
    };
    std::optional<Location> location;  // only with both coordinates, in range
    std::optional<std::uint32_t> as_number;
    std::string as_organization;
};

// The members above (each starting with ','), or "" when nothing is known.
std::string geo_members(const GeoFacts &facts);

}  // namespace espcap::tap
