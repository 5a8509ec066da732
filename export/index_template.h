// The index template espcap installs for PREFIX-* before its first bulk request, so
// that dynamic mapping stays within bounds: strings become keywords (one field each,
// aggregatable), no guessing of dates from strings, espcap's own time fields typed,
// and a field limit that a multi-protocol day of traffic fits in.
#pragma once

#include <string>

namespace espcap::exporter {

std::string index_template_name(const std::string &index_prefix);
std::string index_template_body(const std::string &index_prefix);

}  // namespace espcap::exporter
