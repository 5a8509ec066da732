// A small libcurl wrapper: one easy handle, so connections are kept alive between
// requests. Not thread-safe, one client per thread, except cancel().
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

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

struct HttpResponse {
    long status = 0;              // 0 when no HTTP reply arrived
    std::string body;
    std::string transport_error;  // set when no HTTP reply arrived
    // The server answered but we refused it (its certificate): waiting will not help.
    bool certificate_refused = false;
    // Some of the request left this machine: without a reply, the server may still have
    // acted on it.
    bool request_sent = false;
    bool reached() const { return transport_error.empty(); }
};

class HttpClient {
public:
    explicit HttpClient(HttpSettings settings);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    HttpResponse get(const std::string &url);
    // `content_encoding` is null or e.g. "gzip" for a body the caller compressed.
    HttpResponse post(const std::string &url, std::string_view body, const char *content_type,
                      const char *content_encoding = nullptr);
    HttpResponse put(const std::string &url, std::string_view body, const char *content_type);
    // DELETE with a body, as closing a point in time needs.
    HttpResponse del(const std::string &url, std::string_view body, const char *content_type);

    // From any thread: ends the request in flight at once, and every later one, with
    // the transport error "cancelled". For a run that stops while a node keeps silent.
    void cancel();

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
