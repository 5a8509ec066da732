// SPDX-License-Identifier: GPL-2.0-or-later
// The GeoIP and ASN members of an address (geo_fields.h), looked up once per address
// and kept in a bounded cache: a capture meets the same few addresses again and again,
// and a lookup walks the database's tree while a cache hit is one hash.
//
//   auto geo = GeoEnricher::from_databases(city, asn);   // either may be null
//   out += geo->members("10.0.0.1");   // ',"geo":{...},"as":{...}', or ""
//
// Used by one thread at a time (the dissecting thread, then the run's finish): the
// cache has no lock.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "geo_database.h"
#include "geo_fields.h"
#include "ip_address.h"
#include "recently_used.h"

namespace espcap::tap {

class GeoEnricher {
public:
    // Addresses whose members are kept: about 20 MB at most, far more addresses than a
    // capture's busy hosts.
    static constexpr std::size_t kCachedAddresses = 65536;

    using LookUp = std::function<GeoFacts(const IpAddress &)>;
    explicit GeoEnricher(LookUp look_up, std::size_t cached_addresses = kCachedAddresses);

    // Looks up in both databases (shared, so the packets' and flows' writers can use one).
    static std::unique_ptr<GeoEnricher> from_databases(std::shared_ptr<const GeoDatabase> location,
                                                       std::shared_ptr<const GeoDatabase> as);

    // The members to write into the ECS object of the address written as `text`
    // ("10.0.0.1", "2001:db8::1"); "" when nothing is known or the text is no address.
    // The text is the cache's key, so a packet's address is parsed only when it is new.
    const std::string &members(std::string_view text);
    // The same for an address as the packet document wrote it: a JSON string ("10.0.0.1",
    // with the quotes). Anything else gets "".
    const std::string &members_of_json_text(std::string_view json_text);

    std::size_t lookups() const { return lookups_; }  // cache misses so far

private:
    LookUp look_up_;
    RecentlyUsed<std::string> cache_;
    std::string key_;  // reused: no allocation per packet
    std::size_t lookups_ = 0;
};

}  // namespace espcap::tap
