// SPDX-License-Identifier: GPL-2.0-or-later
// The connector thread: the only one that asks a node whether it is there, so a node
// that accepts connections and keeps silent never holds up the read or a sender. While
// the node is away it asks every reconnect_interval; once one answers and the template
// is in place, it runs `catch_up` (the spool replay) while the senders wait, then lets
// them send.
//
//   NodeConnector connector(options, reporter, setup, mappings, catch_up);
//   const auto answer = connector.start(FirstAnswer::briefly, spooling);  // the first answer
//   connector.node_ready();   // a sender, before each batch
//   connector.mark_away();    // a sender whose request gave up
//   connector.stop();         // the end of the run
//
// One lock, held only to read or change the state: never through a probe, a template
// call or a replay. Senders wait on the state `replaying` instead, so the end of the
// run can cut a replay that takes too long.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bulk_client.h"
#include "delivery_setup.h"
#include "field_mappings.h"
#include "options.h"
#include "reporter.h"

namespace espcap::exporter {

// How long start() waits for a node's first answer. `briefly` (tshark, the GUI): a
// moment for the banner, after which documents go to the spool until the node
// answers, then for the template. `fully` (espcap-replay, and any run without a
// spool): until the answer or the timeout.
enum class FirstAnswer { briefly, fully };

class NodeConnector {
public:
    // Runs on the connector thread once a node answered and its template is in place.
    // False when the node went away meanwhile.
    using CatchUp = std::function<bool(BulkClient &)>;

    NodeConnector(const Options &options, Reporter &reporter, const DeliverySetup &setup, IndexMappings &mappings,
                  CatchUp catch_up);
    ~NodeConnector();  // stop()
    NodeConnector(const NodeConnector &) = delete;
    NodeConnector &operator=(const NodeConnector &) = delete;

    struct StartAnswer {
        std::string refused;  // a node refused us: asking again gets the same answer
        bool ready = false;   // a node answered, its template is in place, the spool went
        std::string why_not;  // not ready: the last attempt's error, or that none came in time
    };
    // Starts the thread and waits for its first answer as `wait` says; without
    // `spooling`, documents have nowhere to wait, so it waits fully.
    StartAnswer start(FirstAnswer wait, bool spooling);

    // A sender, before each batch: true when the node takes batches. Never asks the
    // node; waits only while the connector replays the spool.
    bool node_ready();
    // A sender's request gave up past the retry budget: the node is taken for away until
    // the connector finds it answering again.
    void mark_away();
    // At the end of the run (SIGINT, SIGTERM too), a replay in progress gets `patience`
    // to end: it holds the senders back, and a large spool would outlast a service
    // manager's patience. Then it is cut, and what it has not sent waits in the spool.
    void cut_replay_after(std::chrono::milliseconds patience);
    // Ends the thread: a probe or template call in flight is cancelled, a replay is let
    // finish (cut_replay_after() first). Safe to call more than once.
    void stop();
    // After stop(): why a node refused us ("" when none did).
    std::string refusal() const;

private:
    using Clock = std::chrono::steady_clock;

    // One state for the link to the node, read and changed under mutex_.
    enum class State {
        first_probe,     // start() waits for the banner of the first attempt
        first_template,  // the banner came: start() waits for the template and the spool too
        first_away,      // the first attempt failed; start() has yet to take that answer
        probing,         // a probe or template call start() no longer waits for
        away,            // no answer: the next attempt at next_attempt_
        replaying,       // a node answered: catch_up runs, and senders wait for it
        ready,           // senders send
        refused,         // a node refused us (or the thread failed): nobody asks again
        stopped,         // stop(): nobody asks again
    };
    static bool attempt_in_flight(State state);

    struct Attempt {
        std::string error;     // empty: a node answered and the template is in place
        bool refused = false;  // asking again will get the same answer
    };
    void run();
    Attempt attempt_once();
    // The thread's body threw (guarded.h): taken as a node that refuses us, so senders
    // spool, start() returns and finish() says why.
    void failed(const std::string &what);

    Reporter &reporter_;
    const DeliveryTiming timing_;
    IndexMappings &mappings_;
    CatchUp catch_up_;
    std::unique_ptr<BulkClient> client_;  // the connector's own
    std::thread thread_;

    mutable std::mutex mutex_;  // guards everything below
    std::condition_variable changed_;
    State state_ = State::first_probe;
    std::string refusal_;
    std::string last_error_;
    Clock::time_point next_attempt_{};
};

}  // namespace espcap::exporter
