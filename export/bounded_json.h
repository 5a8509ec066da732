// SPDX-License-Identifier: GPL-2.0-or-later
// JSON from outside the run (a node's reply, a spool file), parsed with a bound on how
// deep it nests. nlohmann's parser keeps its own stack, but what reads a value after
// (dump(), a walk of a mapping) recurses: a hostile reply of 200,000 nested objects
// would overflow the thread's stack there. So anything deeper than a reply or a file
// of ours can be is refused while parsing, before it is built.
//
//   nlohmann::json reply;
//   std::string problem;
//   if (!parse_bounded_json(body, kMaxDepth, reply, problem)) warn("...: " + problem);
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace espcap::exporter {

// False, with `problem` saying why ("not JSON", "nested more than N levels deep"), when
// `text` is not one JSON value nested at most `max_depth` levels.
bool parse_bounded_json(std::string_view text, int max_depth, nlohmann::json &out, std::string &problem);

}  // namespace espcap::exporter
