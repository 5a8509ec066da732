// SPDX-License-Identifier: GPL-2.0-or-later
// espcap-pcap: from a search back to the packets. Finds the packet documents that match
// a query and writes those packets, read from their original capture files, into one
// time-ordered pcapng.
//
//   espcap-pcap node=localhost:9200 [index=packets] query='protocol:dns' -w dns.pcapng
//   espcap-pcap node=... query_dsl='{"term":{"source.ip":"10.0.0.0/8"}}' from=2024-05-01 -w out.pcapng
//
// Its own keys are in pcap_options.cpp; the connection keys are espcap's (node, user,
// password, api_key, ca_file, tls_verify, timeout, index); see docs/retrieval.md.
// Documents come from the node, so nothing in them is trusted: file names are confined
// to captures= (capture_location.h), frame facts checked (packet_search.h), and every
// line printed escaped.
// Exit status: 0 every matching packet delivered, 1 bad usage, a query the node refused
// or more matches than max_packets, 2 some packets not delivered (each reason on stderr).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <glib.h>

#include "capture_extract.h"
#include "capture_location.h"
#include "display_filter_check.h"
#include "exit_status.h"
#include "filter_narrowing.h"
#include "http_client.h"
#include "options.h"
#include "packet_listing.h"
#include "packet_search.h"
#include "pcap_options.h"
#include "program_runner.h"
#include "search_engine.h"
#include "server_text.h"

