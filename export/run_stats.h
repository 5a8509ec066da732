// SPDX-License-Identifier: GPL-2.0-or-later
// What a run did, for the end-of-run line on stderr, the GUI's result window and the
// stats file.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace espcap::exporter {

struct RunStats {
    std::uint64_t packets_seen = 0;
    std::uint64_t packets_malformed = 0;  // with a _ws.malformed item; still indexed
    std::uint64_t documents_indexed = 0;
    std::uint64_t documents_failed = 0;
    std::uint64_t documents_duplicate = 0;  // already indexed by an earlier run
    std::uint64_t documents_dead_lettered = 0;  // failed ones kept in the dead-letter file
    std::string dead_letter_path;
    std::string dead_letter_error;  // the first failed document it could not keep: why
    // This run's documents still in the spool at the end, for a later run (or
    // espcap-replay); those it replayed itself count as indexed. So packets = indexed +
    // already indexed + failed + spooled; the replayed_* counts are other runs' packets.
    std::uint64_t documents_spooled = 0;
    std::string spool_folder;
    std::uint64_t replayed_indexed = 0;  // spooled by earlier runs, delivered by this one
    std::uint64_t replayed_duplicates = 0;
    std::uint64_t replayed_failed = 0;  // also in the dead-letter file
    std::uint64_t documents_written = 0;  // to the NDJSON file
    // Write errors of the NDJSON file when a node takes the documents too (without a
    // node they are documents_failed).
    std::uint64_t documents_not_written = 0;
    std::uint64_t flows_written = 0;  // flow records among the documents (flows=true|only)
    std::uint64_t flow_updates = 0;   // updates of long flows' records, also among them (live)
    std::uint64_t documents_retried = 0;
    // Documents of days outside `retention`: not sent (their index would be deleted), so
    // packets = indexed + already indexed + failed + spooled + outside retention.
    std::uint64_t documents_outside_retention = 0;
    std::vector<std::string> indices_deleted;  // by retention
    std::uint64_t bytes_sent = 0;
    double seconds = 0;
    std::string first_error;
    // Documents were refused because the credentials lack this privilege: the run
    // stopped there, and exits 1 as when the node refuses us at start.
    std::string missing_privilege;
    std::set<std::string> indices;
    bool sent_to_node = false;
    bool wrote_file = false;

    bool failed() const {
        return documents_failed > 0 || documents_not_written > 0 || replayed_failed > 0 || !first_error.empty();
    }
    bool spooled() const { return documents_spooled > 0; }
    bool refused_privilege() const { return !missing_privilege.empty(); }
    void note_error(const std::string &error) {
        if (first_error.empty()) first_error = error;
    }
    // Adds another run's (or round's) counts to these: every counter, the indices, the
    // paths it named, its first error when these have none. espcap-replay's rounds add up
    // this way.
    void merge(const RunStats &other);
    std::string summary_line() const;
    // Every count above as one JSON object, for programs (the stats_file option); keys
    // are the summary line's words: "packets", "indexed", "already_indexed", "failed"...
    std::string to_json() const;
};

}  // namespace espcap::exporter
