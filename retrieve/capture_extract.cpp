// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture_extract.h"

#include <filesystem>
#include <map>
#include <sstream>

#include "program_runner.h"

namespace espcap::retrieve {
namespace {

// Packets looked for per tshark pass: the filter (about 12 bytes a packet) and editcap's
// comments (about 100) stay well under the kernel's limits on one argument (128 KiB)
// and on all of them (2 MiB). Each pass reads the whole file.
constexpr std::size_t kPacketsPerPass = 5000;

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

std::string differs(const SeenPacket &seen, const IndexedPacket &indexed) {
    if (seen.time_epoch != indexed.time_epoch)
        return "time " + seen.time_epoch + ", indexed " + indexed.time_epoch;
    if (seen.frame_len != indexed.frame_len) return "length " + seen.frame_len + ", indexed " + indexed.frame_len;
    if (seen.cap_len != indexed.cap_len)
        return "captured length " + seen.cap_len + ", indexed " + indexed.cap_len;
    return "";
}

// One tshark pass over the file for `batch`, then editcap for the comments. Returns
// the problem, or "" with the commented part's path in `part`.
std::string extract_batch(const FileRequest &request, const Locator &locator,
                          const std::vector<const IndexedPacket *> &batch, const std::string &work_dir,
                          std::size_t &serial, std::string &part) {
    std::map<std::string, const IndexedPacket *> wanted;
    std::string filter = std::string(locator.field) + " in {";
    for (const IndexedPacket *packet : batch) {
        const std::string key = key_of(*packet, locator);
        if (!wanted.emplace(key, packet).second) continue;  // the same packet indexed twice
        if (filter.back() != '{') filter += ',';
        filter += key;
    }
    filter += '}';
    const std::string raw = work_dir + "/part-" + std::to_string(serial++) + ".pcapng";
    const ProgramRun tshark = run_program({"tshark", "-r", request.path, "-o", "frame.show_file_off:TRUE", "-Y",
                                           filter, "-F", "pcapng", "-w", raw, "-P", "-T", "fields", "-e",
                                           locator.field, "-e", "frame.time_epoch", "-e", "frame.len", "-e",
                                           "frame.cap_len"});
    const std::vector<SeenPacket> seen = parse_fields(tshark.out);
    // editcap numbers the part's frames from 1 in the order tshark wrote them.
    std::vector<std::string> editcap = {"editcap"};
    std::size_t frame = 0;
    for (const SeenPacket &packet : seen) {
        ++frame;
        const auto found = wanted.find(packet.key);
        if (found == wanted.end()) continue;  // a second record at the same place cannot be; ignore
        if (const std::string difference = differs(packet, *found->second); !difference.empty())
            return "changed since it was indexed (" + std::string(locator.by_offset ? "offset " : "frame ") +
                   packet.key + ": " + difference + ")";
        editcap.push_back("-a");
        editcap.push_back(std::to_string(frame) + ":" + source_comment(request.name, *found->second));
        wanted.erase(found);
    }
    if (!wanted.empty()) {
        // Damage after the last wanted packet is no reason to refuse the ones found.
        if (!tshark.ok() && seen.empty()) return "not readable: " + tshark.describe_failure("tshark");
        return "changed since it was indexed (no packet at " + std::string(locator.by_offset ? "offset " : "frame ") +
               wanted.begin()->first + ")";
    }
    part = work_dir + "/part-" + std::to_string(serial++) + ".pcapng";
    editcap.push_back(raw);
    editcap.push_back(part);
    const ProgramRun commented = run_program(editcap);
    std::filesystem::remove(raw);
    if (!commented.ok()) return "could not add comments: " + commented.describe_failure("editcap");
    return "";
}

}  // namespace

std::string source_comment(const std::string &file_name, const IndexedPacket &packet) {
    std::string comment = "espcap-pcap: " + file_name + " frame " + packet.frame_number;
    if (packet.has_file_offset) comment += " (offset " + std::to_string(packet.file_offset) + ")";
    return comment;
}

FileExtraction extract_packets(const FileRequest &request, const std::string &work_dir, std::size_t &serial) {
    FileExtraction result;
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
            std::string part;
            result.problem = extract_batch(request, locator, batch, work_dir, serial, part);
            if (!result.problem.empty()) {
                // The file is not the indexed one: nothing read from it is delivered.
                for (const std::string &earlier : result.parts) std::filesystem::remove(earlier, error);
                result.parts.clear();
                result.delivered = 0;
                return result;
            }
            result.parts.push_back(part);
            result.delivered += batch.size();
        }
    }
    return result;
}

}  // namespace espcap::retrieve
