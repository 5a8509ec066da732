// SPDX-License-Identifier: GPL-2.0-or-later
#include "run_stats.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "server_text.h"

namespace espcap::exporter {
namespace {

std::string human_bytes(std::uint64_t bytes) {
    char text[32];
    if (bytes < 1024)
        std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
    else if (bytes < 1024 * 1024)
        std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
    else
        std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text;
}

std::string index_list(const std::set<std::string> &indices) {
    constexpr std::size_t kShown = 3;
    std::string list;
    std::size_t shown = 0;
    for (const std::string &index : indices) {
        if (shown == kShown) {
            list += " and " + std::to_string(indices.size() - kShown) + " more";
            break;
        }
        list += (shown++ == 0 ? "" : ", ") + index;
    }
    return list;
}

}  // namespace

void RunStats::merge(const RunStats &other) {
    packets_seen += other.packets_seen;
    packets_malformed += other.packets_malformed;
    documents_indexed += other.documents_indexed;
    documents_failed += other.documents_failed;
    documents_duplicate += other.documents_duplicate;
    documents_dead_lettered += other.documents_dead_lettered;
    if (!other.dead_letter_path.empty()) dead_letter_path = other.dead_letter_path;
    if (dead_letter_error.empty()) dead_letter_error = other.dead_letter_error;
    documents_spooled += other.documents_spooled;
    if (!other.spool_folder.empty()) spool_folder = other.spool_folder;
    replayed_indexed += other.replayed_indexed;
    replayed_duplicates += other.replayed_duplicates;
    replayed_failed += other.replayed_failed;
    documents_written += other.documents_written;
    documents_not_written += other.documents_not_written;
    flows_written += other.flows_written;
    flow_updates += other.flow_updates;
    documents_retried += other.documents_retried;
    documents_outside_retention += other.documents_outside_retention;
    indices_deleted.insert(indices_deleted.end(), other.indices_deleted.begin(), other.indices_deleted.end());
    bytes_sent += other.bytes_sent;
    seconds += other.seconds;
    note_error(other.first_error);
    if (missing_privilege.empty()) missing_privilege = other.missing_privilege;
    indices.insert(other.indices.begin(), other.indices.end());
    sent_to_node = sent_to_node || other.sent_to_node;
    wrote_file = wrote_file || other.wrote_file;
}

std::string RunStats::summary_line() const {
    std::string line = "espcap: " + std::to_string(packets_seen) + " packets";
    if (sent_to_node) {
        line += ", " + std::to_string(documents_indexed) + " indexed";
        line += ", " + std::to_string(documents_failed) + " failed";
        if (documents_dead_lettered > 0)
            line += " (" + std::to_string(documents_dead_lettered) + " kept in " + dead_letter_path + ")";
        // Failed and not kept: the file full, or not writable. Said here, whatever came first.
        if (!dead_letter_error.empty())
            line += " (not kept: " + printable_for_terminal(dead_letter_error, dead_letter_error.size()) + ")";
        if (documents_spooled > 0)
            line += ", " + std::to_string(documents_spooled) + " spooled to " + spool_folder;
        if (replayed_indexed + replayed_duplicates > 0)
            line += ", " + std::to_string(replayed_indexed + replayed_duplicates) + " replayed from spool";
        if (replayed_failed > 0) line += ", " + std::to_string(replayed_failed) + " from spool failed";
        if (documents_duplicate > 0) line += ", " + std::to_string(documents_duplicate) + " already indexed";
        if (documents_retried > 0) line += ", " + std::to_string(documents_retried) + " retried";
    }
    if (documents_outside_retention > 0)
        line += ", " + std::to_string(documents_outside_retention) + " outside retention (not indexed)";
    if (!indices_deleted.empty()) line += ", " + std::to_string(indices_deleted.size()) + " old indices deleted";
    if (flows_written > 0) line += ", " + std::to_string(flows_written) + " flow records";
    if (flow_updates > 0) line += ", " + std::to_string(flow_updates) + " flow updates";
    // Malformed packets are indexed like any other; this says how many Wireshark could
    // not fully dissect. After the counts the tests parse, so older readers still match.
    if (packets_malformed > 0) line += ", " + std::to_string(packets_malformed) + " malformed";
    if (sent_to_node) line += ", " + human_bytes(bytes_sent) + " sent";
    if (wrote_file) {
        line += ", " + std::to_string(documents_written) + " written to file";
        if (documents_not_written > 0) line += ", " + std::to_string(documents_not_written) + " not written to file";
        // Without a node, the file is where documents fail: packets = written + failed.
        if (!sent_to_node && documents_failed > 0) line += ", " + std::to_string(documents_failed) + " failed";
    }
    char seconds_text[32];
    std::snprintf(seconds_text, sizeof seconds_text, " in %.2f s", seconds);
    line += seconds_text;
    if (!indices.empty()) line += " (" + index_list(indices) + ")";
    // Often quotes a server; escaped here too, so no path into it can reach the terminal raw.
    if (!first_error.empty()) line += "; first error: " + printable_for_terminal(first_error, first_error.size());
    return line;
}

std::string RunStats::to_json() const {
    nlohmann::ordered_json json;
    json["packets"] = packets_seen;
    json["indexed"] = documents_indexed;
    json["already_indexed"] = documents_duplicate;
    json["failed"] = documents_failed;
    json["spooled"] = documents_spooled;
    json["spool_folder"] = spool_folder;
    json["dead_lettered"] = documents_dead_lettered;
    json["dead_letter_file"] = dead_letter_path;
    json["replayed_indexed"] = replayed_indexed;
    json["replayed_already_indexed"] = replayed_duplicates;
    json["replayed_failed"] = replayed_failed;
    json["written_to_file"] = documents_written;
    json["not_written_to_file"] = documents_not_written;
    json["flow_records"] = flows_written;
    json["flow_updates"] = flow_updates;
    json["retried"] = documents_retried;
    json["outside_retention"] = documents_outside_retention;
    json["indices_deleted"] = indices_deleted;
    json["malformed"] = packets_malformed;
    json["bytes_sent"] = bytes_sent;
    json["seconds"] = seconds;
    json["indices"] = indices;
    json["sent_to_node"] = sent_to_node;
    json["wrote_file"] = wrote_file;
    json["first_error"] = first_error.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(first_error);
    json["missing_privilege"] = missing_privilege.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(missing_privilege);
    // What the exit status says (1, 2, 3 or 0), in words.
    json["outcome"] = refused_privilege() ? "refused" : failed() ? "failed" : spooled() ? "spooled" : "delivered";
    // A server's text may hold any bytes: replaced, never an exception.
    return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace espcap::exporter
