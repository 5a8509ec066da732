// SPDX-License-Identifier: GPL-2.0-or-later
// espcap-setup: the setup step, run once by an administrator per index prefix: installs
// the index template (and the flow template with flows=true), so that the sensors' role
// needs no cluster privilege beyond monitor (docs/security.md).
//
//   espcap-setup node=https://es:9200 user=admin password_file=/root/es-admin [index=P] [flows=true]
//
// Takes the keys of `tshark -X espcap:...`; the connection, index and flows matter. The
// template is the basic one (as espcap-replay template=true installs); the sensors put
// each index's fields by Wireshark's types as they go, which needs no cluster privilege.
// Exit status: 0 installed, 1 not (bad usage, the node refused or did not answer).
#include <cstdio>
#include <string>

#include "exporter.h"
#include "options.h"
#include "program_options.h"
#include "reporter.h"

namespace {

int usage(const char *problem) {
    if (problem) std::fprintf(stderr, "espcap-setup: %s\n", problem);
    std::fprintf(stderr,
                 "usage: espcap-setup node=HOST:PORT [index=PREFIX] [flows=true] [KEY=VALUE...]\n"
                 "Installs espcap's index templates, once, as a user with manage_index_templates.\n"
                 "Options are the keys of tshark -X espcap:KEY=VALUE (see the README).\n");
    return 1;
}

}  // namespace

int main(int argc, char **argv) {
    const espcap::ProgramOptions given = espcap::read_program_options(argc, argv);
    if (given.help) {
        usage(nullptr);
        return 0;
    }
    if (!given.ok()) return usage(given.error.c_str());
    for (const std::string &warning : given.warnings) std::fprintf(stderr, "espcap-setup: warning: %s\n", warning.c_str());
    espcap::Options options = given.options;
    options.install_template = true;
    options.spool.clear();  // nothing to send: a node that does not answer is an error
    options.output_file.clear();

    espcap::exporter::Exporter exporter(options, espcap::stderr_reporter());
    const std::string error = exporter.start(espcap::exporter::Exporter::FirstAnswer::fully);
    exporter.finish();
    if (!error.empty()) {
        std::fprintf(stderr, "espcap-setup: %s\n", error.c_str());
        return 1;
    }
    std::fprintf(stderr, "espcap-setup: index template espcap-%s%s installed\n", options.index_prefix.c_str(),
                 options.flows != espcap::Options::Flows::off ? " and its flow template" : "");
    return 0;
}
