// SPDX-License-Identifier: GPL-2.0-or-later
// How delivery reaches its nodes and how long it waits for them: libcurl and the pauses
// below in a run; a scripted server and pauses of milliseconds in a unit test.
//
//   Exporter exporter(options, reporter);                       // DeliverySetup::from(options)
//   DeliverySetup setup = DeliverySetup::from(options);
//   setup.transport = node.transport();                         // a test's fake node
//   setup.timing.reconnect_interval = std::chrono::milliseconds(5);
//   Exporter exporter(options, reporter, setup);
#pragma once

#include <chrono>
#include <string>

#include "http_transport.h"
#include "options.h"

namespace espcap::exporter {

struct DeliveryTiming {
    using Ms = std::chrono::milliseconds;
    // Transient trouble (a node restarting, a full write queue) is retried this long,
    // counted from the first failure of a request: retry_seconds.
    Ms retry_budget = std::chrono::seconds(Options{}.retry_seconds);
    // BulkClient: the pause before a retry, "full jitter" from backoff_base doubling up
    // to backoff_cap (backoff.h).
    Ms backoff_base{250};
    Ms backoff_cap{8000};
    // BulkClient: a node that did not answer is skipped for node_down_base, doubling
    // with each failure in a row up to node_down_cap.
    Ms node_down_base{2000};
    Ms node_down_cap{60000};
    // Exporter: how often an unreachable node is asked again while batches go to the
    // spool.
    Ms reconnect_interval{5000};
    // Exporter: how long the first packet waits for the node to answer its banner
    // request (FirstAnswer::briefly). A healthy node answers in milliseconds, even a
    // busy one: no cluster state is involved. One that answers later gets the first
    // batches from the spool moments later, counted as indexed all the same. Once the
    // banner came, the template install (a cluster state update, seconds on a busy
    // node) is waited for.
    Ms banner_wait{2000};
    // Exporter: back-off between tries at mapping a batch's new fields while the node
    // does not answer.
    Ms mapping_retry_first_pause{250};
    Ms mapping_retry_longest_pause{4000};
};

struct DeliverySetup {
    TransportFactory transport;
    DeliveryTiming timing;

    // libcurl, the pauses above and the options' retry budget.
    static DeliverySetup from(const Options &options) {
        DeliverySetup setup{libcurl_transport(), DeliveryTiming{}};
        setup.timing.retry_budget = std::chrono::seconds(options.retry_seconds);
        return setup;
    }
};

// "120 s", or "50 ms" below a whole second (only tests wait less than seconds).
inline std::string describe_duration(std::chrono::milliseconds duration) {
    if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
    return std::to_string(duration.count()) + " ms";
}

}  // namespace espcap::exporter
