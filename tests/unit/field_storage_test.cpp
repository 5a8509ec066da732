#include <catch2/catch.hpp>

#include "field_storage.h"

using espcap::exporter::apply_field_storage;
using espcap::exporter::field_storage_meta;
using espcap::exporter::keeps_doc_values;

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
    }));
    CHECK(keeps_doc_values(path) == kept);
}

TEST_CASE("Only field types with doc values get the setting", "[export][storage]") {
    nlohmann::json keyword = {{"type", "keyword"}};
    apply_field_storage("layers.tcp.tcp_tcp_checksum", keyword);
    CHECK(keyword["doc_values"] == false);
    nlohmann::json alias = {{"type", "alias"}, {"path", "x"}};
    apply_field_storage("layers.tcp.tcp_tcp_checksum", alias);
    CHECK_FALSE(alias.contains("doc_values"));
    nlohmann::json kept = {{"type", "long"}};
    apply_field_storage("layers.tcp.tcp_tcp_dstport", kept);
    CHECK_FALSE(kept.contains("doc_values"));
}

TEST_CASE("The template's _meta gives every rule a reason", "[export][storage]") {
    const nlohmann::json meta = field_storage_meta();
    const auto &rules = meta["doc_values_off"]["rules"];
    CHECK(rules.size() >= 10);
    CHECK(rules.contains("_checksum"));
    for (const auto &[ending, reason] : rules.items()) CHECK_FALSE(reason.get<std::string>().empty());
}
