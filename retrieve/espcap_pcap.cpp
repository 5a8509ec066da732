// SPDX-License-Identifier: GPL-2.0-or-later
// espcap-pcap: from a search back to the packets. Finds the packet documents that match
// a query and writes those packets, read from their original capture files, into one
// time-ordered pcapng.
//
//   espcap-pcap node=localhost:9200 [index=packets] query='protocol:dns' -w dns.pcapng
//   espcap-pcap node=... query_dsl='{"term":{"source.ip":"10.0.0.0/8"}}' from=2024-05-01 -w out.pcapng
//
// Connection keys are espcap's own (node, user, password, api_key, ca_file, tls_verify,
// timeout, index); see docs/retrieval.md.
// Exit status: 0 every matching packet delivered, 1 bad usage or a query the node
// refused, 2 some packets not delivered (each reason on stderr).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include <glib.h>

#include "capture_extract.h"
#include "exit_status.h"
#include "http_client.h"
#include "options.h"
#include "packet_search.h"
#include "program_runner.h"
#include "search_engine.h"

namespace {

using espcap::retrieve::IndexedPacket;

using espcap::exit_status::kBadUsage;
constexpr int kAllDelivered = espcap::exit_status::kSuccess;
constexpr int kSomeMissing = espcap::exit_status::kFailed;  // some packets not written
// mergecap opens every input at once; more parts than this are merged in rounds.
constexpr std::size_t kMaxMergeInputs = 256;

// The keys espcap-pcap reads itself; every other key=value is one of espcap's options.
struct ToolOptions {
    espcap::retrieve::PacketQuery query;
    std::string captures_dir;  // where relative file names are looked up
    std::string output;
};

int usage(const char *problem) {
    if (problem) std::fprintf(stderr, "espcap-pcap: %s\n", problem);
    std::fprintf(stderr,
                 "usage: espcap-pcap node=HOST:PORT [index=PREFIX] (query=LUCENE | query_dsl=JSON|FILE)\n"
                 "                   [from=TIME] [to=TIME] [captures=DIR] [KEY=VALUE...] -w OUT.pcapng\n"
                 "Writes the packets of the matching documents, read from their capture files, to OUT.\n"
                 "TIME: epoch milliseconds or an ISO 8601 date; from= is inclusive, to= exclusive.\n"
                 "Other keys are those of tshark -X espcap:KEY=VALUE; these matter here: %s.\n"
                 "Exit status: 0 all delivered, 1 bad usage, 2 some packets not delivered.\n",
                 espcap::option_keys(espcap::kUsedByPcap).c_str());
    return kBadUsage;
}

bool read_text_file(const std::string &path, std::string &out) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return false;
    out.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    return true;
}

bool take_tool_option(const std::pair<std::string, std::string> &entry, ToolOptions &tool, std::string &error) {
    const auto &[key, value] = entry;
    if (key == "query") tool.query.lucene = value;
    else if (key == "from") tool.query.from = value;
    else if (key == "to") tool.query.to = value;
    else if (key == "captures") tool.captures_dir = value;
    else if (key == "query_dsl") {
        // Inline JSON starts with '{'; anything else names a file holding it.
        if (!value.empty() && value.front() == '{') {
            tool.query.dsl = value;
        } else if (!read_text_file(value, tool.query.dsl)) {
            error = "query_dsl: cannot read '" + value + "'";
        }
    } else {
        return false;
    }
    return true;
}

std::string located(const std::string &file_name, const std::string &captures_dir) {
    const std::filesystem::path path(file_name);
    if (path.is_absolute() || captures_dir.empty()) return file_name;
    return (std::filesystem::path(captures_dir) / path).string();
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
            std::vector<std::string> argv = {"mergecap", "-F", "pcapng", "-w", target};
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

}  // namespace

