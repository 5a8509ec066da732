// SPDX-License-Identifier: GPL-2.0-or-later
// What a 403 from Elasticsearch's security says is missing, as one line a user can act
// on. Its reply names the action refused, the user's roles and the privileges that grant
// the action, least first:
//
//   action [cluster:monitor/main] is unauthorized for user [bob] with effective roles
//   [sensor], this action is granted by the cluster privileges [monitor,manage,all]
//
// becomes "the cluster privilege monitor is missing (for cluster:monitor/main): add it
// to role sensor".
#pragma once

#include <string>

namespace espcap::exporter {

// Empty when `reply` (a whole reply or an item's error) is no such refusal.
std::string missing_privilege(const std::string &reply);

}  // namespace espcap::exporter
