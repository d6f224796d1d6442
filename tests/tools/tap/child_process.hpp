// A child process for end-to-end tests: started with fork/exec, its stdout and stderr read
// through pipes line by line with bounded waits, killed and reaped by the destructor, so a
// failing test never leaves a process behind or hangs. Not thread-safe: one test owns it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace zchat::tap::test {

class child_process {
public:
    enum class stream { out, err };

    // Runs path with args (argv[0] is path); stdin is /dev/null. Throws std::system_error.
    child_process(const std::string& path, const std::vector<std::string>& args);
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    // SIGKILL if still running, then waitpid.
    ~child_process();

    // The next complete line (without its newline) from the stream, or nothing if none comes
    // within the timeout or the stream ends first.
    std::optional<std::string> read_line(stream s, std::chrono::milliseconds timeout);

    // Everything left on the stream until it closes or the timeout passes.
    std::string read_rest(stream s, std::chrono::milliseconds timeout);

    // Sends a signal.
    void signal(int signo) const;

    // The exit code (128 + signal number if killed), or nothing if it has not exited within the
    // timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);

    pid_t pid() const { return pid_; }

private:
    struct pipe_state {
        int fd = -1;
        std::string buffer;
        bool closed = false;
    };
    pipe_state& state(stream s) { return s == stream::out ? out_ : err_; }
    // Reads what is available within the deadline; false on timeout or end of stream.
    bool fill(pipe_state& p, std::chrono::steady_clock::time_point deadline);

    pid_t pid_ = -1;
    std::optional<int> status_;
    pipe_state out_;
    pipe_state err_;
};

} // namespace zchat::tap::test
