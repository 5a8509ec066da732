// SPDX-License-Identifier: GPL-2.0-or-later
// One MaxMind DB file (.mmdb) read through libmaxminddb: a City or Country database
// (geoip=, GeoLite2 or DB-IP lite) or an ASN database (asn=).
//
//   std::string error;
//   auto city = GeoDatabase::open("/var/lib/GeoIP/GeoLite2-City.mmdb", GeoDatabase::Kind::location, error);
//   if (!city) ...error says the file and why...
//   GeoFacts facts;
//   city->look_up(address, facts);   // fills what the database knows
//
// Lookups only read the mapped file: several threads may look up at once.
#pragma once

#include <memory>
#include <string>

#include "geo_fields.h"
#include "ip_address.h"

struct MMDB_s;

namespace espcap::tap {

class GeoDatabase {
public:
    enum class Kind { location, as };  // what the database is asked for

    // The database, or null with `error` saying which file and what is wrong with it
    // (missing, unreadable, not a MaxMind DB, or of the other kind).
    static std::unique_ptr<GeoDatabase> open(const std::string &path, Kind kind, std::string &error);
    ~GeoDatabase();
    GeoDatabase(const GeoDatabase &) = delete;
    GeoDatabase &operator=(const GeoDatabase &) = delete;

    // Adds what the database says about `address` to `facts`: the country, city and
    // location, or the AS number and organization. An address it does not cover, or a
    // damaged record, adds nothing.
    void look_up(const IpAddress &address, GeoFacts &facts) const;

    const std::string &type() const { return type_; }  // the file's database_type

private:
    GeoDatabase(Kind kind, std::unique_ptr<MMDB_s> db);
    Kind kind_;
    std::unique_ptr<MMDB_s> db_;
    std::string type_;
};

}  // namespace espcap::tap
