// SPDX-License-Identifier: GPL-2.0-or-later
// Which search engine a node runs (Elasticsearch or OpenSearch, and its version), read
// once per run from its "GET /" reply, or from its node info where "GET /" is missing,
// and what that engine's mappings can use.
#pragma once

#include <functional>
#include <string>

#include "http_transport.h"

namespace espcap::exporter {

struct SearchEngine {
    std::string distribution = "elasticsearch";  // or "opensearch"
    int major = 8, minor = 0;                     // what is assumed without a node
    // Builds without the module (Elastic's integ-test zip) refuse the type whatever the
    // version; set when a mapping was refused for it.
    bool unsigned_long_refused = false;

    bool opensearch() const { return distribution == "opensearch"; }
    // Composable _index_template: Elasticsearch 7.8+, every OpenSearch.
    bool composable_templates() const;
    // The unsigned_long field type: Elasticsearch 7.10+, OpenSearch 2.8+.
    bool unsigned_long() const;
    std::string describe() const;  // "opensearch 2.19"
};

// Parses a "GET /" reply; false when it names no version.
bool parse_search_engine(const std::string &root_reply, SearchEngine &out);

// Parses a "GET /_nodes/_local" reply; `product` is its X-Elastic-Product header. False
// when it names no version.
bool parse_node_info(const std::string &nodes_reply, const std::string &product, SearchEngine &out);

// What a node said when asked which engine it runs.
struct EngineAnswer {
    HttpResponse reply;  // the answer that decides: 200 when the node answered
    bool known = false;  // `engine` was read from it
    SearchEngine engine;
};

// Asks a node through `get` (a GET of a path from "/"): "GET /", and where that is
// refused (403, 404 or 405: Elastic's test builds from 8.19 lack it, a proxy or a role
// may refuse it), the node's own info. When both fail, `reply` is the first answer.
EngineAnswer ask_search_engine(const std::function<HttpResponse(const std::string &path)> &get);

// The mapping of one field of type `type` ("ip", "long", ...; see common/field_type.h),
// as JSON text, in the form `engine` accepts.
std::string field_mapping_json(const std::string &type, const SearchEngine &engine);

}  // namespace espcap::exporter
