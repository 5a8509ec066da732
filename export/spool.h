// SPDX-License-Identifier: GPL-2.0-or-later
// Batches that could not be delivered, kept on disk until Elasticsearch answers again.
//
// One folder per destination (spool/<node>), one file per batch: the gzipped _bulk body
// exactly as it would have been sent, so a file can also be replayed by hand with curl
// (--data-binary @FILE, headers Content-Encoding: gzip and Content-Type:
// application/x-ndjson, to http://node:9200/_bulk). Next to it, NAME.mappings.json.gz
// holds the template and typed fields its run would have put first.
// Files are written under a temporary name, synced, renamed and the folder synced, so a
// crash never leaves half a batch behind nor loses one counted as kept; replay takes
// them oldest first. Several espcap processes may share a folder: names are unique per
// process, spool_max bounds what they hold together, and replay holds a lock so only
// one replays.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bulk_batch.h"
#include "options.h"

namespace espcap::exporter {

class Spool {
public:
    // `root` is the spool option; the folder used is root/<name of the first node>.
    // `refusal` (refuse_relative_default_as_root()): not empty, store() stores nothing
    // and says this; files already there are still replayed.
    Spool(const std::string &root, const std::vector<Endpoint> &nodes, std::uint64_t max_bytes,
          std::string refusal = "");
    ~Spool();
    Spool(const Spool &) = delete;
    Spool &operator=(const Spool &) = delete;

    // Checks that the folder can be read, or created: the folder itself is only made by
    // the first store(), so runs that never spool leave nothing behind. Empty on success.
    std::string open();
    const std::string &folder() const { return folder_; }

    // Stores the given documents of `batch`, with `mappings_json` (spooled_mappings.h)
    // next to them when not empty. Empty on success, and `stored_file` (when given) is
    // the new file as pending_files() will list it; otherwise why not (the size bound
    // reached by what every run put in the folder, a write error) and nothing was stored.
    std::string store(const BulkBatch &batch, const std::vector<std::size_t> &documents,
                      std::string_view mappings_json, std::string *stored_file = nullptr);

    // Files waiting for replay, oldest first. To replay them, use begin_replay().
    std::vector<std::string> pending_files() const;
    // What load() found: `damaged` (unreadable, not a bulk body) or `refused` (not one
    // replay_policy.h lets a replay send); `absent` only for a file's own mappings.
    enum class Loaded { ok, absent, damaged, refused };
    // `mappings_json` is left empty where the file has none. Otherwise `error` says why not.
    Loaded load(const std::string &file, BulkBatch &batch, std::string &mappings_json, std::string &error) const;
    void remove(const std::string &file);  // with its mappings
    // Renames a file load() did not take out of the replay's way (FILE.damaged,
    // FILE.refused), with its mappings, so it is kept for a person to look at but not
    // tried again and again. Returns its new name.
    std::string set_aside(const std::string &file, Loaded why);

    // Replay is exclusive across processes; false when another process holds it.
    bool try_lock_replay();
    void unlock_replay();
    // Takes the replay lock, then lists the files to replay: listed before, a file may be
    // one another process has just replayed and removed. False, `files` empty, when
    // another process replays; unlock_replay() ends it.
    bool begin_replay(std::vector<std::string> &files);
    // Waits while another process replays this folder; true when there was one.
    bool wait_for_other_replay();

private:
    std::uint64_t bytes_in_folder() const;

    std::string folder_;
    std::uint64_t max_bytes_;
    std::string refusal_;
    std::uint64_t sequence_ = 0;
    int lock_fd_ = -1;
};

// The folder name for a destination: "127.0.0.1_9200", safe as a path component.
std::string spool_folder_name(const std::vector<Endpoint> &nodes);

}  // namespace espcap::exporter
