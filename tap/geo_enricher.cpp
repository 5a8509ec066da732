// SPDX-License-Identifier: GPL-2.0-or-later
#include "geo_enricher.h"

#include <utility>

namespace espcap::tap {

GeoEnricher::GeoEnricher(LookUp look_up, std::size_t cached_addresses)
    : look_up_(std::move(look_up)), cache_(cached_addresses) {}

std::unique_ptr<GeoEnricher> GeoEnricher::from_databases(std::shared_ptr<const GeoDatabase> location,
                                                         std::shared_ptr<const GeoDatabase> as) {
    return std::make_unique<GeoEnricher>([location, as](const IpAddress &address) {
        GeoFacts facts;
        if (location) location->look_up(address, facts);
        if (as) as->look_up(address, facts);
        return facts;
    });
}

const std::string &GeoEnricher::members(std::string_view text) {
    key_.assign(text);
    if (const std::string *known = cache_.find(key_)) return *known;
    const IpAddress address = parse_ip_address(text);
    if (address.size == 0) return cache_.insert(key_, "");
    ++lookups_;
    return cache_.insert(key_, geo_members(look_up_(address)));
}

const std::string &GeoEnricher::members_of_json_text(std::string_view json_text) {
    static const std::string none;
    // An address is written as a plain quoted string: nothing in it needs escaping.
    if (json_text.size() < 2 || json_text.front() != '"' || json_text.back() != '"') return none;
    return members(json_text.substr(1, json_text.size() - 2));
}

}  // namespace espcap::tap
