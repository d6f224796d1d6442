// The one running-broker fixture of the tests: the real zchat-broker started as a child process
// on loopback, with the endpoints it reported on its first line. Tests that only need a broker
// to talk to construct one; the same fixture restarts a broker where one was, runs it through a
// wrapper (env, libfaketime), and can drain a chatty broker's output in the background.
//
// What it is not: a broker in this process (tests/broker/ has those) or a client of one; the
// sockets that talk to it belong to the tests. Not thread-safe: one test thread owns it.
#pragma once

#include "tests/support/child_process.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace zchat::test {

struct broker_options {
    // The broker's own arguments, after --router and --pub.
    std::vector<std::string> args{};
    // Where it binds; tcp://127.0.0.1:* lets the kernel choose a free port.
    std::string router = "tcp://127.0.0.1:*";
    std::string pub = "tcp://127.0.0.1:*";
    // What runs the broker, its path last among the arguments: {"/usr/bin/env", "VAR=value"},
    // say. Empty runs zchat-broker itself.
    std::vector<std::string> wrapper{};
    // Whether a thread reads the broker's output for as long as it runs, so that a broker that
    // logs a lot never blocks on a full pipe. While it does, process() is off limits; stop()
    // ends it, and the output is complete in process() from then on.
    bool drain = false;
};

// The broker's log (its stderr) line by line without the time stamps: "INFO join name=alice
// online=1". A line that does not start with a time stamp (2026-12-04T15:04:05.123Z) is kept
// whole, so that a comparison shows it.
std::vector<std::string> log_entries(const child_process& broker);
// Matches a log line whose entry, after its time stamp, is `entry` exactly.
line_matcher log_entry(std::string entry);
// Matches a log line whose entry starts with `prefix`.
line_matcher log_entry_starting_with(std::string prefix);

class running_broker {
public:
    // Starts the broker and reads the endpoints back from its "Chat broker started: router R,
    // pub P" line. Throws process_error if that line does not come within the child process's
    // default timeout, with what the broker printed instead.
    explicit running_broker(broker_options options);
    // A broker on free loopback ports, with `args` after them.
    explicit running_broker(std::vector<std::string> args = {})
        : running_broker(broker_options{.args = std::move(args)}) {}
    // Stops draining; the child process kills and reaps the broker if it is still running.
    ~running_broker();

    running_broker(const running_broker&) = delete;
    running_broker& operator=(const running_broker&) = delete;

    // The endpoints it bound, as it reported them.
    const std::string& router() const { return router_; }
    const std::string& pub() const { return pub_; }
    pid_t pid() const { return process_.pid(); }

    // The broker's process, for its output and signals. Not while draining.
    child_process& process();
    const child_process& process() const;

    // The orderly stop: ends draining, sends SIGINT and waits up to `timeout` for the exit.
    // Returns the exit code, or nullopt if the broker had to be killed.
    std::optional<int> stop(std::chrono::milliseconds timeout = child_process::default_timeout);

private:
    void stop_draining();

    child_process process_;
    std::string router_;
    std::string pub_;
    std::atomic<bool> draining_{false};
    std::thread drain_;
};

} // namespace zchat::test
