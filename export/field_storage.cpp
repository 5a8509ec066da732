// SPDX-License-Identifier: GPL-2.0-or-later
#include "field_storage.h"

namespace espcap::exporter {
namespace {

// Member names ("tcp_tcp_checksum") matched by their ending; each line says why.
struct Rule {
    const char *ending;
    const char *reason;
};
constexpr Rule kNoDocValues[] = {
    {"_checksum", "a hash of the packet: searched for, never grouped by"},
    {"_seq_raw", "raw sequence numbers: unique per packet"},
    {"_ack_raw", "raw acknowledgement numbers: unique per packet"},
    {"tcp_tcp_seq", "relative sequence numbers: unique per packet of a stream"},
    {"tcp_tcp_ack", "relative acknowledgement numbers: unique per packet of a stream"},
    {"tcp_tcp_nxtseq", "next sequence numbers: unique per packet of a stream"},
    {"ip_ip_id", "IP identification: unique per packet"},
    {"_time_relative", "time since the first packet: aggregate on timestamp"},
    {"_time_delta", "time since the previous packet: unique per packet"},
    {"_time_delta_displayed", "time since the previous packet shown: unique per packet"},
    {"frame_frame_time_epoch", "the packet time again: aggregate on timestamp"},
    {"sniff_timestamp", "the packet time again: aggregate on timestamp"},
    {"text", "text-only items: tree labels no display filter can name, read but not grouped by"},
};

// Types (common/field_type.h) that never keep doc values, whatever their name.
constexpr Rule kNoDocValuesTypes[] = {
    {"bytes", "byte fields: found by term and prefix queries, never grouped by"},
};

// aggregatable=common: besides every `ip` field, only these keep doc values (and not
// the kNoDocValues names). `timestamp` and espcap's other dates are mapped by the
// template and keep theirs; the layers' own dates (frame.time) repeat `timestamp`.
constexpr const char *kCommonTypes[] = {"ip"};
constexpr Rule kCommonAggregations[] = {
    {"_port", "ports: top talkers, services"},
    {"_srcport", "source ports"},
    {"_dstport", "destination ports: services"},
    {"_len", "lengths: bytes per address, size histograms"},
    {"_stream", "conversation numbers: packets per stream"},
    {"frame_frame_number", "frame numbers: packets in capture order, a packet stored twice"},
    {"frame_frame_protocols", "protocol stacks"},
    {"frame_frame_interface_name", "capture interfaces"},
    {"eth_eth_src", "hardware addresses"},
    {"eth_eth_dst", "hardware addresses"},
    {"eth_eth_addr", "hardware addresses"},
    {"eth_eth_type", "EtherTypes"},
    {"vlan_vlan_id", "VLANs"},
    {"ip_ip_proto", "transport protocols"},
    {"ipv6_ipv6_nxt", "transport protocols"},
    {"ip_ip_ttl", "TTLs: hops, operating systems"},
    {"tcp_tcp_flags", "TCP flag combinations"},
    {"icmp_icmp_type", "ICMP types"},
    {"icmp_icmp_code", "ICMP codes"},
    {"icmpv6_icmpv6_type", "ICMPv6 types"},
    {"arp_arp_opcode", "ARP requests and replies"},
    {"http_http_host", "HTTP hosts"},
    {"http_http_request_method", "HTTP methods"},
    {"http_http_request_uri", "HTTP paths"},
    {"http_http_request_full_uri", "HTTP URLs"},
    {"http_http_response_code", "HTTP status codes"},
    {"http_http_user_agent", "HTTP clients"},
    {"http_http_server", "HTTP servers"},
    {"http_http_content_type", "content types"},
    {"dns_dns_qry_name", "DNS names asked"},
    {"dns_dns_qry_type", "DNS record types"},
    {"dns_dns_resp_name", "DNS names answered"},
    {"dns_dns_flags_rcode", "DNS response codes"},
    {"tls_tls_handshake_extensions_server_name", "TLS server names (SNI)"},
    {"tls_tls_handshake_type", "TLS handshake messages"},
    {"tls_tls_handshake_ciphersuite", "TLS cipher suites"},
    {"tls_tls_record_version", "TLS versions"},
    {"_ws_expert__ws_expert_message", "expert information, as Wireshark's Expert Info groups it"},
    {"_ws_expert__ws_expert_severity", "expert information by severity"},
};

bool ends_with(std::string_view text, std::string_view ending) {
    return text.size() >= ending.size() && text.compare(text.size() - ending.size(), ending.size(), ending) == 0;
}

// A whole name, or an ending after '_': "tcp_tcp_checksum" but not "tcp_tcp_checksum_status".
template <std::size_t N>
bool matches_any(std::string_view name, const Rule (&rules)[N]) {
    for (const Rule &rule : rules)
        if (name == rule.ending || (rule.ending[0] == '_' && ends_with(name, rule.ending))) return true;
    return false;
}

nlohmann::json reasons(const Rule *begin, const Rule *end) {
    nlohmann::json rules = nlohmann::json::object();
    for (const Rule *rule = begin; rule != end; ++rule) rules[rule->ending] = rule->reason;
    return rules;
}

}  // namespace

bool keeps_doc_values(std::string_view path, std::string_view type, Aggregatable aggregatable) {
    const auto dot = path.rfind('.');
    const std::string_view name = dot == std::string_view::npos ? path : path.substr(dot + 1);
    for (const Rule &rule : kNoDocValuesTypes)
        if (type == rule.ending) return false;
    if (matches_any(name, kNoDocValues)) return false;
    if (aggregatable == Aggregatable::all) return true;
    for (std::string_view common : kCommonTypes)
        if (type == common) return true;
    return matches_any(name, kCommonAggregations);
}

void apply_field_storage(std::string_view path, std::string_view type, nlohmann::json &mapping,
                         Aggregatable aggregatable) {
    const std::string mapped = mapping.value("type", "");
    if (mapped == "alias" || mapped == "object" || mapped.empty()) return;
    if (!keeps_doc_values(path, type, aggregatable)) mapping["doc_values"] = false;
}

nlohmann::json field_storage_meta() {
    // Names without their reasons: the template stays about 4 KiB, and the names say enough.
    nlohmann::json common_names = nlohmann::json::array();
    for (const Rule &rule : kCommonAggregations) common_names.push_back(rule.ending);
    nlohmann::json common_types = nlohmann::json::array();
    for (const char *type : kCommonTypes) common_types.push_back(type);
    return {{"doc_values_off", {{"matches", "member names ending so (whole names without a leading _)"},
                                {"rules", reasons(std::begin(kNoDocValues), std::end(kNoDocValues))},
                                {"types", reasons(std::begin(kNoDocValuesTypes), std::end(kNoDocValuesTypes))}}},
            {"doc_values_common",
             {{"applies", "aggregatable=common: doc values only on these types and names"},
              {"types", common_types},
              {"names", common_names}}}};
}

}  // namespace espcap::exporter