int main(int argc, char **argv) {
    espcap::RawOptions raw;
    ToolOptions tool;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
            usage(nullptr);
            return 0;
        }
        if (!std::strcmp(argv[i], "-w")) {
            if (i + 1 == argc) return usage("-w needs a file name");
            tool.output = argv[++i];
            continue;
        }
        std::pair<std::string, std::string> entry;
        std::string error;
        if (!espcap::split_option_argument(argv[i], entry, error)) return usage(error.c_str());
        if (take_tool_option(entry, tool, error)) {
            if (!error.empty()) return usage(error.c_str());
            continue;
        }
        raw.push_back(std::move(entry));
    }
    const espcap::OptionsResult parsed = espcap::parse_options(raw);
    if (!parsed.ok()) return usage(parsed.error.c_str());
    const espcap::Options &options = parsed.options;
    if (options.nodes.empty()) return usage("node= is required");
    if (tool.output.empty()) return usage("-w OUT.pcapng is required");
    std::string query_error;
    if (espcap::retrieve::search_query_json(tool.query, query_error).empty()) return usage(query_error.c_str());
    for (const std::string &warning : espcap::command_line_secret_warnings(raw))
        std::fprintf(stderr, "espcap-pcap: warning: %s\n", warning.c_str());
    for (const std::string &warning : espcap::connection_warnings(options))
        std::fprintf(stderr, "espcap-pcap: warning: %s\n", warning.c_str());

    espcap::exporter::HttpClient::global_init();
    espcap::exporter::HttpClient http(espcap::exporter::HttpSettings::from(options));
    const espcap::Endpoint &node = options.nodes.front();
    const espcap::exporter::EngineAnswer answer =
        espcap::exporter::ask_search_engine([&](const std::string &path) { return http.get(node.url() + path); });
    const espcap::exporter::HttpResponse &root = answer.reply;
    const espcap::exporter::SearchEngine &engine = answer.engine;
    if (!root.reached() || root.status != 200 || !answer.known) {
        std::fprintf(stderr, "espcap-pcap: %s does not answer as Elasticsearch or OpenSearch (%s)\n",
                     node.url().c_str(),
                     root.reached() ? ("HTTP " + std::to_string(root.status)).c_str() : root.transport_error.c_str());
        return kSomeMissing;
    }
    espcap::retrieve::SearchOutcome found =
        espcap::retrieve::find_packets(http, node, engine, options.index_prefix, tool.query);
    if (!found.error.empty()) {
        std::fprintf(stderr, "espcap-pcap: %s\n", found.error.c_str());
        return found.query_refused ? kBadUsage : kSomeMissing;
    }

    // Group by capture file; the same packet indexed twice (two indices) is read once.
    std::map<std::string, espcap::retrieve::FileRequest> files;
    std::set<std::pair<std::string, std::string>> seen;
    std::size_t live = 0, duplicates = 0;
    for (IndexedPacket &packet : found.packets) {
        if (packet.file_name.empty()) {
            ++live;
            continue;
        }
        const std::string place = packet.has_file_offset ? "@" + std::to_string(packet.file_offset) : "#" + packet.frame_number;
        if (!seen.emplace(packet.file_name, place).second) {
            ++duplicates;
            continue;
        }
        auto &request = files[packet.file_name];
        request.name = packet.file_name;
        request.path = located(packet.file_name, tool.captures_dir);
        request.packets.push_back(std::move(packet));
    }

    const std::size_t wanted = found.packets.size() - duplicates;
    std::size_t delivered = 0;
    std::fprintf(stderr, "espcap-pcap: %zu documents match in %zu capture file%s%s\n", wanted, files.size(),
                 files.size() == 1 ? "" : "s", live > 0 ? (" and " + std::to_string(live) + " live").c_str() : "");
    if (live > 0)
        std::fprintf(stderr, "espcap-pcap: not delivered: %zu packets from live captures that wrote no file\n", live);

    GError *error = nullptr;
    gchar *work = g_dir_make_tmp("espcap-pcap-XXXXXX", &error);
    if (work == nullptr) {
        std::fprintf(stderr, "espcap-pcap: no temporary folder: %s\n", error->message);
        g_clear_error(&error);
        return kSomeMissing;
    }
    const std::string work_dir = work;
    g_free(work);
    std::vector<std::string> parts;
    std::size_t serial = 0;
    for (const auto &[name, request] : files) {
        espcap::retrieve::FileExtraction extraction = espcap::retrieve::extract_packets(request, work_dir, serial);
        if (!extraction.problem.empty()) {
            std::fprintf(stderr, "espcap-pcap: not delivered: %zu packets from %s: %s\n", request.packets.size(),
                         name.c_str(), extraction.problem.c_str());
            continue;
        }
        delivered += extraction.delivered;
        parts.insert(parts.end(), extraction.parts.begin(), extraction.parts.end());
    }

    int status = delivered == wanted ? kAllDelivered : kSomeMissing;
    if (parts.empty()) {
        std::fprintf(stderr, "espcap-pcap: no packet to write; %s not written\n", tool.output.c_str());
    } else if (const std::string problem = merge_parts(parts, work_dir, tool.output); !problem.empty()) {
        std::fprintf(stderr, "espcap-pcap: %s not written: %s\n", tool.output.c_str(), problem.c_str());
        delivered = 0;
        status = kSomeMissing;
    } else {
        std::fprintf(stderr, "espcap-pcap: %zu of %zu packets written to %s\n", delivered, wanted, tool.output.c_str());
    }
    std::error_code ignored;
    std::filesystem::remove_all(work_dir, ignored);
    return status;
}
