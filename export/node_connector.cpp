// SPDX-License-Identifier: GPL-2.0-or-later
#include "node_connector.h"

#include "guarded.h"

namespace espcap::exporter {

NodeConnector::NodeConnector(const Options &options, Reporter &reporter, const DeliverySetup &setup,
                             IndexMappings &mappings, CatchUp catch_up)
    : reporter_(reporter), timing_(setup.timing), mappings_(mappings), catch_up_(std::move(catch_up)),
      client_(std::make_unique<BulkClient>(options, reporter, setup)) {}

NodeConnector::~NodeConnector() { stop(); }

bool NodeConnector::attempt_in_flight(State state) {
    return state == State::first_probe || state == State::first_template || state == State::probing;
}

NodeConnector::StartAnswer NodeConnector::start(FirstAnswer wait, bool spooling) {
    thread_ = std::thread([this] {
        guarded("the connector thread", [this](const std::string &what) { failed(what); }, [this] { run(); });
    });
    std::unique_lock<std::mutex> lock(mutex_);
    if (wait == FirstAnswer::briefly && spooling)
        changed_.wait_for(lock, timing_.banner_wait, [&] { return state_ != State::first_probe; });
    // Once the banner came, the template (and the spool) are waited for in any case.
    if (wait == FirstAnswer::fully || !spooling || state_ != State::first_probe) {
        changed_.wait(lock, [&] {
            return state_ != State::first_probe && state_ != State::first_template && state_ != State::replaying;
        });
    }
    StartAnswer answer;
    answer.refused = refusal_;
    answer.ready = state_ == State::ready;
    if (state_ == State::first_probe) {  // no banner in time: the attempt goes on without us
        answer.why_not = "cannot reach Elasticsearch (no answer within " + describe_duration(timing_.banner_wait) + ")";
        state_ = State::probing;
    } else {
        answer.why_not = last_error_;
        if (state_ == State::first_away) state_ = State::away;  // the connector may ask again
    }
    changed_.notify_all();
    return answer;
}

// Runs on the connector thread from start() to stop().
void NodeConnector::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        switch (state_) {
        case State::stopped:
        case State::refused:
            return;
        case State::ready:       // until a sender finds the node gone
        case State::first_away:  // until start() has taken the first answer
        case State::replaying:   // not while this thread is here
            changed_.wait(lock, [&, was = state_] { return state_ != was; });
            continue;
        case State::away:
            if (changed_.wait_until(lock, next_attempt_, [&] { return state_ == State::stopped; })) return;
            state_ = State::probing;
            break;
        case State::first_probe:
        case State::first_template:
        case State::probing:
            break;
        }
        lock.unlock();
        const Attempt attempt = attempt_once();
        lock.lock();
        if (state_ == State::stopped) return;
        const bool start_waits = state_ != State::probing;  // first_probe or first_template
        if (attempt.error.empty()) {
            state_ = State::replaying;
            lock.unlock();
            const bool node_still_there = catch_up_(*client_);
            lock.lock();
            if (node_still_there) {
                state_ = State::ready;
            } else {
                state_ = start_waits ? State::first_away : State::away;
                next_attempt_ = Clock::now() + timing_.reconnect_interval;
            }
        } else if (attempt.refused) {
            refusal_ = attempt.error;
            state_ = State::refused;
            if (!start_waits)  // the run goes on into the spool; finish() reports it as an error
                reporter_.warning(attempt.error + "; documents wait in the spool");
        } else {
            last_error_ = attempt.error;
            next_attempt_ = Clock::now() + timing_.reconnect_interval;
            state_ = start_waits ? State::first_away : State::away;
        }
        changed_.notify_all();
    }
}

// A probe, then the template. 5xx, 429, timeouts and silence are "not there yet", as
// mid-run: only a refusal is final.
NodeConnector::Attempt NodeConnector::attempt_once() {
    const ProbeResult probe = client_->probe();
    if (!probe.ok()) return {probe.error, probe.refused};
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (state_ == State::first_probe) state_ = State::first_template;  // start() now waits for the template too
    }
    changed_.notify_all();
    bool retry_later = false;
    std::string error = mappings_.install_template(client_.get(), &retry_later);  // also writes template_file
    const bool refused = !error.empty() && !retry_later;
    return {std::move(error), refused};
}

void NodeConnector::failed(const std::string &what) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (refusal_.empty()) refusal_ = what;
        state_ = State::refused;
    }
    changed_.notify_all();
}

bool NodeConnector::node_ready() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return state_ != State::replaying; });
    return state_ == State::ready;
}

void NodeConnector::mark_away() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return state_ != State::replaying; });  // the replay's own verdict first
    if (state_ != State::ready) return;
    state_ = State::away;
    next_attempt_ = Clock::now() + timing_.reconnect_interval;
    changed_.notify_all();
}

void NodeConnector::cut_replay_after(std::chrono::milliseconds patience) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_for(lock, patience, [&] { return state_ != State::replaying; })) client_->cancel();
}

void NodeConnector::stop() {
    if (!thread_.joinable()) return;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        // A replay in progress is not cancelled: the run ends after it.
        changed_.wait(lock, [&] { return state_ != State::replaying; });
        // A node that keeps silent must not hold up the end of the run.
        if (attempt_in_flight(state_)) client_->cancel();
        if (state_ != State::refused) state_ = State::stopped;
    }
    changed_.notify_all();
    thread_.join();
}

std::string NodeConnector::refusal() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return refusal_;
}

}  // namespace espcap::exporter
