// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture_extract.h"

#include <filesystem>
#include <map>
#include <sstream>

#include "program_runner.h"

namespace espcap::retrieve {
namespace {

// Packets looked for per tshark pass. Each pass reads the whole file; its filter holds
// at most 21 bytes a packet (20 digits and a comma), well under the kernel's 128 KiB
// limit on one argument.
constexpr std::size_t kPacketsPerPass = 5000;
// Bytes of arguments per editcap run. The comments name the file (up to 4 KiB), so
// a pass's comments may exceed the kernel's 2 MiB for all arguments and the
// environment; they are added over several runs, each well under it.
constexpr std::size_t kEditcapArgumentBytes = 512 * 1024;

// How a packet is located in its file: by byte offset, or by frame number for documents
// that carry no offset.
struct Locator {
    const char *field;  // the tshark field compared
    bool by_offset;
};
constexpr Locator kByOffset{"frame.file_off", true};
constexpr Locator kByNumber{"frame.number", false};

std::string key_of(const IndexedPacket &packet, const Locator &locator) {
    return locator.by_offset ? std::to_string(packet.file_offset) : packet.frame_number;
}

// What tshark printed for one packet it wrote: key, time, wire length, captured length.
struct SeenPacket {
    std::string key, time_epoch, frame_len, cap_len;
};

std::vector<SeenPacket> parse_fields(const std::string &out) {
    std::vector<SeenPacket> seen;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        std::vector<std::string> fields;
        std::istringstream cells(line);
        std::string cell;
        while (std::getline(cells, cell, '\t')) fields.push_back(cell);
        fields.resize(4);
        seen.push_back({fields[0], fields[1], fields[2], fields[3]});
    }
    return seen;
}

// Compares what the index knows: a flow record (flow=) knows its first packet's time and
// no lengths, so empty values are not compared.
std::string differs(const SeenPacket &seen, const IndexedPacket &indexed) {
    if (!indexed.time_epoch.empty() && seen.time_epoch != indexed.time_epoch)
        return "time " + seen.time_epoch + ", indexed " + indexed.time_epoch;
    if (!indexed.frame_len.empty() && seen.frame_len != indexed.frame_len)
        return "length " + seen.frame_len + ", indexed " + indexed.frame_len;
    if (!indexed.cap_len.empty() && seen.cap_len != indexed.cap_len)
        return "captured length " + seen.cap_len + ", indexed " + indexed.cap_len;
    return "";
}

// editcap -a for every comment, in as many runs as the argument limit needs, each
// run's output the next one's input. Returns the problem, or "" with `part` set.
std::string add_comments(const std::vector<std::string> &comments, const std::string &raw,
                         const std::string &work_dir, std::size_t &serial, std::string &part) {
    std::string input = raw;
    std::size_t next = 0;
    do {
        std::vector<std::string> editcap = {"editcap"};
        std::size_t bytes = 0;
        // An argument costs its text, its NUL and its pointer; "-a" 3 bytes and a pointer.
        const auto cost = [](const std::string &comment) { return comment.size() + 1 + 3 + 2 * sizeof(char *); };
        // At least one comment a run: each is at most a few KiB.
        while (next < comments.size() && (editcap.size() == 1 || bytes + cost(comments[next]) <= kEditcapArgumentBytes)) {
            bytes += cost(comments[next]);
            editcap.push_back("-a");
            editcap.push_back(comments[next++]);
        }
        const std::string output = work_dir + "/part-" + std::to_string(serial++) + ".pcapng";
        editcap.push_back(input);
        editcap.push_back(output);
        const ProgramRun commented = run_program(editcap);
        std::error_code ignored;
        std::filesystem::remove(input, ignored);
        if (!commented.ok()) {
            std::filesystem::remove(output, ignored);
            return "could not add comments: " + commented.describe_failure("editcap");
        }
        input = output;
    } while (next < comments.size());
    part = input;
    return "";
}

// What one batch gave: the packets selected (in file order) and, when writing, the
// commented part holding them.
struct BatchOutcome {
    std::string problem;
    std::string part;
    std::vector<const IndexedPacket *> selected;
    std::vector<std::size_t> frames_in_part;  // each selected packet's frame in the written part, from 1
};

std::vector<std::string> tshark_pass(const FileRequest &request, const Locator &locator, const std::string &filter,
                                     const std::string &written) {
    std::vector<std::string> argv = {"tshark", "-r", request.path, "-o", "frame.show_file_off:TRUE", "-Y", filter};
    if (!written.empty()) argv.insert(argv.end(), {"-F", "pcapng", "-w", written, "-P"});
    argv.insert(argv.end(), {"-T", "fields", "-e", locator.field, "-e", "frame.time_epoch", "-e", "frame.len", "-e",
                             "frame.cap_len"});
    return argv;
}

// Why `seen` (a packet tshark printed at a place asked for) is not the indexed packet
// there, or "" when it is.
std::string changed_problem(const SeenPacket &seen, const IndexedPacket &indexed, const Locator &locator) {
    const std::string difference = differs(seen, indexed);
    if (difference.empty()) return "";
    return "changed since it was indexed (" + std::string(locator.by_offset ? "offset " : "frame ") + seen.key +
           ": " + difference + ")";
}

// Finds `batch` in the file and checks each packet against its document. With filter=,
// the filter pass over the original file comes first and keeps those Wireshark's
// filter selects; the check pass then runs only when some were not selected (they must
// still be found, or the file is not the indexed one).
BatchOutcome extract_batch(const FileRequest &request, const Locator &locator,
                           const std::vector<const IndexedPacket *> &batch, const std::string &work_dir,
                           std::size_t &serial) {
    BatchOutcome outcome;
    std::map<std::string, const IndexedPacket *> wanted;
    std::string places = std::string(locator.field) + " in {";
    for (const IndexedPacket *packet : batch) {
        const std::string key = key_of(*packet, locator);
        if (!wanted.emplace(key, packet).second) continue;  // the same packet indexed twice
        if (places.back() != '{') places += ',';
        places += key;
    }
    places += '}';
    const bool filtered = !request.display_filter.empty();
    const std::string raw = request.write ? work_dir + "/part-" + std::to_string(serial++) + ".pcapng" : "";
    if (filtered) {
        // The filter was compiled alone first, so "(FILTER)" is one expression and the
        // answer lies within the places asked for; anything else is refused.
        const ProgramRun chosen =
            run_program(tshark_pass(request, locator, "(" + request.display_filter + ") && (" + places + ")", raw));
        if (!chosen.ok() && chosen.out.empty()) {
            outcome.problem = "not readable: " + chosen.describe_failure("tshark");
            return outcome;
        }
        for (const SeenPacket &packet : parse_fields(chosen.out)) {
            const auto found = wanted.find(packet.key);
            if (found == wanted.end()) {
                outcome.problem = "filter= selected a packet that was not asked for (" + packet.key + ")";
                return outcome;
            }
            if (std::string changed = changed_problem(packet, *found->second, locator); !changed.empty()) {
                outcome.problem = std::move(changed);
                return outcome;
            }
            outcome.selected.push_back(found->second);
            outcome.frames_in_part.push_back(outcome.selected.size());
        }
    }
    // Every place found and checked already: no check pass needed.
    const bool all_checked = filtered && outcome.selected.size() == wanted.size();
    if (!all_checked) {
        const ProgramRun tshark = run_program(tshark_pass(request, locator, places, filtered ? "" : raw));
        const std::vector<SeenPacket> seen = parse_fields(tshark.out);
        std::map<std::string, const IndexedPacket *> missing = wanted;
        std::size_t frame = 0;  // in the order tshark wrote them, as editcap numbers them
        for (const SeenPacket &packet : seen) {
            ++frame;
            const auto found = missing.find(packet.key);
            if (found == missing.end()) continue;  // a second record at the same place cannot be; ignore
            if (std::string changed = changed_problem(packet, *found->second, locator); !changed.empty()) {
                outcome.problem = std::move(changed);
                return outcome;
            }
            if (!filtered) {
                outcome.selected.push_back(found->second);
                outcome.frames_in_part.push_back(frame);
            }
            missing.erase(found);
        }
        if (!missing.empty()) {
            // Damage after the last wanted packet is no reason to refuse the ones found.
            if (!tshark.ok() && seen.empty()) outcome.problem = "not readable: " + tshark.describe_failure("tshark");
            else outcome.problem = "changed since it was indexed (no packet at " +
                                   std::string(locator.by_offset ? "offset " : "frame ") + missing.begin()->first + ")";
            return outcome;
        }
    }
    if (!request.write || outcome.selected.empty()) {
        std::error_code ignored;
        if (!raw.empty()) std::filesystem::remove(raw, ignored);
        return outcome;
    }
    std::vector<std::string> comments;
    for (std::size_t i = 0; i < outcome.selected.size(); ++i)
        comments.push_back(std::to_string(outcome.frames_in_part[i]) + ":" +
                           source_comment(request.name, *outcome.selected[i]));
    outcome.problem = add_comments(comments, raw, work_dir, serial, outcome.part);
    return outcome;
}

}  // namespace

