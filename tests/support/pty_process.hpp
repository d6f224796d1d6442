// A program run on a pseudo-terminal, as a user at a terminal runs it: its stdin, stdout and
// stderr are the terminal, so it takes itself to be interactive (readline, prompt, colours,
// times before lines). The test types keys and reads what the terminal shows, escape sequences
// and all. Every wait is bounded, and a process still running when its owner lets go is killed
// and reaped. For programs that run on pipes, child_process.hpp.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace zchat::test {

class pty_process {
public:
    using milliseconds = std::chrono::milliseconds;

    // Starts the executable at `path` with `args` on a new 80x24 terminal, with the test's
    // environment plus `env` ("NAME=value" each). Throws process_error if it cannot start.
    pty_process(std::string path, std::vector<std::string> args, std::vector<std::string> env = {});
    // Kills (SIGKILL) and reaps the process if it is still running.
    ~pty_process();
    pty_process(const pty_process&) = delete;
    pty_process& operator=(const pty_process&) = delete;

    // Types `keys` (a line ends with "\r", as Enter sends it).
    void type(std::string_view keys);

    // Reads what the terminal shows until `pattern` matches somewhere in it, or `timeout`
    // passes; returns whether it matched.
    bool wait_for(const std::regex& pattern, milliseconds timeout = milliseconds{10000});
    // The same, until `shows` accepts all that the terminal has shown.
    bool wait_for(const std::function<bool(const std::string&)>& shows,
                  milliseconds timeout = milliseconds{10000});

    // Everything the terminal has shown so far.
    const std::string& screen() const { return screen_; }

    // Reads until the process exits and returns its exit code (128 + the signal for a signal),
    // or kills it after `timeout` and returns nullopt.
    std::optional<int> wait_for_exit(milliseconds timeout = milliseconds{10000});

private:
    // Appends what the terminal shows within `timeout`; returns how many bytes came.
    std::size_t pump(milliseconds timeout);

    pid_t pid_ = -1;
    int master_fd_ = -1;
    bool closed_ = false; // every process holding the terminal has closed it
    std::string screen_;
    std::optional<int> exit_code_;
};

} // namespace zchat::test
