// SPDX-License-Identifier: GPL-2.0-or-later
// One Tools > Open from Elasticsearch search: espcap-pcap in a child process, watched
// from the GUI thread without ever waiting for it.
//
//   PcapSearchRun run(form);
//   if (const std::string problem = run.start(settings, options); !problem.empty()) ...
//   run.finished();              // from a timer: reads what espcap-pcap printed, never blocks
//   run.outcome();               // then: open run.answer_file() and run.keep_answer()
//
// The answer goes to a private (0600) temporary file. The password and API key go to
// private files that exist only while espcap-pcap runs, never onto its command line.
#pragma once

#include <glib.h>

#include <string>

#include "options.h"
#include "pcap_search.h"

namespace espcap {

class PcapSearchRun {
public:
    explicit PcapSearchRun(PcapSearchForm form);
    // Ends a search still running (Wireshark is closing); removes the secret files and
    // an answer nobody kept.
    ~PcapSearchRun();
    PcapSearchRun(const PcapSearchRun &) = delete;
    PcapSearchRun &operator=(const PcapSearchRun &) = delete;

    // Starts espcap-pcap with the form and the settings (raw: as given; parsed: for the
    // secrets). Returns why it could not start, in plain words, or "".
    std::string start(const RawOptions &settings, const Options &parsed);

    // True once espcap-pcap has ended; each call first reads what it printed so far.
    bool finished();

    PcapSearchOutcome outcome() const { return describe_pcap_search(form_, result_); }
    const std::string &answer_file() const { return answer_file_; }
    void keep_answer() { keep_answer_ = true; }  // Wireshark has it open

private:
    void read_report();
    void record_end(int wait_error, int status);  // wait_error: waitpid's errno, or 0
    void remove_secret_files();

    PcapSearchForm form_;
    std::string answer_file_;
    SecretFiles secrets_;
    GPid child_ = 0;
    bool running_ = false;
    int report_fd_ = -1;  // the read end of espcap-pcap's stderr, non-blocking
    PcapSearchResult result_;
    bool keep_answer_ = false;
};

}  // namespace espcap
