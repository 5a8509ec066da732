// SPDX-License-Identifier: GPL-2.0-or-later
#include "missing_privilege.h"

#include <string_view>

namespace espcap::exporter {
namespace {

// The text between "[" and "]" after `label` ("action [", "roles ["); `found` is false
// when the label is missing.
std::string bracketed_after(std::string_view text, std::string_view label, bool &found) {
    const auto start = text.find(label);
    found = start != std::string_view::npos;
    if (!found) return "";
    const auto from = start + label.size();
    const auto end = text.find(']', from);
    found = end != std::string_view::npos;
    return found ? std::string(text.substr(from, end - from)) : "";
}

}  // namespace

std::string missing_privilege(const std::string &reply) {
    bool found = false;
    const std::string action = bracketed_after(reply, "action [", found);
    if (!found) return "";
    // "cluster privileges [", "index privileges [" (7.x to 9.x wording).
    std::string kind = "cluster";
    std::string granted_by = bracketed_after(reply, "granted by the cluster privileges [", found);
    if (!found) {
        kind = "index";
        granted_by = bracketed_after(reply, "granted by the index privileges [", found);
    }
    if (!found || granted_by.empty()) return "";
    const std::string least = granted_by.substr(0, granted_by.find(','));
    std::string roles = bracketed_after(reply, "roles [", found);
    std::string where = "add it to the user's role";
    if (found && !roles.empty())
        where = (roles.find(',') == std::string::npos ? "add it to role " : "add it to one of roles ") + roles;
    if (found && roles.empty()) where = "give the user a role with it";
    std::string indices = bracketed_after(reply, "on indices [", found);
    const std::string on = found && !indices.empty() ? " on " + indices : "";
    return "the " + kind + " privilege " + least + " is missing (for " + action + on + "): " + where;
}

}  // namespace espcap::exporter
