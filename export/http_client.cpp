// SPDX-License-Identifier: GPL-2.0-or-later
#include "http_client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <mutex>
#include <string_view>

#include "server_text.h"

namespace espcap::exporter {
namespace {

constexpr long kConnectTimeoutSeconds = 10;
// A bulk reply, filtered to each item's status and error (bulk_client.cpp), takes about
// 25 bytes for a document stored and 400 for one refused (measured on Elasticsearch
// 8.8: a mapping error quoting its value and one cause). So the longest reply we accept
// grows with `chunk` by a refusal's size, and the base covers every other reply (a
// mapping of thousands of fields) and longer reasons: 57 MiB at chunk=100000, where
// 2 KiB a document let one sender hold 203 MiB before parsing. A longer reply is a
// transport error: its documents are retried, then spooled or failed, never lost.
constexpr std::size_t kReplyBytesBase = 8 * 1024 * 1024;
constexpr std::size_t kReplyBytesPerDocument = 512;

// Nodes on this machine are always reached directly, as Go's net/http does: a proxy
// elsewhere would reach its own loopback, not ours.
constexpr const char *kLoopback = "localhost,127.0.0.1,127.0.0.0/8,::1";  // 127.0.0.1 too for libcurl before 7.86 (no CIDR)

// libcurl reads http_proxy, https_proxy and all_proxy itself, and no_proxy unless
// CURLOPT_NOPROXY is set: set, it replaces the user's list, so the user's list goes in it.
std::string hosts_never_proxied() {
    const char *user_list = std::getenv("no_proxy");
    if (user_list == nullptr || *user_list == '\0') user_list = std::getenv("NO_PROXY");
    if (user_list == nullptr || *user_list == '\0') return kLoopback;
    if (std::string_view(user_list) == "*") return "*";  // no proxy at all
    return std::string(user_list) + "," + kLoopback;
}

struct ReplyBuffer {
    std::string &body;
    std::size_t limit;
    bool too_long = false;
};

size_t collect_body(char *data, size_t size, size_t count, void *user) {
    auto &reply = *static_cast<ReplyBuffer *>(user);
    if (size * count > reply.limit - reply.body.size()) {
        reply.too_long = true;
        return 0;  // makes libcurl abort the transfer
    }
    reply.body.append(data, size * count);
    return size * count;
}

// curl_easy_perform(), except that `cancelled` (HttpClient::cancel) ends the wait for
// the server at once.
CURLcode transfer(CURLM *multi, CURL *handle, const std::atomic<bool> &cancelled) {
    if (curl_multi_add_handle(multi, handle) != CURLM_OK) return CURLE_FAILED_INIT;
    constexpr int kLongestPollMs = 1000;  // libcurl's own timers shorten it as needed
    CURLcode code = CURLE_OK;
    int running = 1;
    while (true) {
        if (curl_multi_perform(multi, &running) != CURLM_OK) {
            code = CURLE_FAILED_INIT;
            break;
        }
        if (running == 0) {
            int left = 0;
            while (const CURLMsg *message = curl_multi_info_read(multi, &left))
                if (message->msg == CURLMSG_DONE) code = message->data.result;
            break;
        }
        if (cancelled) {
            code = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        if (curl_multi_poll(multi, nullptr, 0, kLongestPollMs, nullptr) != CURLM_OK) {
            code = CURLE_FAILED_INIT;
            break;
        }
    }
    curl_multi_remove_handle(multi, handle);
    return code;
}

}  // namespace

void HttpClient::global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpSettings HttpSettings::from(const Options &options) {
    HttpSettings settings;
    settings.timeout_seconds = options.timeout_seconds;
    settings.user = options.user;
    settings.password = options.password;
    settings.api_key = options.api_key;
    settings.ca_file = options.ca_file;
    settings.tls_verify = options.tls_verify;
    settings.max_reply_bytes = kReplyBytesBase + options.chunk * kReplyBytesPerDocument;
    return settings;
}

HttpClient::HttpClient(HttpSettings settings)
    : handle_(curl_easy_init()),
      multi_(curl_multi_init()),
      settings_(std::move(settings)),
      never_proxied_(hosts_never_proxied()) {
    if (!settings_.api_key.empty()) authorization_header_ = "Authorization: ApiKey " + settings_.api_key;
    // A reply that echoes our request must not show these to the user.
    redact_from_server_text(Credentials{settings_.user, settings_.password, settings_.api_key});
}

HttpClient::~HttpClient() {
    curl_easy_cleanup(handle_);
    curl_multi_cleanup(multi_);
}

void HttpClient::cancel() {
    cancelled_ = true;
    if (multi_ != nullptr) curl_multi_wakeup(multi_);
}

HttpResponse HttpClient::send(const HttpRequest &request) {
    const std::string_view method = request.method;
    if (method == "GET") return get(request.url);
    if (method == "POST") return post(request.url, request.body, request.content_type, request.content_encoding);
    return send_body(request.method, request.url, request.body, request.content_type, request.content_encoding);
}

TransportFactory libcurl_transport() {
    return [](const Options &options) -> std::unique_ptr<HttpTransport> {
        return std::make_unique<HttpClient>(HttpSettings::from(options));
    };
}

HttpResponse HttpClient::get(const std::string &url) {
    curl_slist *headers = nullptr;
    if (!authorization_header_.empty()) headers = curl_slist_append(headers, authorization_header_.c_str());
    curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, nullptr);
    curl_easy_setopt(handle_, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers);
    HttpResponse response = perform(url);
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    return response;
}

HttpResponse HttpClient::post(const std::string &url, std::string_view body, const char *content_type,
                              const char *content_encoding) {
    return send_body(nullptr, url, body, content_type, content_encoding);
}

HttpResponse HttpClient::put(const std::string &url, std::string_view body, const char *content_type) {
    return send_body("PUT", url, body, content_type, nullptr);
}

HttpResponse HttpClient::del(const std::string &url, std::string_view body, const char *content_type) {
    return send_body("DELETE", url, body, content_type, nullptr);
}

HttpResponse HttpClient::send_body(const char *method, const std::string &url, std::string_view body,
                                   const char *content_type, const char *content_encoding) {
    curl_slist *headers = curl_slist_append(nullptr, (std::string("Content-Type: ") + content_type).c_str());
    if (content_encoding != nullptr)
        headers = curl_slist_append(headers, (std::string("Content-Encoding: ") + content_encoding).c_str());
    if (!authorization_header_.empty()) headers = curl_slist_append(headers, authorization_header_.c_str());
    curl_easy_setopt(handle_, CURLOPT_POST, 1L);
    curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, method);  // nullptr: plain POST
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers);
    HttpResponse response = perform(url);
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    return response;
}

