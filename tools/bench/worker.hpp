// A swarm of simulated zchat clients in one thread: each holds a DEALER and a SUB connection,
// spoken directly (tools/bench/zmtp.hpp says why), joins through the real handshake (HELLO ->
// WELCOME -> probe subscription -> PROBE -> READY -> own JOIN), PINGs when it has sent nothing
// for the heartbeat interval, and the publishers among them send
// chat lines on the pacing schedule. Each client joins one room (the default room, or one of
// worker_config::rooms dealt round-robin: room_of_client), subscribes to that room's topics only
// and receives every line said there, its own included. What a client decides (the join, the
// READY, when to PING, which lines await an ACK, missed events) is zchat-client's own pure core,
// client::conversation, told not to print; the bench adds the pacing, the send times in the
// payload and the measurements, and reads each LINE by its header alone
// (proto::decode_event_headers).
//
// Against the baseline forwarder the same code runs with one difference, the join: the
// forwarder keeps no sessions, so a client subscribes to probe/<name>/ and repeats HELLO every
// 100 ms until the forwarder's echo of it (a PROBE under that topic) arrives, which proves its
// SUB path just as the real probe does, and answers it with READY, which the forwarder
// announces to everyone as zchat announces a JOIN. Everything measured afterwards goes through
// the same code. For the one-hop limit (worker_config::one_hop) the forwarder publishes the
// lines itself, and the publishers here only count them.
//
// With churn, clients take turns to say BYE and join again on new sockets under a new name, and
// one more SUB (the monitor) checks the online count of every JOIN and LEAVE, room by room.
//
// Owns its connections; call run() from one thread. Throws worker_error when the clients cannot
// join, std::runtime_error when a connection fails.
#pragma once

#include "tools/bench/result.hpp"
#include "tools/bench/worker_config.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace zchat::bench {

struct worker_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Called by the worker thread as the run goes.
struct worker_hooks {
    // Every client has joined.
    std::function<void()> joined;
    // When sending starts (steady_clock time since epoch), once it is known. Asked repeatedly
    // after `joined` and must not block: meanwhile the clients go on heartbeating, or the
    // broker would expire those that joined first while other workers are still joining.
    std::function<std::optional<std::chrono::nanoseconds>()> start_time;
    // The measured window starts (true) or ends (false).
    std::function<void(bool)> window;
    // About once a second, a one-line progress report.
    std::function<void(const std::string&)> progress;
};

// Joins, runs the schedule, drains, says BYE. Returns the counts of the measured window (the
// process figures are left for the caller).
run_result run_worker(const worker_config& config, const worker_hooks& hooks);

} // namespace zchat::bench
