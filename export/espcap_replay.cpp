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
// Exit status: 0 when the spool is empty afterwards, 1 bad usage, 2 documents rejected
// (kept in the dead-letter file), 3 files still wait.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "exporter.h"
#include "options.h"

namespace {

constexpr int kBadUsage = 1, kFailed = 2, kStillSpooled = 3;

int usage(const char *problem) {
    if (problem) std::fprintf(stderr, "espcap-replay: %s\n", problem);
    std::fprintf(stderr,
                 "usage: espcap-replay node=HOST:PORT [spool=DIR] [KEY=VALUE...]\n"
                 "Sends the batches spooled by earlier espcap runs for that node, oldest first.\n"
                 "Options are the keys of tshark -X espcap:KEY=VALUE (see the README).\n");
    return kBadUsage;
}

}  // namespace

int main(int argc, char **argv) {
    espcap::RawOptions raw;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
            usage(nullptr);
            return 0;
        }
        std::pair<std::string, std::string> entry;
        std::string error;
        if (!espcap::split_option_argument(argv[i], entry, error)) return usage(error.c_str());
        raw.push_back(std::move(entry));
    }
    const espcap::OptionsResult parsed = espcap::parse_options(raw);
    if (!parsed.ok()) return usage(parsed.error.c_str());
    espcap::Options options = parsed.options;
    // The spool files bring their runs' full templates (with Wireshark's field types);
    // a replay only installs the basic one when asked, so it never replaces them.
    const bool template_asked = std::any_of(raw.begin(), raw.end(), [](const auto &e) { return e.first == "template"; });
    if (!template_asked) options.install_template = false;
    if (options.nodes.empty()) return usage("node= is required");
    if (options.spool.empty()) return usage("spool=off leaves nothing to replay");
    options.output_file.clear();

    espcap::exporter::Exporter exporter(options);
    if (const std::string error = exporter.start(espcap::exporter::Exporter::FirstAnswer::fully); !error.empty()) {
        std::fprintf(stderr, "espcap-replay: %s\n", error.c_str());
        return kStillSpooled;
    }
    if (!exporter.start_warning().empty()) {
        std::fprintf(stderr, "espcap-replay: %s\n", exporter.start_warning().c_str());
        exporter.finish();
        return kStillSpooled;
    }
    const espcap::exporter::RunStats stats = exporter.finish();
    const std::size_t left = exporter.spool_files_left();
    std::fprintf(stderr, "espcap-replay: %llu replayed (%llu indexed, %llu already indexed), %llu failed",
                 static_cast<unsigned long long>(stats.replayed_indexed + stats.replayed_duplicates),
                 static_cast<unsigned long long>(stats.replayed_indexed),
                 static_cast<unsigned long long>(stats.replayed_duplicates),
                 static_cast<unsigned long long>(stats.documents_failed + stats.replayed_failed));
    if (stats.documents_dead_lettered > 0) std::fprintf(stderr, " (kept in %s)", stats.dead_letter_path.c_str());
    std::fprintf(stderr, "; %zu files left in %s", left, exporter.spool_folder().c_str());
    if (!stats.first_error.empty()) std::fprintf(stderr, "; first error: %s", stats.first_error.c_str());
    std::fprintf(stderr, "\n");
    if (stats.failed()) return kFailed;
    return left > 0 ? kStillSpooled : 0;
}