HttpResponse HttpClient::perform(const std::string &url) {
    HttpResponse response;
    if (handle_ == nullptr || multi_ == nullptr) {
        response.transport_error = "libcurl could not be initialised";
        return response;
    }
    if (cancelled_) {
        response.transport_error = "cancelled";
        return response;
    }
    char error_buffer[CURL_ERROR_SIZE] = "";
    ReplyBuffer reply{response.body, settings_.max_reply_bytes};
    curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
    curl_easy_setopt(handle_, CURLOPT_TIMEOUT, settings_.timeout_seconds);
    if (!settings_.user.empty()) {
        curl_easy_setopt(handle_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(handle_, CURLOPT_USERNAME, settings_.user.c_str());
        curl_easy_setopt(handle_, CURLOPT_PASSWORD, settings_.password.c_str());
    }
    if (!settings_.ca_file.empty()) curl_easy_setopt(handle_, CURLOPT_CAINFO, settings_.ca_file.c_str());
    curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYPEER, settings_.tls_verify ? 1L : 0L);
    curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYHOST, settings_.tls_verify ? 2L : 0L);
    curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);  // we run on a worker thread
    curl_easy_setopt(handle_, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle_, CURLOPT_NOPROXY, never_proxied_.c_str());
    // Through a proxy, a request to an http:// node is read by the proxy, Authorization
    // header included. With credentials it goes through a CONNECT tunnel instead (as
    // https:// always does), and our headers never go to the proxy itself.
    const bool has_credentials = !settings_.user.empty() || !settings_.api_key.empty();
    curl_easy_setopt(handle_, CURLOPT_HTTPPROXYTUNNEL, has_credentials ? 1L : 0L);
    curl_easy_setopt(handle_, CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);

    const CURLcode code = transfer(multi_, handle_, cancelled_);
    long request_bytes = 0;
    curl_easy_getinfo(handle_, CURLINFO_REQUEST_SIZE, &request_bytes);
    response.request_sent = request_bytes > 0;
    if (code != CURLE_OK) {
        response.transport_error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
        if (cancelled_) response.transport_error = "cancelled";
        if (reply.too_long)
            response.transport_error = "the reply is longer than " + std::to_string(settings_.max_reply_bytes) +
                                       " bytes; not read to the end";
        if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE) {
            response.transport_error += " (the server's certificate is not trusted: set ca_file)";
            response.certificate_refused = true;
        }
        response.body.clear();
        return response;
    }
    curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &response.status);
    curl_header *product = nullptr;
    if (curl_easy_header(handle_, "X-Elastic-Product", 0, CURLH_HEADER, -1, &product) == CURLHE_OK)
        response.product = product->value;
    return response;
}

}  // namespace espcap::exporter
