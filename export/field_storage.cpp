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
};

bool ends_with(std::string_view text, std::string_view ending) {
    return text.size() >= ending.size() && text.compare(text.size() - ending.size(), ending.size(), ending) == 0;
}

}  // namespace

bool keeps_doc_values(std::string_view path) {
    const auto dot = path.rfind('.');
    const std::string_view name = dot == std::string_view::npos ? path : path.substr(dot + 1);
    for (const Rule &rule : kNoDocValues) {
        // A whole name, or an ending after '_': "tcp_tcp_checksum" but not "tcp_tcp_checksum_status".
        if (name == rule.ending || (rule.ending[0] == '_' && ends_with(name, rule.ending))) return false;
    }
    return true;
}

void apply_field_storage(std::string_view path, nlohmann::json &mapping) {
    const std::string type = mapping.value("type", "");
    if (type == "alias" || type == "object" || type.empty()) return;
    if (!keeps_doc_values(path)) mapping["doc_values"] = false;
}

nlohmann::json field_storage_meta() {
    nlohmann::json rules = nlohmann::json::object();
    for (const Rule &rule : kNoDocValues) rules[rule.ending] = rule.reason;
    return {{"doc_values_off", {{"matches", "member names ending so (whole names without a leading _)"},
                                {"rules", rules}}}};
}

}  // namespace espcap::exporter