std::string source_comment(const std::string &file_name, const IndexedPacket &packet) {
    // A flow record's packets (flow=) have no frame number, only their offset.
    std::string comment = "espcap-pcap: " + file_name;
    if (!packet.frame_number.empty()) comment += " frame " + packet.frame_number;
    if (packet.has_file_offset) comment += " (offset " + std::to_string(packet.file_offset) + ")";
    return comment;
}

FileExtraction extract_packets(const FileRequest &request, const std::string &work_dir) {
    FileExtraction result;
    std::size_t serial = 0;  // names the parts in work_dir
    std::error_code error;
    if (!std::filesystem::is_regular_file(request.path, error)) {
        result.problem = "missing (no file at " + request.path + ")";
        return result;
    }
    std::vector<const IndexedPacket *> by_offset, by_number;
    for (const IndexedPacket &packet : request.packets) (packet.has_file_offset ? by_offset : by_number).push_back(&packet);
    for (const auto &[locator, packets] : {std::make_pair(kByOffset, &by_offset), std::make_pair(kByNumber, &by_number)}) {
        for (std::size_t start = 0; start < packets->size(); start += kPacketsPerPass) {
            const std::size_t end = std::min(packets->size(), start + kPacketsPerPass);
            const std::vector<const IndexedPacket *> batch(packets->begin() + static_cast<std::ptrdiff_t>(start),
                                                          packets->begin() + static_cast<std::ptrdiff_t>(end));
            BatchOutcome outcome = extract_batch(request, locator, batch, work_dir, serial);
            if (!outcome.problem.empty()) {
                // The file is not the indexed one: nothing read from it is delivered.
                for (const std::string &earlier : result.parts) std::filesystem::remove(earlier, error);
                result = FileExtraction{};
                result.problem = outcome.problem;
                return result;
            }
            if (!outcome.part.empty()) result.parts.push_back(outcome.part);
            result.filtered_out += batch.size() - outcome.selected.size();
            result.selected.insert(result.selected.end(), outcome.selected.begin(), outcome.selected.end());
        }
    }
    return result;
}

}  // namespace espcap::retrieve
