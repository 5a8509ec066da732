// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "pcap_search.h"

using espcap::PcapSearchForm;
using espcap::PcapSearchResult;

namespace {

bool has(const std::vector<std::string> &argv, const std::string &argument) {
    return std::find(argv.begin(), argv.end(), argument) != argv.end();
}

bool mentions(const std::vector<std::string> &argv, const std::string &text) {
    return std::any_of(argv.begin(), argv.end(), [&](const std::string &a) { return a.find(text) != std::string::npos; });
}

const PcapSearchForm kDnsForm{"dns.qry.name contains \"evil\"", "2024-05-01", "now", "es1:9200"};

}  // namespace

TEST_CASE("The dialog's fields become espcap-pcap's keys, each one argument", "[plugin][open]") {
    const auto argv = espcap::pcap_search_arguments("/usr/bin/espcap-pcap", {}, kDnsForm, {}, "/tmp/a.pcapng");
    CHECK(argv.front() == "/usr/bin/espcap-pcap");
    CHECK(has(argv, "node=es1:9200"));
    CHECK(has(argv, "filter=dns.qry.name contains \"evil\""));
    CHECK(has(argv, "from=2024-05-01"));
    CHECK(has(argv, "to=now"));
    CHECK(std::vector<std::string>(argv.end() - 2, argv.end()) == std::vector<std::string>{"-w", "/tmp/a.pcapng"});
}

TEST_CASE("Empty fields are left out", "[plugin][open]") {
    const auto argv = espcap::pcap_search_arguments("p", {}, {"dns", "", "", "es1"}, {}, "out");
    CHECK(argv == std::vector<std::string>{"p", "node=es1", "absolute_paths=true", "filter=dns", "-w", "out"});
}

TEST_CASE("Connection settings reach espcap-pcap, the last value of each key; secrets only as files",
          "[plugin][open]") {
    const espcap::RawOptions settings = {
        {"node", "prefs:9200"},  {"index", "lab"},        {"user", "analyst"}, {"password", "hunter2"},
        {"api_key", "c2VjcmV0"}, {"chunk", "500"},        {"index", "lab2"},   {"filter", "tcp"},
        {"tls_verify", "false"}, {"flows", "true"}};
    const auto argv = espcap::pcap_search_arguments("p", settings, {"dns", "", "", "es1"},
                                                    {"/tmp/pw", "/tmp/key"}, "out");
    CHECK(has(argv, "node=es1"));
    CHECK_FALSE(has(argv, "node=prefs:9200"));
    CHECK(has(argv, "index=lab2"));
    CHECK_FALSE(has(argv, "index=lab"));
    CHECK(has(argv, "user=analyst"));
    CHECK(has(argv, "tls_verify=false"));
    CHECK(has(argv, "password_file=/tmp/pw"));
    CHECK(has(argv, "api_key_file=/tmp/key"));
    // The dialog's display filter, not the tap's "filter" preference.
    CHECK(has(argv, "filter=dns"));
    CHECK_FALSE(has(argv, "filter=tcp"));
    // Indexing settings mean nothing to a search.
    CHECK_FALSE(mentions(argv, "chunk="));
    CHECK_FALSE(mentions(argv, "flows="));
    CHECK_FALSE(mentions(argv, "hunter2"));
    CHECK_FALSE(mentions(argv, "c2VjcmV0"));
}

TEST_CASE("A search needs a node and something to look for", "[plugin][open]") {
    CHECK(PcapSearchForm{"dns", "", "", ""}.problem() == "no Elasticsearch node was given");
    CHECK(PcapSearchForm{"", "", "", "es1"}.problem().find("display filter") != std::string::npos);
    CHECK(PcapSearchForm{"", "2024-05-01", "", "es1"}.problem().empty());
    CHECK(PcapSearchForm{"dns", "", "", "es1"}.problem().empty());
}

TEST_CASE("What espcap-pcap's end means, in plain words", "[plugin][open]") {
    const std::string found = "espcap-pcap: 3 documents match in 1 capture file\n"
                              "espcap-pcap: 3 of 3 packets written to /tmp/a.pcapng\n";
    SECTION("Every packet: the answer opens and the window closes") {
        const auto outcome = espcap::describe_pcap_search(kDnsForm, {0, found, 1000});
        CHECK(outcome.open_answer);
        CHECK(outcome.complete);
        CHECK(outcome.text.find("Packets found") == 0);
        CHECK(outcome.text.find("  3 of 3 packets written to /tmp/a.pcapng\n") != std::string::npos);
    }
    SECTION("No match: nothing to open") {
        const auto outcome = espcap::describe_pcap_search(
            kDnsForm, {0, "espcap-pcap: 0 documents match in 0 capture files\n", 0});
        CHECK_FALSE(outcome.open_answer);
        CHECK(outcome.text.find("Nothing found") == 0);
    }
    SECTION("Some packets missing: the others open, the window says why") {
        const auto outcome = espcap::describe_pcap_search(
            kDnsForm, {2, "espcap-pcap: not delivered: 2 packets from /caps/b.pcap: missing (no file at /caps/b.pcap)\n", 500});
        CHECK(outcome.open_answer);
        CHECK_FALSE(outcome.complete);
        CHECK(outcome.text.find("  not delivered: 2 packets from /caps/b.pcap: missing") != std::string::npos);
    }
    SECTION("A refused filter: espcap-pcap's reason without its usage text") {
        const auto outcome = espcap::describe_pcap_search(
            kDnsForm, {1, "espcap-pcap: filter: \"dns.qry.nam\" is neither a field nor a protocol name.\n"
                          "usage: espcap-pcap node=HOST:PORT ...\n", 0});
        CHECK_FALSE(outcome.open_answer);
        CHECK(outcome.text.find("The search was refused") == 0);
        CHECK(outcome.text.find("is neither a field nor a protocol name") != std::string::npos);
        CHECK(outcome.text.find("usage:") == std::string::npos);
    }
    SECTION("An unreachable node") {
        const auto outcome = espcap::describe_pcap_search(
            kDnsForm, {2, "espcap-pcap: http://es1:9200 does not answer as Elasticsearch or OpenSearch (Couldn't connect)\n", 0});
        CHECK_FALSE(outcome.open_answer);
        CHECK(outcome.text.find("The search failed") == 0);
        CHECK(outcome.text.find("does not answer as Elasticsearch") != std::string::npos);
    }
    SECTION("Killed") {
        const auto outcome =
            espcap::describe_pcap_search(kDnsForm, {PcapSearchResult::kNotRun, "espcap-pcap: ended by signal 9\n", 0});
        CHECK_FALSE(outcome.open_answer);
        CHECK(outcome.text.find("ended by signal 9") != std::string::npos);
    }
}