namespace {

using espcap::retrieve::IndexedPacket;

using espcap::exit_status::kBadUsage;
constexpr int kAllDelivered = espcap::exit_status::kSuccess;
constexpr int kSomeMissing = espcap::exit_status::kFailed;  // some packets not written
// mergecap opens every input at once; more parts than this are merged in rounds.
constexpr std::size_t kMaxMergeInputs = 256;
// Files read at once (extract_files), at most: each is a tshark, which may hold a large
// capture's dissection in memory.
constexpr std::size_t kMaxExtractionWorkers = 4;
// A line may quote a file name (4 KiB), a tool's stderr line and the node's words.
constexpr std::size_t kMaxLineBytes = 16 * 1024;

// Every line goes through here: file names, frame facts and the node's words come from
// documents and replies, and are shown escaped, never obeyed by the terminal.
void say(const std::string &line) {
    std::fprintf(stderr, "espcap-pcap: %s\n",
                 espcap::exporter::printable_for_terminal(line, kMaxLineBytes).c_str());
}

int usage(const std::string &problem) {
    if (!problem.empty()) say(problem);
    std::fprintf(stderr,
                 "usage: espcap-pcap node=HOST:PORT [index=PREFIX] [filter=DISPLAY_FILTER] [query=LUCENE]\n"
                 "                   [query_dsl=JSON|FILE] [from=TIME] [to=TIME] [captures=DIR] [KEY=VALUE...]\n"
                 "                   (-w OUT.pcapng | count=true | list=true)\n"
                 "Writes the packets of the matching documents, read from their capture files, to OUT;\n"
                 "filter= keeps those Wireshark's display filter selects in the original files.\n"
                 "TIME: epoch milliseconds or an ISO 8601 date; from= is inclusive, to= exclusive.\n"
                 "Its own keys: %s.\n"
                 "Keys of tshark -X espcap:KEY=VALUE that matter here: %s.\n"
                 "Exit status: 0 all delivered, 1 bad usage, 2 some packets not delivered.\n",
                 espcap::retrieve::pcap_option_keys().c_str(), espcap::option_keys(espcap::kUsedByPcap).c_str());
    return kBadUsage;
}

// Merges `parts` (each time-ordered) into `output`, in rounds when there are many.
std::string merge_parts(std::vector<std::string> parts, const std::string &work_dir, const std::string &output) {
    std::size_t round = 0;
    while (true) {
        const bool last = parts.size() <= kMaxMergeInputs;
        std::vector<std::string> merged;
        for (std::size_t start = 0; start < parts.size(); start += kMaxMergeInputs) {
            const std::string target =
                last ? output : work_dir + "/merge-" + std::to_string(round) + "-" + std::to_string(start) + ".pcapng";
            // -I none: mergecap 4.0 takes interface blocks that differ only in their
            // name for the same, which would give one file's packets another's interface.
            std::vector<std::string> argv = {"mergecap", "-I", "none", "-F", "pcapng", "-w", target};
            const auto end = std::min(parts.size(), start + kMaxMergeInputs);
            argv.insert(argv.end(), parts.begin() + static_cast<std::ptrdiff_t>(start),
                        parts.begin() + static_cast<std::ptrdiff_t>(end));
            const espcap::retrieve::ProgramRun run = espcap::retrieve::run_program(argv);
            if (!run.ok()) return run.describe_failure("mergecap");
            merged.push_back(target);
        }
        if (last) return "";
        parts = std::move(merged);
        ++round;
    }
}

// The documents of one search, sorted by what becomes of them.
struct Sorted {
    std::map<std::string, espcap::retrieve::FileRequest> files;  // by file name
    std::map<std::string, std::string> file_problems;            // file name: why it is not read
    std::size_t live = 0, duplicates = 0, malformed = 0;
    std::string first_malformed;  // one example, with the document's id
};

Sorted sort_packets(std::vector<IndexedPacket> &packets, const espcap::retrieve::CaptureFolder &folder) {
    Sorted sorted;
    std::set<std::pair<std::string, std::string>> seen;
    for (IndexedPacket &packet : packets) {
        if (!packet.malformed.empty()) {
            if (sorted.malformed++ == 0)
                sorted.first_malformed = "document " + packet.id + " in " + packet.index + ": " + packet.malformed;
            continue;
        }
        if (packet.file_name.empty()) {
            ++sorted.live;
            continue;
        }
        // The same packet found in two indices is read once.
        const std::string place =
            packet.has_file_offset ? "@" + std::to_string(packet.file_offset) : "#" + packet.frame_number;
        if (!seen.emplace(packet.file_name, place).second) {
            ++sorted.duplicates;
            continue;
        }
        auto existing = sorted.files.find(packet.file_name);
        if (existing == sorted.files.end()) {
            const espcap::retrieve::CapturePlace where = espcap::retrieve::locate_capture(folder, packet.file_name);
            existing = sorted.files.emplace(packet.file_name, espcap::retrieve::FileRequest{}).first;
            existing->second.name = packet.file_name;
            existing->second.path = where.path;
            if (!where.problem.empty()) sorted.file_problems[packet.file_name] = where.problem;
        }
        existing->second.packets.push_back(std::move(packet));
    }
    return sorted;
}

// Reads the packets of each request whose extraction has no problem yet (one found
// before reading, such as a name outside captures=), several files at a time: an
// extraction is tshark passes over one file, mostly start-up and dissection, and
// extractions share nothing (each has its own folder). extractions[i] is requests[i]'s.
void extract_files(const std::vector<const espcap::retrieve::FileRequest *> &requests,
                   std::vector<espcap::retrieve::FileExtraction> &extractions, const std::string &work_dir) {
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t i = next++; i < requests.size(); i = next++) {
            espcap::retrieve::FileExtraction &extraction = extractions[i];
            if (!extraction.problem.empty()) continue;
            const std::string folder = work_dir + "/file-" + std::to_string(i);
            std::error_code error;
            if (std::filesystem::create_directory(folder, error); error) {
                extraction.problem = "not read: no working folder " + folder + " (" + error.message() + ")";
                continue;
            }
            try {
                extraction = espcap::retrieve::extract_packets(*requests[i], folder);
            } catch (const std::exception &e) {  // a thread's exception would end the program
                extraction = {};
                extraction.problem = std::string("not read: ") + e.what();
            }
        }
    };
    const std::size_t workers =
        std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, kMaxExtractionWorkers);
    std::vector<std::thread> threads;
    for (std::size_t w = 1; w < std::min(workers, requests.size()); ++w) {
        try {
            threads.emplace_back(work);
        } catch (const std::system_error &) {  // no thread to be had: fewer workers
            break;
        }
    }
    work();
    for (std::thread &thread : threads) thread.join();
}

