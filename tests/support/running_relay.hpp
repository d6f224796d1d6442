// A running zchat-relay for the tests, as running_broker.hpp is a broker: the real executable as
// a child process, bound on free loopback ports below and connected to the endpoints it is given
// above (a broker's, or another relay's), with the endpoints it reported on its first line.
#pragma once

#include "tests/support/child_process.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace zchat::test {

// Where a relay binds below; tcp://127.0.0.1:* lets the kernel choose a free port.
struct relay_binding {
    std::string router = "tcp://127.0.0.1:*";
    std::string pub = "tcp://127.0.0.1:*";
};

class running_relay {
public:
    // Starts the relay below `router` and `pub`, bound as `below` says, with `args` after the
    // endpoints. Throws process_error if it does not report its endpoints.
    running_relay(const std::string& router, const std::string& pub, relay_binding below = {},
                  std::vector<std::string> args = {});
    // Starts the relay with `command_line` alone (a --config, say).
    explicit running_relay(std::vector<std::string> command_line);

    // The endpoints it bound below: what clients connect to, as to a broker.
    const std::string& router() const { return router_; }
    const std::string& pub() const { return pub_; }

    child_process& process() { return process_; }

    // The orderly stop: SIGTERM, then the exit code within `timeout`, or nullopt if it had to be
    // killed.
    std::optional<int> stop(std::chrono::milliseconds timeout = child_process::default_timeout);

private:
    child_process process_;
    std::string router_;
    std::string pub_;
};

} // namespace zchat::test
