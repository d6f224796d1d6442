// A child process for end-to-end tests: the real zchat executables started with their stdin,
// stdout and stderr on pipes, driven and read as a user at a terminal would. Every wait is
// bounded, and a process still running when its owner lets go is killed and reaped, so a
// failing test fails instead of hanging, and leaks no process.
//
// What it is not: a general subprocess library. It does not search PATH, redirect to files or
// run pipelines, and it assumes the child does not hand its pipes on to processes of its own.
// Not thread-safe: one test thread owns a process.
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
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

class process {
public:
    using milliseconds = std::chrono::milliseconds;

    // Starts the executable at `path` with `args` (argv[0] is `path`) and the test's
    // environment. Throws process_error if the pipes cannot be made or the spawn fails; an
    // executable that exists but fails later reports it through its exit code and output.
    process(std::string path, std::vector<std::string> args);

    // Kills (SIGKILL) and reaps the process if it is still running.
    ~process();

    process(process&& other) noexcept;
    process& operator=(process&&) = delete;
    process(const process&) = delete;
    process& operator=(const process&) = delete;

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

    // Reads lines of `s` until one equals `line` and returns true, or returns false when
    // `timeout` passes or the stream ends first. Lines skipped on the way stay in lines().
    bool wait_for_line(stream s, std::string_view line, milliseconds timeout = default_timeout);

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

// A zchat-broker started on free loopback ports, with the endpoints it reported.
struct broker_process {
    process proc;
    std::string router;
    std::string pub;
};

// Starts the broker at `path` on tcp://127.0.0.1:* for both sockets, with `extra_args` after
// them, and reads the endpoints back from its "Chat broker started: router R, pub P" line.
// Throws process_error if that line does not come within the default timeout.
broker_process start_broker(const std::string& path, std::vector<std::string> extra_args = {});

// As start_broker, on the given endpoints: a broker restarted where one that died was, say.
// `command` is the executable and whatever comes before the broker's own arguments, such as
// {"/usr/bin/env", "VAR=value", broker_path} to start it through a wrapper.
broker_process start_broker_at(std::vector<std::string> command, const std::string& router,
                               const std::string& pub, std::vector<std::string> extra_args = {});

} // namespace zchat::test
