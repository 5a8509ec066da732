// SPDX-License-Identifier: GPL-2.0-or-later
// Delay before retry number `attempt` (0-based): "full jitter", a random time between
// zero and min(cap, base * 2^attempt), so concurrent senders do not retry in lockstep.
#pragma once

#include <chrono>
#include <random>

namespace espcap::exporter {

inline std::chrono::milliseconds backoff_full_jitter(std::chrono::milliseconds base,
                                                     std::chrono::milliseconds cap, unsigned attempt,
                                                     std::mt19937 &random) {
    auto ceiling = base;
    for (unsigned i = 0; i < attempt && ceiling < cap; ++i) ceiling *= 2;
    if (ceiling > cap) ceiling = cap;
    std::uniform_int_distribution<long long> pick(0, ceiling.count());
    return std::chrono::milliseconds(pick(random));
}

}  // namespace espcap::exporter
