// SPDX-License-Identifier: GPL-2.0-or-later
// espcap-replay: sends what espcap runs left in the spool folder, without a capture.
//
//   espcap-replay node=localhost:9200 [spool=DIR] [user=... password=...] ...
//
// Takes the same key=value options as `tshark -X espcap:...`; only those about the
// connection and the spool matter. Each spool file carries the template and typed
// fields of the run that spooled it: the template is installed where the node has none
// of that name, and the fields are mapped before the documents go. It installs no
// template of its own unless given template=true (then a basic one for index=PREFIX,
// without Wireshark's field types).
// Only files such as espcap spools, from this user, are sent (replay_policy.h); others
// are set aside (FILE.refused, FILE.damaged) and said.
// Exit status: 0 when the spool is empty afterwards, 1 bad usage, 2 documents rejected
// (kept in the dead-letter file) or a file set aside, 3 files still wait.
#include <sys/prctl.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "exit_status.h"
#include "exporter.h"
#include "options.h"
#include "program_options.h"
#include "server_text.h"
#include "spool.h"

namespace {

using espcap::exit_status::kBadUsage;
using espcap::exit_status::kFailed;
using espcap::exit_status::kStillSpooled;
// Waiting for another replay of the folder, then replaying what it left, at most this
// often: tshark runs that keep finding the node back must not hold a replay for ever.
constexpr unsigned kMostRounds = 5;

int usage(const char *problem) {
    if (problem) std::fprintf(stderr, "espcap-replay: %s\n", problem);
    std::fprintf(stderr,
                 "usage: espcap-replay node=HOST:PORT [spool=DIR] [KEY=VALUE...]\n"
                 "Sends the batches spooled by earlier espcap runs for that node, oldest first.\n"
                 "Options are the keys of tshark -X espcap:KEY=VALUE (see the README); these matter here:\n"
                 "%s.\n",
                 espcap::option_keys(espcap::kUsedByReplay).c_str());
    return kBadUsage;
}

}  // namespace

int main(int argc, char **argv) {
    const espcap::ProgramOptions given = espcap::read_program_options(argc, argv);
    if (given.help) {
        usage(nullptr);
        return 0;
    }
    if (!given.ok()) return usage(given.error.c_str());
    const espcap::RawOptions &raw = given.raw;
    espcap::Options options = given.options;
    // The spool files bring their runs' full templates (with Wireshark's field types);
    // a replay only installs the basic one when asked, so it never replaces them.
    const bool template_asked = std::any_of(raw.begin(), raw.end(), [](const auto &e) { return e.first == "template"; });
    if (!template_asked) options.install_template = false;
    if (options.spool.empty()) return usage("spool=off leaves nothing to replay");
    for (const std::string &warning : given.warnings) std::fprintf(stderr, "espcap-replay: warning: %s\n", warning.c_str());
    options.output_file.clear();
    // Credentials and packet contents sit in this process's memory from here on: no
    // core dump (nor a same-user ptrace) may take them away.
    if (!options.password.empty() || !options.api_key.empty()) ::prctl(PR_SET_DUMPABLE, 0);

    // Another process replaying the same folder (a tshark run that found the node back,
    // or a second espcap-replay) takes the files it listed; ours are what it leaves. So
    // a replay that finds the folder busy waits for it to end and tries again.
    espcap::exporter::Spool folder(options.spool, options.nodes, options.spool_max);
    espcap::exporter::RunStats total;
    std::size_t left = 0;
    std::string spool_folder;
    for (unsigned round = 0; round < kMostRounds; ++round) {
        espcap::exporter::Exporter exporter(options, espcap::stderr_reporter());
        if (const std::string error = exporter.start(espcap::exporter::Exporter::FirstAnswer::fully);
            !error.empty()) {
            std::fprintf(stderr, "espcap-replay: %s\n", error.c_str());
            return kStillSpooled;
        }
        if (!exporter.start_warning().empty()) {
            std::fprintf(stderr, "espcap-replay: %s\n", exporter.start_warning().c_str());
            exporter.finish();
            return kStillSpooled;
        }
        total.merge(exporter.finish());
        left = exporter.spool_files_left();
        spool_folder = exporter.spool_folder();
        if (left == 0 || total.refused_privilege()) break;
        // Files left: the node went away, or another process held the folder. One that
        // ended just now has left fewer files than we counted.
        const bool waited = folder.wait_for_other_replay();
        const std::size_t now_left = folder.pending_files().size();
        if (now_left == 0 || (!waited && now_left >= left)) {
            left = now_left;
            break;
        }
    }
    std::fprintf(stderr, "espcap-replay: %llu replayed (%llu indexed, %llu already indexed), %llu failed",
                 static_cast<unsigned long long>(total.replayed_indexed + total.replayed_duplicates),
                 static_cast<unsigned long long>(total.replayed_indexed),
                 static_cast<unsigned long long>(total.replayed_duplicates),
                 static_cast<unsigned long long>(total.documents_failed + total.replayed_failed));
    if (total.documents_dead_lettered > 0) std::fprintf(stderr, " (kept in %s)", total.dead_letter_path.c_str());
    if (!total.dead_letter_error.empty())
        std::fprintf(stderr, " (not kept: %s)",
                     espcap::exporter::printable_for_terminal(total.dead_letter_error, total.dead_letter_error.size())
                         .c_str());
    std::fprintf(stderr, "; %zu files left in %s", left, spool_folder.c_str());
    if (!total.first_error.empty())
        std::fprintf(stderr, "; first error: %s",
                     espcap::exporter::printable_for_terminal(total.first_error, total.first_error.size()).c_str());
    std::fprintf(stderr, "\n");
    if (total.refused_privilege()) return kBadUsage;  // the warning said which privilege, and the role
    if (total.failed()) return kFailed;
    return left > 0 ? kStillSpooled : 0;
}
