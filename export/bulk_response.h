// SPDX-License-Identifier: GPL-2.0-or-later
// Reads an Elasticsearch/OpenSearch _bulk reply, one result per item.
// Takes a string so canned replies can be tested without a server.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace espcap::exporter {

struct BulkItemResult {
    int status = 0;      // HTTP status of the item
    std::string error;   // "type: reason" when the item failed
    // A 403 of the node's security: the privilege it lacks, as missing_privilege() says.
    std::string missing_privilege;
    bool succeeded() const { return status >= 200 && status < 300; }
};

struct BulkResponse {
    bool parsed = false;   // false: the body was not a bulk reply
    std::string problem;   // why it was not
    std::vector<BulkItemResult> items;
};

BulkResponse parse_bulk_response(std::string_view body);

}  // namespace espcap::exporter
