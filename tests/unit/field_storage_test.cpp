// SPDX-License-Identifier: GPL-2.0-or-later
#include <algorithm>

#include <catch2/catch.hpp>

#include "field_storage.h"

using espcap::exporter::apply_field_storage;
using espcap::exporter::field_storage_meta;
using espcap::exporter::keeps_doc_values;
using Aggregatable = espcap::Options::Aggregatable;

TEST_CASE("Per-packet noise loses doc values, what analysts group by keeps them", "[export][storage]") {
    using Case = std::pair<std::string, bool>;
    auto [path, kept] = GENERATE(table<std::string, bool>({
        Case{"layers.tcp.tcp_tcp_checksum", false},
        Case{"layers.icmp.ip.ip_ip_checksum", false},
        Case{"layers.tcp.tcp_tcp_checksum_status", true},
        Case{"layers.tcp.tcp_tcp_seq_raw", false},
        Case{"layers.tcp.tcp_tcp_seq", false},
        Case{"layers.tcp.tcp_tcp_seq_foo", true},
        Case{"layers.ip.ip_ip_id", false},
        Case{"layers.ip.ip_ip_src", true},
        Case{"layers.frame.frame_frame_time_relative", false},
        Case{"layers.frame.frame_frame_time_epoch", false},
        Case{"layers.frame.frame_frame_time", true},
        Case{"layers.frame.frame_frame_len", true},
        Case{"layers.dns.dns_dns_qry_name", true},
        Case{"sniff_timestamp", false},
        Case{"timestamp", true},
        Case{"file_offset", true},  // grouped by to check each packet is stored once
        Case{"layers.data-text-lines.text", false},
        Case{"layers.http.http_http_content_type", true},
    }));
    CHECK(keeps_doc_values(path, "long", Aggregatable::all) == kept);
}

TEST_CASE("Only field types with doc values get the setting", "[export][storage]") {
    nlohmann::json keyword = {{"type", "keyword"}};
    apply_field_storage("layers.tcp.tcp_tcp_checksum", "keyword", keyword, Aggregatable::all);
    CHECK(keyword["doc_values"] == false);
    nlohmann::json alias = {{"type", "alias"}, {"path", "x"}};
    apply_field_storage("layers.tcp.tcp_tcp_checksum", "keyword", alias, Aggregatable::common);
    CHECK_FALSE(alias.contains("doc_values"));
    nlohmann::json kept = {{"type", "long"}};
    apply_field_storage("layers.tcp.tcp_tcp_dstport", "long", kept, Aggregatable::common);
    CHECK_FALSE(kept.contains("doc_values"));
    nlohmann::json payload = {{"type", "keyword"}};
    apply_field_storage("layers.tcp.tcp_tcp_payload", "bytes", payload, Aggregatable::all);
    CHECK(payload["doc_values"] == false);
}

TEST_CASE("aggregatable=common keeps doc values on addresses, times and the usual names only", "[export][storage]") {
    using Case = std::tuple<std::string, std::string, bool>;
    auto [path, type, kept] = GENERATE(table<std::string, std::string, bool>({
        Case{"layers.ip.ip_ip_src", "ip", true},
        Case{"layers.ipv6.ipv6_ipv6_addr", "ip", true},
        Case{"layers.frame.frame_frame_time", "date", false},
        Case{"layers.tcp.tcp_tcp_dstport", "long", true},
        Case{"layers.udp.udp_udp_port", "long", true},
        Case{"layers.frame.frame_frame_len", "long", true},
        Case{"layers.tcp.tcp_tcp_stream", "long", true},
        Case{"layers.frame.frame_frame_number", "long", true},
        Case{"layers.dns.dns_dns_qry_name", "keyword", true},
        Case{"layers.http.http_http_host", "keyword", true},
        Case{"layers.tls.tls_tls_handshake_extensions_server_name", "keyword", true},
        Case{"layers.tcp._ws_expert._ws_expert__ws_expert_message", "keyword", true},
        Case{"layers.ip.ip_ip_ttl", "long", true},
        Case{"layers.tcp.tcp_tcp_window_size", "long", false},
        Case{"layers.tcp.tcp_tcp_flags_syn", "boolean", false},
        Case{"layers.http.http_http_cache_control", "keyword", false},
        Case{"layers.tcp.tcp_tcp_analysis_ack_rtt", "double", false},
        Case{"layers.tcp.tcp_tcp_checksum", "keyword", false},  // noise stays off
        Case{"layers.ip.ip_ip_len_x", "long", false},
    }));
    CHECK(keeps_doc_values(path, type, Aggregatable::common) == kept);
    if (path != "layers.tcp.tcp_tcp_checksum")
        CHECK(keeps_doc_values(path, type, Aggregatable::all));
}

TEST_CASE("The template's _meta gives every rule a reason", "[export][storage]") {
    const nlohmann::json meta = field_storage_meta();
    const auto &rules = meta["doc_values_off"]["rules"];
    CHECK(rules.size() >= 10);
    CHECK(rules.contains("_checksum"));
    for (const auto &[ending, reason] : rules.items()) CHECK_FALSE(reason.get<std::string>().empty());
    const auto &common = meta["doc_values_common"]["names"];
    CHECK(std::find(common.begin(), common.end(), "_port") != common.end());
    CHECK(meta["doc_values_common"]["types"] == nlohmann::json::array({"ip"}));
    CHECK(meta["doc_values_off"]["types"].contains("bytes"));
}