std::string plural(std::size_t count, const char *noun) {
    return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

// The search, the reading and the report, in `work_dir`; returns the exit status.
int run(const espcap::Options &options, const espcap::retrieve::PcapOptions &tool,
        const espcap::retrieve::CaptureFolder &folder, const std::string &work_dir) {
    espcap::retrieve::PacketQuery query = tool.query;
    if (!tool.display_filter.empty()) {
        const espcap::retrieve::FilterCheck check = espcap::retrieve::check_display_filter(
            tool.display_filter, espcap::retrieve::field_name_candidates(tool.display_filter), work_dir);
        if (!check.errors.empty()) {
            say("filter= is not a valid display filter:");
            for (const std::string &line : check.errors) say(line);
            return kBadUsage;
        }
        const espcap::retrieve::Narrowing narrowing =
            espcap::retrieve::narrow_display_filter(tool.display_filter, check.fields);
        query.narrowing = narrowing.query;
        say(narrowing.query.empty() ? "filter= does not narrow the search: every document is a candidate"
                                    : "filter= narrows the search to packets that may hold " + narrowing.description);
    }
    espcap::exporter::HttpClient::global_init();
    espcap::exporter::HttpSettings settings = espcap::exporter::HttpSettings::from(options);
    // A page of hits is larger than a bulk reply; still bounded.
    settings.max_reply_bytes = std::max(settings.max_reply_bytes, espcap::retrieve::kMaxPageReplyBytes);
    espcap::exporter::HttpClient http(settings);
    const espcap::Endpoint &node = options.nodes.front();
    const espcap::exporter::EngineAnswer answer =
        espcap::exporter::ask_search_engine([&](const std::string &path) { return http.get(node.url() + path); });
    const espcap::exporter::HttpResponse &root = answer.reply;
    const espcap::exporter::SearchEngine &engine = answer.engine;
    if (!root.reached() || root.status != 200 || !answer.known) {
        say(node.url() + " does not answer as Elasticsearch or OpenSearch (" +
            (root.reached() ? "HTTP " + std::to_string(root.status) : root.transport_error) + ")");
        return kSomeMissing;
    }
    espcap::retrieve::SearchOutcome found;
    std::size_t unlisted = 0;  // packets of long flows their records do not list
    if (!tool.flow.empty()) {
        const espcap::retrieve::FlowSearchOutcome flows =
            espcap::retrieve::find_flows(http, node, options.index_prefix, tool.flow);
        if (!flows.error.empty()) {
            say(flows.error);
            return flows.query_refused ? kBadUsage : kSomeMissing;
        }
        say(plural(flows.records.size(), "flow record") + " match");
        for (const espcap::retrieve::FlowRecord &record : flows.records) {
            if (record.offsets_complete) continue;
            const std::uint64_t missing = record.packets > record.file_offsets.size() ? record.packets - record.file_offsets.size() : 0;
            unlisted += missing;
            say("not delivered: " + plural(missing, "packet") + " of flow " + record.id +
                (record.file_offsets.empty() ? ": its record names no file offsets (no capture file)"
                                             : ": its record lists only its first " +
                                                   std::to_string(record.file_offsets.size())));
        }
        found.packets = espcap::retrieve::flow_packets(flows.records);
    } else {
        found = espcap::retrieve::find_packets(http, node, engine, options.index_prefix, query, tool.max_packets);
    }
    if (!found.error.empty()) {
        say(found.error);
        return found.query_refused || found.too_many ? kBadUsage : kSomeMissing;
    }

    Sorted sorted = sort_packets(found.packets, folder);
    const bool filtered = !tool.display_filter.empty();
    if (filtered && sorted.live > 0) {
        // No file to run the filter on, and no translation the engine could decide
        // exactly: refused rather than answered differently. Live documents the
        // narrowing left out are not candidates and cause no refusal.
        say("filter= cannot be decided for " + plural(sorted.live, "document") +
            " from live captures that wrote no file: display filters are decided by tshark on capture files; "
            "leave those documents out with query= or from=/to=");
        return kBadUsage;
    }
    const std::size_t wanted = found.packets.size() - sorted.duplicates + unlisted;
    say(std::to_string(wanted) + " documents match in " + plural(sorted.files.size(), "capture file") +
        (sorted.live > 0 ? " and " + std::to_string(sorted.live) + " live" : ""));
    if (sorted.live > 0) say("not delivered: " + plural(sorted.live, "packet") + " from live captures that wrote no file");
    if (sorted.malformed > 0)
        say("not delivered: " + plural(sorted.malformed, "packet") +
            " whose documents cannot name them (first: " + sorted.first_malformed + ")");

    std::vector<const espcap::retrieve::FileRequest *> requests;
    std::vector<espcap::retrieve::FileExtraction> extractions(sorted.files.size());
    for (auto &[name, request] : sorted.files) {
        request.display_filter = tool.display_filter;
        request.write = !tool.output.empty();
        if (const auto refused = sorted.file_problems.find(name); refused != sorted.file_problems.end())
            extractions[requests.size()].problem = refused->second;
        requests.push_back(&request);
    }
    extract_files(requests, extractions, work_dir);
    std::vector<std::string> parts;
    std::vector<espcap::retrieve::ListedPacket> listed;
    std::size_t delivered = 0, filtered_out = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const espcap::retrieve::FileRequest &request = *requests[i];
        const espcap::retrieve::FileExtraction &extraction = extractions[i];
        if (!extraction.problem.empty()) {
            say("not delivered: " + plural(request.packets.size(), "packet") + " from " + request.name + ": " +
                extraction.problem);
            continue;
        }
        delivered += extraction.selected.size();
        filtered_out += extraction.filtered_out;
        for (const IndexedPacket *packet : extraction.selected) listed.push_back({packet, request.name});
        parts.insert(parts.end(), extraction.parts.begin(), extraction.parts.end());
    }
    if (filtered) say(plural(filtered_out, "packet") + " of " + std::to_string(wanted) + " not selected by filter=");

    int status = delivered + filtered_out == wanted ? kAllDelivered : kSomeMissing;
    if (tool.list) {
        espcap::retrieve::sort_for_listing(listed);
        for (const auto &packet : listed)
            std::printf("%s\n", espcap::exporter::printable_for_terminal(espcap::retrieve::listing_line(packet),
                                                                        kMaxLineBytes).c_str());
    }
    if (tool.count) std::printf("%zu\n", delivered);
    if (tool.output.empty()) {
        say(std::to_string(delivered) + " of " + std::to_string(wanted) + " packets found");
    } else if (parts.empty()) {
        say("no packet to write; " + tool.output + " not written");
    } else if (const std::string merge_problem = merge_parts(parts, work_dir, tool.output); !merge_problem.empty()) {
        say(tool.output + " not written: " + merge_problem);
        status = kSomeMissing;
    } else {
        say(std::to_string(delivered) + " of " + std::to_string(wanted) + " packets written to " + tool.output);
    }
    return status;
}

}  // namespace

