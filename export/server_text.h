// SPDX-License-Identifier: GPL-2.0-or-later
// What a server sent, made fit to show a person: in the summary line, a warning, the
// trace or the dead-letter file. Server bytes are shown, never obeyed, and never show
// our own credentials back:
//
//   redact_from_server_text({user, password, api_key});  // by each HTTP client, at start
//   text += ": " + server_excerpt(response.body);
//
// A reply may echo the request (a proxy's error page, a debugging server, a node that
// quotes the header it refused): any Authorization value, and the user's password,
// api key and basic token written out, become "[redacted]" before anything is cut or
// shown. Control characters (terminal escapes, newlines, C1 codes) and bytes that are
// not UTF-8 become \xNN, so each message stays one harmless line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace espcap::exporter {

struct Credentials {
    std::string user, password, api_key;
};

// Adds these to what every later call below redacts; the list only grows, so a GUI
// that runs several exports with different credentials keeps redacting all of them.
void redact_from_server_text(const Credentials &credentials);

// `text` redacted, then cut at `max_bytes`, with control characters written as \xNN.
std::string printable_for_terminal(std::string_view text, std::size_t max_bytes);

// The start of a reply's body as a message quotes it.
std::string server_excerpt(std::string_view body);

}  // namespace espcap::exporter
