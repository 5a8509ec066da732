// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcap_search.h"

#include <algorithm>
#include <sstream>

#include "exit_status.h"

namespace espcap {
namespace {

constexpr const char *kReportPrefix = "espcap-pcap: ";
// The keys the form gives espcap-pcap itself; the settings' values for them (the tap's
// "filter" preference, say) must not reach it.
const std::vector<std::string> kFormKeys = {"node", "filter", "from", "to"};

const OptionSpec *spec_of(const std::string &key) {
    for (const OptionSpec &spec : option_specs())
        if (key == spec.key) return &spec;
    return nullptr;
}

bool passed_on(const std::string &key) {
    if (std::find(kFormKeys.begin(), kFormKeys.end(), key) != kFormKeys.end()) return false;
    const OptionSpec *spec = spec_of(key);
    return spec != nullptr && (spec->used_by & kUsedByPcap) != 0 && !spec->secret;
}

// espcap-pcap's own lines without their prefix; its usage text after an error is for
// the shell, not for this window. Anything else it printed (a crash) is kept whole.
std::vector<std::string> report_lines(const std::string &report) {
    std::vector<std::string> said, other;
    std::istringstream lines(report);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        if (line.rfind(kReportPrefix, 0) == 0) said.push_back(line.substr(std::string(kReportPrefix).size()));
        else other.push_back(line);
    }
    return said.empty() ? other : said;
}

std::string labelled(const std::string &label, const std::string &value) {
    std::string line = label;
    line.append(label.size() < 16 ? 16 - label.size() : 1, ' ');
    return line + value + "\n";
}

std::string headline(const PcapSearchResult &result) {
    using namespace exit_status;
    const bool answered = result.answer_bytes > 0;
    switch (result.exit_status) {
    case kSuccess:
        return answered ? "Packets found: they open in Wireshark.\n"
                        : "Nothing found: no packet in Elasticsearch matches this search.\n";
    case kBadUsage: return "The search was refused; nothing was opened.\n";
    case kFailed:
        return answered ? "Some packets could not be delivered; the others open in Wireshark.\n"
                        : "The search failed; nothing was opened.\n";
    case PcapSearchResult::kNotRun: return "espcap-pcap did not finish; nothing was opened.\n";
    default: return "espcap-pcap ended with status " + std::to_string(result.exit_status) + "; nothing was opened.\n";
    }
}

}  // namespace

std::string PcapSearchForm::problem() const {
    if (node.empty()) return "no Elasticsearch node was given";
    if (display_filter.empty() && from.empty() && to.empty())
        return "give a display filter, a time range, or both (an empty search would fetch every packet)";
    return "";
}

std::vector<std::string> pcap_search_arguments(const std::string &program, const RawOptions &settings,
                                               const PcapSearchForm &form, const SecretFiles &secrets,
                                               const std::string &answer_file) {
    // Later settings win (-X over preferences): keep each key's last value only.
    RawOptions kept;
    for (const auto &entry : settings) {
        if (!passed_on(entry.first)) continue;
        kept.erase(std::remove_if(kept.begin(), kept.end(), [&](const auto &k) { return k.first == entry.first; }),
                   kept.end());
        kept.push_back(entry);
    }
    // Wireshark's own exports and tshark -r of a full path name files by absolute path; the
    // search reads them with the rights of the user who asked, into that user's Wireshark.
    std::vector<std::string> argv = {program, "node=" + form.node, "absolute_paths=true"};
    for (const auto &[key, value] : kept) argv.push_back(key + "=" + value);
    if (!secrets.password_file.empty()) argv.push_back("password_file=" + secrets.password_file);
    if (!secrets.api_key_file.empty()) argv.push_back("api_key_file=" + secrets.api_key_file);
    if (!form.display_filter.empty()) argv.push_back("filter=" + form.display_filter);
    if (!form.from.empty()) argv.push_back("from=" + form.from);
    if (!form.to.empty()) argv.push_back("to=" + form.to);
    argv.insert(argv.end(), {"-w", answer_file});
    return argv;
}

PcapSearchOutcome describe_pcap_search(const PcapSearchForm &form, const PcapSearchResult &result) {
    PcapSearchOutcome outcome;
    outcome.open_answer = result.answer_bytes > 0 &&
                          (result.exit_status == exit_status::kSuccess || result.exit_status == exit_status::kFailed);
    outcome.complete = outcome.open_answer && result.exit_status == exit_status::kSuccess;
    outcome.text = headline(result) + "\n";
    outcome.text += labelled("Display filter:", form.display_filter.empty() ? "(none)" : form.display_filter);
    outcome.text += labelled("From:", form.from.empty() ? "(the first packet)" : form.from);
    outcome.text += labelled("To:", form.to.empty() ? "(the last packet)" : form.to);
    outcome.text += labelled("Elasticsearch:", form.node);
    const std::vector<std::string> said = report_lines(result.report);
    if (!said.empty()) {
        outcome.text += "\nespcap-pcap said:\n";
        for (const std::string &line : said) outcome.text += "  " + line + "\n";
    }
    if (result.exit_status == exit_status::kBadUsage)
        outcome.text += "\nCheck the display filter and the times; the node and credentials are in "
                        "Edit > Preferences > Protocols > espcap.\n";
    if (outcome.open_answer)
        outcome.text += "\nThe answer is a temporary file, removed when Wireshark exits: "
                        "File > Save As keeps it.\n";
    return outcome;
}

}  // namespace espcap
