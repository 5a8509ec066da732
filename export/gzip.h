// gzip for request bodies: NDJSON of packets shrinks about tenfold, which is what
// matters on a link to a remote cluster.
#pragma once

#include <string>
#include <string_view>

namespace espcap::exporter {

// Fast compression (level 1): the sender must keep up with dissection.
std::string gzip_compress(std::string_view data);

}  // namespace espcap::exporter
