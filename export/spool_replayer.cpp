// SPDX-License-Identifier: GPL-2.0-or-later
#include "spool_replayer.h"

#include <exception>
#include <string>
#include <vector>

namespace espcap::exporter {
namespace {
// Ends the replay however it ends (an exception too), so another process may replay
// the folder.
class ReplayTurn {
public:
    explicit ReplayTurn(DeliveryAccounting &accounting) : accounting_(accounting) {}
    ~ReplayTurn() { accounting_.end_replay(); }
    ReplayTurn(const ReplayTurn &) = delete;
    ReplayTurn &operator=(const ReplayTurn &) = delete;

private:
    DeliveryAccounting &accounting_;
};
}  // namespace

SpoolReplayer::SpoolReplayer(DeliveryAccounting &accounting, IndexMappings &mappings, BatchDelivery &delivery)
    : accounting_(accounting), mappings_(mappings), delivery_(delivery) {}

bool SpoolReplayer::replay(BulkClient &client) {
    std::vector<std::string> files;
    if (!accounting_.begin_replay(files)) return true;  // nothing left, or another espcap replays
    const ReplayTurn turn(accounting_);
    BulkBatch batch;
    std::string mappings;
    for (const std::string &file : files) {
        if (client.cancelled()) return true;  // the end of the run cut the replay short: the rest waits in the spool
        // Credentials that lack a privilege would only move the spool into the dead-letter
        // file: the rest waits for a role that has it.
        if (accounting_.privilege_refused()) return true;
        if (!accounting_.load_spooled(file, batch, mappings)) continue;  // set aside
        std::size_t own_documents = 0;
        try {
            own_documents = accounting_.claim_own_file(file);  // this run's packets leave `spooled` here
            if (!mappings.empty()) mappings_.add_spooled(mappings, client);  // mapped before the batch goes
            const std::vector<std::size_t> later =
                delivery_.send(client, batch, own_documents > 0 ? Origin::this_run : Origin::earlier_run);
            if (later.empty()) {
                accounting_.replayed(file);
                continue;
            }
            // The node went away again (or the run cut the replay): what is left of this
            // file waits for next time.
            accounting_.replayed_in_part(file, batch, later, mappings, own_documents);
            return false;
        } catch (const std::exception &problem) {
            // What a file brought made an internal error: it is kept aside, never tried
            // again in a loop, and the replay goes on.
            accounting_.set_aside_after_error(file, file + ": internal error: " + problem.what(), own_documents);
        }
    }
    return true;
}

}  // namespace espcap::exporter
