// SPDX-License-Identifier: GPL-2.0-or-later
// The one HTTP call the delivery logic needs, behind an interface: BulkClient (and
// through it Exporter and IndexMappings) asks a TransportFactory for its transport, so
// production talks libcurl (HttpClient) and a unit test talks to a scripted server in
// the same process. One virtual call per request: nothing beside a network round trip.
//
//   HttpResponse reply = transport.send({"PUT", url, body, "application/json"});
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "options.h"

namespace espcap::exporter {

struct HttpRequest {
    const char *method = "GET";  // "GET", "POST", "PUT" or "DELETE"
    std::string url;
    std::string_view body = {};              // ignored for GET
    const char *content_type = nullptr;      // set with a body
    const char *content_encoding = nullptr;  // e.g. "gzip" for a body the caller compressed
};

struct HttpResponse {
    long status = 0;              // 0 when no HTTP reply arrived
    std::string body;
    std::string transport_error;  // set when no HTTP reply arrived
    // The server answered but we refused it (its certificate): waiting will not help.
    bool certificate_refused = false;
    // Some of the request left this machine: without a reply, the server may still have
    // acted on it.
    bool request_sent = false;
    // The X-Elastic-Product header ("Elasticsearch" from 7.14 on): who answered, even
    // where "GET /" is refused.
    std::string product;
    bool reached() const { return transport_error.empty(); }
};

// One connection's worth of requests, used by one thread at a time, except cancel().
class HttpTransport {
public:
    virtual ~HttpTransport() = default;
    virtual HttpResponse send(const HttpRequest &request) = 0;
    // From any thread: ends the request in flight at once, and every later one, with
    // the transport error "cancelled". For a run that stops while a node keeps silent.
    virtual void cancel() = 0;
};

// Makes the transport of one BulkClient, from the run's options.
using TransportFactory = std::function<std::unique_ptr<HttpTransport>(const Options &)>;

// The production transport: an HttpClient (libcurl) with HttpSettings::from(options).
TransportFactory libcurl_transport();

}  // namespace espcap::exporter