int main(int argc, char **argv) {
    espcap::RawOptions raw;
    espcap::retrieve::PcapOptions tool;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
            usage("");
            return 0;
        }
        if (!std::strcmp(argv[i], "-w")) {
            if (i + 1 == argc) return usage("-w needs a file name");
            tool.output = argv[++i];
            continue;
        }
        std::pair<std::string, std::string> entry;
        std::string error;
        if (!espcap::split_option_argument(argv[i], entry, error)) return usage(error);
        if (espcap::retrieve::take_pcap_option(entry.first, entry.second, tool, error)) {
            if (!error.empty()) return usage(error);
            continue;
        }
        raw.push_back(std::move(entry));
    }
    const espcap::OptionsResult parsed = espcap::parse_options(raw);
    if (!parsed.ok()) return usage(parsed.error);
    const espcap::Options &options = parsed.options;
    if (options.nodes.empty()) return usage("node= is required");
    if (tool.output.empty() && !tool.count && !tool.list) return usage("-w OUT.pcapng, count=true or list=true is required");
    std::string problem;
    if (!tool.flow.empty()) {
        const espcap::retrieve::PacketQuery &q = tool.query;
        if (!q.lucene.empty() || !q.dsl.empty() || !q.from.empty() || !q.to.empty())
            return usage("flow= and community_id= name their packets themselves: not with query=, query_dsl=, from= "
                         "or to=");
    } else if (espcap::retrieve::search_query_json(tool.query, problem).empty()) {
        return usage(problem);
    }
    espcap::retrieve::CaptureFolder folder;
    if (!espcap::retrieve::open_capture_folder(tool.captures_dir, tool.absolute_paths, folder, problem))
        return usage(problem);
    for (const std::string &warning : espcap::command_line_secret_warnings(raw)) say("warning: " + warning);
    for (const std::string &warning : espcap::connection_warnings(options)) say("warning: " + warning);
    GError *error = nullptr;
    gchar *work = g_dir_make_tmp("espcap-pcap-XXXXXX", &error);
    if (work == nullptr) {
        say(std::string("no temporary folder: ") + error->message);
        g_clear_error(&error);
        return kSomeMissing;
    }
    const std::string work_dir = work;
    g_free(work);
    const int status = run(options, tool, folder, work_dir);
    std::error_code ignored;
    std::filesystem::remove_all(work_dir, ignored);
    return status;
}

