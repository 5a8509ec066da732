// SPDX-License-Identifier: GPL-2.0-or-later
#include "run_stats.h"

#include <cstdio>

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

}  // namespace espcap::exporter
