// SPDX-License-Identifier: GPL-2.0-or-later
// Which sensor saw a packet, in ECS terms, written on every packet and flow record so
// that documents from many sensors in one cluster can be told apart:
//
//   ,"observer":{"hostname":"probe-7","name":"dmz"},"labels":{"site":"lab"}
//
// encoded once per run (the values never change during it) and appended as is.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace espcap::tap {

struct SensorIdentity {
    std::string name;      // the sensor option; "" writes no observer.name
    std::string hostname;  // the host's name (local_host_name())
    std::vector<std::pair<std::string, std::string>> labels;
};

// gethostname(), or "" when the host has none.
std::string local_host_name();

// ',"observer":{...}' and, with labels, ',"labels":{...}'.
std::string identity_members(const SensorIdentity &identity);

// The ECS event of a packet document: ',"event":{"kind":"event","category":["network"],
// "dataset":"espcap.packet","module":"espcap"}'. Flow records write their own event.
inline constexpr const char kPacketEventMember[] =
    R"(,"event":{"kind":"event","category":["network"],"dataset":"espcap.packet","module":"espcap"})";

}  // namespace espcap::tap
