// SPDX-License-Identifier: GPL-2.0-or-later
// Open from Elasticsearch, the part that knows espcap-pcap: the command line a search
// form becomes, and what espcap-pcap's exit status and report mean to the user. Plain
// C++ without Wireshark, so the unit tests read it.
//
//   PcapSearchForm form{"dns", "2024-05-01", "", "es1:9200"};
//   if (const std::string problem = form.problem(); !problem.empty()) show(problem);
//   run(pcap_search_arguments(program, settings, form, secret_files, "/tmp/answer.pcapng"));
//   const PcapSearchOutcome outcome = describe_pcap_search(form, {status, stderr_text, bytes});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "options.h"

namespace espcap {

// What the user typed into the dialog.
struct PcapSearchForm {
    std::string display_filter;
    std::string from, to;  // the time range, as espcap-pcap reads it (from inclusive, to exclusive)
    std::string node;

    std::string problem() const;  // "" when there is something to search for, and where
};

// The 0600 files that hold the secrets for espcap-pcap: a secret on its command line
// would be readable by every user of the machine (ps, /proc/PID/cmdline). "" = none.
struct SecretFiles {
    std::string password_file, api_key_file;
};

// espcap-pcap's command line: the form, the connection settings espcap-pcap uses
// (preferences and -X, later entries winning, secrets left out), the secret files and
// the answer file.
std::vector<std::string> pcap_search_arguments(const std::string &program, const RawOptions &settings,
                                               const PcapSearchForm &form, const SecretFiles &secrets,
                                               const std::string &answer_file);

// How espcap-pcap ended.
struct PcapSearchResult {
    static constexpr int kNotRun = -1;  // it did not start, or a signal ended it
    int exit_status = kNotRun;
    std::string report;           // its standard error; or why it did not start or end
    std::uint64_t answer_bytes = 0;  // the size of the answer file; 0: nothing written
};

struct PcapSearchOutcome {
    bool open_answer = false;  // the answer file holds packets to open
    bool complete = false;     // ...and every packet that matches
    std::string text;          // for the window, in plain words
};

PcapSearchOutcome describe_pcap_search(const PcapSearchForm &form, const PcapSearchResult &result);

}  // namespace espcap
