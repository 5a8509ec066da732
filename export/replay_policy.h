// SPDX-License-Identifier: GPL-2.0-or-later
// What a replay sends from a spool file. A spool file is a bulk body sent with the
// run's own credentials, so whoever can put a file in the folder could otherwise have
// the replay delete or overwrite any index the credentials reach. A replay therefore
// sends only what espcap itself spools (docs/spool-and-safety.md):
//   - files owned by the user replaying and writable by nobody else, not through a
//     symbolic link;
//   - action lines exactly as espcap writes them (bulk_batch.h): `create`, or `index`
//     with an external version, into PREFIX-YYYY-MM-DD, PREFIX-flows-YYYY-MM-DD or
//     PREFIX-no-timestamp, PREFIX a valid `index=` value;
//   - mappings (spooled_mappings.h) for those indices only, under such a prefix.
// Anything else is refused whole and set aside by the spool (Spool::set_aside).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bulk_batch.h"

namespace espcap::exporter {

// True for the names of espcap's own indices, as above.
bool is_espcap_index_name(std::string_view index);

// Empty when every action line of `batch` is one espcap writes, else which is not and why.
std::string check_replayable_actions(const BulkBatch &batch);

// Empty when the open file `fd` may be replayed: a regular file owned by this process's
// user, writable by nobody else. Otherwise why not.
std::string check_spool_file_owner(int fd);

}  // namespace espcap::exporter
