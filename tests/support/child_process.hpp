// The one child-process helper of the tests: a real executable (zchat's own, or a standard
// tool) started with its stdin, stdout and stderr on pipes, driven and read as a user at a
// terminal would. Every wait is bounded, and a process still running when its owner lets go is
// killed and reaped, so a failing test fails instead of hanging, and leaks no process.
// wait_for_line is the one way to wait for output; next_line is its step.
//
// What it is not: a general subprocess library. It does not search PATH, redirect to files or
// run pipelines, and it assumes the child does not hand its pipes on to processes of its own.
// Not thread-safe: one thread at a time owns a child_process.
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace zchat::test {

// The process could not be started, or its stdin could not be written within the time limit.
struct process_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class stream { out, err };

// What wait_for_line looks for in a line, and how to say so in a failure message. Made from a
// string it asks for exactly that line; line_containing and line_starting_with ask for less.
struct line_matcher {
    line_matcher(std::string line);
    line_matcher(const char* line) : line_matcher(std::string{line}) {}
    line_matcher(std::function<bool(std::string_view)> match, std::string what)
        : test(std::move(match)), description(std::move(what)) {}

    std::function<bool(std::string_view)> test;
    std::string description; // such as "\"[You] Hello\"" or "a line containing \"seq\""
};
line_matcher line_containing(std::string part);
line_matcher line_starting_with(std::string prefix);

class child_process {
public:
    using milliseconds = std::chrono::milliseconds;

    // Starts the executable at `path` with `args` (argv[0] is `path`) and the test's
    // environment. Throws process_error if the pipes cannot be made or the spawn fails; an
    // executable that exists but fails later reports it through its exit code and output.
    child_process(std::string path, std::vector<std::string> args);

    // Kills (SIGKILL) and reaps the process if it is still running.
    ~child_process();

    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&&) = delete;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    // Writes `text` to the process's stdin. Throws process_error if stdin is closed, or if the
    // process does not take the text within `timeout` (it stopped reading).
    void write(std::string_view text, milliseconds timeout = milliseconds{5000});

    // Writes as much of `text` as stdin takes at once, without waiting, and returns how many
    // bytes it took (0 when the pipe is full). For feeding a long script while reading the
    // process's output, so that neither side waits for the other. Throws process_error if
    // stdin is closed or broken.
    std::size_t write_some(std::string_view text);

    // Closes stdin: the process reads end of input. Closing twice does nothing.
    void close_stdin();

    // The next line of `s` not yet returned, without its '\n'; a last line without '\n' counts
    // once the stream has ended. nullopt if none arrives within `timeout` or the stream ended.
    std::optional<std::string> next_line(stream s, milliseconds timeout = default_timeout);

    // Reads lines of `s` until one matches and returns it, or returns nullopt when `timeout`
    // passes or the stream ends first. Lines skipped on the way stay in lines().
    std::optional<std::string> wait_for_line(stream s, const line_matcher& match,
                                             milliseconds timeout = default_timeout);

    // Reads `s` to its end (or until `timeout` passes) and returns, byte for byte, what
    // next_line has not returned yet: for output whose exact bytes matter, newlines and all.
    std::string read_rest(stream s, milliseconds timeout = default_timeout);

    // Every line `s` has produced so far, returned by next_line or not; complete once
    // wait_for_exit() has returned a code.
    std::vector<std::string> lines(stream s) const;

    // lines(s) joined with '\n', for failure messages.
    std::string text(stream s) const;

    // Sends signal `sig` to the process if it is still running.
    void send_signal(int sig);

    // Reads all remaining output and waits for the process to exit. Returns its exit code, or
    // 128 + the signal number if a signal ended it. If it has not exited within `timeout`, kills
    // it with SIGKILL, reaps it and returns nullopt.
    std::optional<int> wait_for_exit(milliseconds timeout = default_timeout);

    pid_t pid() const { return pid_; }

    // Long enough for a loaded machine, short enough to stay well inside a CTest TIMEOUT.
    static constexpr milliseconds default_timeout{10000};

private:
    struct output {
        int fd = -1;
        std::string data;
        std::size_t read_pos = 0; // where next_line continues
    };

    // Waits up to `timeout` for output on the open pipes and appends what arrives; both pipes
    // are always drained so that a child writing a lot to one never blocks on it.
    void pump(milliseconds timeout);
    // Reaps the child if it has exited; returns whether it has.
    bool reap(bool block);
    void kill_and_reap();

    std::string path_;
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    std::array<output, 2> outputs_{};
    std::optional<int> exit_code_;
};

} // namespace zchat::test
