// SPDX-License-Identifier: GPL-2.0-or-later
#include "geo_fields.h"

#include <charconv>
#include <cmath>

#include "json_buffer.h"
#include "json_writer.h"

namespace espcap::tap {
namespace {

// Shortest text that reads back as the same double: 52.3676, not 52.367600000000003.
void append_double(JsonBuffer &out, double value) {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, value);
    out.append(text, static_cast<std::size_t>(result.ptr - text));
}

// Writes "name":"value" when there is a value; `first` says whether a comma goes before.
void append_text(JsonBuffer &out, bool &first, const char *name, const std::string &value) {
    if (value.empty()) return;
    if (!first) out += ',';
    first = false;
    out += '"';
    out += name;
    out += "\":";
    append_json_string(out, value);
}

}  // namespace

std::string geo_members(const GeoFacts &facts) {
    JsonBuffer out;
    const bool has_geo = !facts.country_iso_code.empty() || !facts.country_name.empty() ||
                         !facts.city_name.empty() || facts.location.has_value();
    if (has_geo) {
        out += R"(,"geo":{)";
        bool first = true;
        append_text(out, first, "country_iso_code", facts.country_iso_code);
        append_text(out, first, "country_name", facts.country_name);
        append_text(out, first, "city_name", facts.city_name);
        if (facts.location) {
            out += first ? R"("location":{"lat":)" : R"(,"location":{"lat":)";
            append_double(out, facts.location->lat);
            out += R"(,"lon":)";
            append_double(out, facts.location->lon);
            out += '}';
        }
        out += '}';
    }
    if (facts.as_number || !facts.as_organization.empty()) {
        out += R"(,"as":{)";
        bool first = true;
        if (facts.as_number) {
            out += R"("number":)";
            append_decimal(out, *facts.as_number);
            first = false;
        }
        if (!facts.as_organization.empty()) {
            out += first ? R"("organization":{"name":)" : R"(,"organization":{"name":)";
            append_json_string(out, facts.as_organization);
            out += '}';
        }
        out += '}';
    }
    return out.str();
}

}  // namespace espcap::tap
