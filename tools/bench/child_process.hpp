// A broker (zchat-broker, or the bench itself in --forwarder mode) started by the bench: its
// stdout is a pipe read until the "started: router <ep>, pub <ep>" line, then drained by a
// thread until the child exits, so a chatty broker never blocks on a full pipe. The child gets
// SIGTERM when the bench dies. Not copyable; the destructor stops the child (SIGTERM, then
// SIGKILL after 3 s) and reaps it.
#pragma once

#include "proto/runtime/started_line.hpp"

#include <sys/types.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace zchat::bench {

class child_process {
public:
    // Starts argv[0] with the rest of argv and waits up to `timeout` for its endpoints. Throws
    // std::runtime_error if it cannot start, exits, or prints no endpoints in time.
    child_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const { return pid_; }
    const runtime::bound_endpoints& endpoints() const { return endpoints_; }

private:
    void stop();

    pid_t pid_ = -1;
    int out_fd_ = -1;
    runtime::bound_endpoints endpoints_;
    std::thread drainer_;
};

// The path of the running executable (/proc/self/exe resolved).
std::string self_executable();

} // namespace zchat::bench
