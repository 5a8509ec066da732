// SPDX-License-Identifier: GPL-2.0-or-later
#include "geo_database.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include <maxminddb.h>

namespace espcap::tap {
namespace {

// The entry's string at `path` (names in English where the path asks for them), or "".
template <typename... Path>
std::string text_at(MMDB_entry_s entry, Path... path) {
    MMDB_entry_data_s data;
    if (MMDB_get_value(&entry, &data, path..., nullptr) != MMDB_SUCCESS || !data.has_data ||
        data.type != MMDB_DATA_TYPE_UTF8_STRING)
        return "";
    return std::string(data.utf8_string, data.data_size);
}

std::optional<double> number_at(MMDB_entry_s entry, const char *first, const char *second) {
    MMDB_entry_data_s data;
    if (MMDB_get_value(&entry, &data, first, second, nullptr) != MMDB_SUCCESS || !data.has_data) return {};
    if (data.type == MMDB_DATA_TYPE_DOUBLE) return data.double_value;
    if (data.type == MMDB_DATA_TYPE_FLOAT) return data.float_value;
    return {};
}

std::optional<std::uint32_t> unsigned_at(MMDB_entry_s entry, const char *name) {
    MMDB_entry_data_s data;
    if (MMDB_get_value(&entry, &data, name, nullptr) != MMDB_SUCCESS || !data.has_data) return {};
    if (data.type == MMDB_DATA_TYPE_UINT32) return data.uint32;
    if (data.type == MMDB_DATA_TYPE_UINT16) return data.uint16;
    return {};
}

void read_location(MMDB_entry_s entry, GeoFacts &facts) {
    facts.country_iso_code = text_at(entry, "country", "iso_code");
    facts.country_name = text_at(entry, "country", "names", "en");
    facts.city_name = text_at(entry, "city", "names", "en");
    const auto lat = number_at(entry, "location", "latitude");
    const auto lon = number_at(entry, "location", "longitude");
    // Elasticsearch refuses a whole document for one geo_point out of range.
    if (lat && lon && std::isfinite(*lat) && std::isfinite(*lon) && std::fabs(*lat) <= 90 && std::fabs(*lon) <= 180)
        facts.location = GeoFacts::Location{*lat, *lon};
}

void read_as(MMDB_entry_s entry, GeoFacts &facts) {
    facts.as_number = unsigned_at(entry, "autonomous_system_number");
    facts.as_organization = text_at(entry, "autonomous_system_organization");
}

// MaxMind and DB-IP name their ASN databases "...ASN..." (GeoLite2-ASN, DBIP-ASN-Lite)
// and the ISP ones, which hold the same fields, "...ISP...".
bool holds_as(const std::string &type) {
    return type.find("ASN") != std::string::npos || type.find("ISP") != std::string::npos;
}

}  // namespace

GeoDatabase::GeoDatabase(Kind kind, std::unique_ptr<MMDB_s> db)
    : kind_(kind), db_(std::move(db)), type_(db_->metadata.database_type ? db_->metadata.database_type : "") {}

GeoDatabase::~GeoDatabase() { MMDB_close(db_.get()); }

std::unique_ptr<GeoDatabase> GeoDatabase::open(const std::string &path, Kind kind, std::string &error) {
    const char *option = kind == Kind::location ? "geoip" : "asn";
    auto db = std::make_unique<MMDB_s>();
    std::memset(db.get(), 0, sizeof *db);
    errno = 0;
    const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, db.get());
    if (status != MMDB_SUCCESS) {
        error = std::string("option '") + option + "': cannot read '" + path + "': " + MMDB_strerror(status);
        if ((status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) && errno != 0)
            error += std::string(" (") + std::strerror(errno) + ")";
        return nullptr;
    }
    std::unique_ptr<GeoDatabase> database(new GeoDatabase(kind, std::move(db)));
    if (kind == Kind::as && !holds_as(database->type_)) {
        error = std::string("option 'asn': '") + path + "' is a '" + database->type_ +
                "' database, not an ASN database (e.g. GeoLite2-ASN)";
        return nullptr;
    }
    if (kind == Kind::location && holds_as(database->type_)) {
        error = std::string("option 'geoip': '") + path + "' is a '" + database->type_ +
                "' database; give it as asn=, and a City or Country database as geoip=";
        return nullptr;
    }
    return database;
}

void GeoDatabase::look_up(const IpAddress &address, GeoFacts &facts) const {
    sockaddr_storage storage{};
    if (address.size == 4) {
        auto *v4 = reinterpret_cast<sockaddr_in *>(&storage);
        v4->sin_family = AF_INET;
        std::memcpy(&v4->sin_addr, address.bytes.data(), 4);
    } else if (address.size == 16) {
        auto *v6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        v6->sin6_family = AF_INET6;
        std::memcpy(&v6->sin6_addr, address.bytes.data(), 16);
    } else {
        return;
    }
    int error = MMDB_SUCCESS;
    // An IPv6 address in an IPv4-only database is an error, not a crash: nothing found.
    const MMDB_lookup_result_s result = MMDB_lookup_sockaddr(db_.get(), reinterpret_cast<sockaddr *>(&storage), &error);
    if (error != MMDB_SUCCESS || !result.found_entry) return;
    if (kind_ == Kind::location)
        read_location(result.entry, facts);
    else
        read_as(result.entry, facts);
}

}  // namespace espcap::tap
