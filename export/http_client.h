// SPDX-License-Identifier: GPL-2.0-or-later
// A small libcurl wrapper: one easy handle, so connections are kept alive between
// requests. Not thread-safe, one client per thread, except cancel(). It is the
// production HttpTransport (http_transport.h); retrieve/ calls it directly.
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "http_transport.h"
#include "options.h"

typedef void CURL;
typedef void CURLM;

namespace espcap::exporter {

struct HttpSettings {
    long timeout_seconds = 30;
    std::string user, password;  // basic authentication when user is set
    std::string api_key;         // "Authorization: ApiKey ..." when set
    std::string ca_file;         // extra trust anchors for https
    bool tls_verify = true;
    // A reply longer than this is cut off and reported as a transport error, so a broken
    // or hostile server cannot make us buffer without bound.
    std::size_t max_reply_bytes = 64 * 1024 * 1024;

    static HttpSettings from(const Options &options);
};

class HttpClient final : public HttpTransport {
public:
    explicit HttpClient(HttpSettings settings);
    ~HttpClient() override;
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    HttpResponse get(const std::string &url);
    // `content_encoding` is null or e.g. "gzip" for a body the caller compressed.
    HttpResponse post(const std::string &url, std::string_view body, const char *content_type,
                      const char *content_encoding = nullptr);
    HttpResponse put(const std::string &url, std::string_view body, const char *content_type);
    // DELETE with a body, as closing a point in time needs.
    HttpResponse del(const std::string &url, std::string_view body, const char *content_type);

    // HttpTransport: one of the four above, as `request.method` says.
    HttpResponse send(const HttpRequest &request) override;

    // From any thread: ends the request in flight at once, and every later one, with
    // the transport error "cancelled". For a run that stops while a node keeps silent.
    void cancel() override;

    // Must be called once, on the main thread, before any client is used.
    static void global_init();

private:
    HttpResponse send_body(const char *method, const std::string &url, std::string_view body,
                           const char *content_type, const char *content_encoding);
    HttpResponse perform(const std::string &url);

    CURL *handle_;
    // The transfer runs through a multi handle only so that cancel() can wake it.
    CURLM *multi_;
    std::atomic<bool> cancelled_{false};
    HttpSettings settings_;
    std::string authorization_header_;
    std::string never_proxied_;  // CURLOPT_NOPROXY: the user's no_proxy and the loopback
};

}  // namespace espcap::exporter
