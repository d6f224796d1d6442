#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

extern char** environ;

namespace zchat::test {
namespace {

using clock = std::chrono::steady_clock;
using milliseconds = std::chrono::milliseconds;

std::string os_error(const std::string& what, int code) {
    return what + ": " + std::strerror(code);
}

milliseconds remaining(clock::time_point deadline) {
    const auto left = std::chrono::ceil<milliseconds>(deadline - clock::now());
    return std::max(left, milliseconds{0});
}

int poll_ms(milliseconds timeout) {
    return static_cast<int>(std::min<milliseconds::rep>(timeout.count(), 60'000));
}

void close_fd(int& fd) {
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

// Writing to the stdin of a child that has exited must fail with EPIPE, not kill the test.
void ignore_sigpipe() {
    [[maybe_unused]] static const bool done = [] {
        ::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
}

struct pipe_pair {
    int read = -1;
    int write = -1;
};

// O_CLOEXEC on both ends: a child started later must not inherit another child's pipes, or
// closing that child's stdin would never reach it as end of input.
pipe_pair make_pipe() {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0)
        throw process_error(os_error("pipe2", errno));
    return {fds[0], fds[1]};
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Joins `data` split at '\n' into lines; a trailing piece without '\n' is a line only if
// `ended`.
std::vector<std::string> split_lines(const std::string& data, bool ended) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t nl; (nl = data.find('\n', start)) != std::string::npos; start = nl + 1)
        out.emplace_back(data, start, nl - start);
    if (ended && start < data.size())
        out.emplace_back(data, start);
    return out;
}

} // namespace

line_matcher::line_matcher(std::string line)
    : test([line](std::string_view l) { return l == line; }), description('"' + line + '"') {}

line_matcher line_containing(std::string part) {
    std::string description = "a line containing \"" + part + '"';
    return {[part = std::move(part)](std::string_view l) {
                return l.find(part) != std::string_view::npos;
            },
            std::move(description)};
}

line_matcher line_starting_with(std::string prefix) {
    std::string description = "a line starting with \"" + prefix + '"';
    return {[prefix = std::move(prefix)](std::string_view l) { return l.starts_with(prefix); },
            std::move(description)};
}

child_process::child_process(std::string path, std::vector<std::string> args)
    : path_(std::move(path)) {
    ignore_sigpipe();
    pipe_pair in = make_pipe();
    pipe_pair out = make_pipe();
    pipe_pair err = make_pipe();

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears O_CLOEXEC on the copies, so exactly these three survive the exec.
    posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);

    // The child starts as from a shell: no signals blocked, and SIGPIPE (ignored here)
    // and the stop signals at their defaults.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT})
        sigaddset(&defaults, sig);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    argv.push_back(path_.data());
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    const int rc = ::posix_spawn(&pid_, path_.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close_fd(in.read);
    close_fd(out.write);
    close_fd(err.write);
    stdin_fd_ = in.write;
    outputs_[0].fd = out.read;
    outputs_[1].fd = err.read;
    if (rc != 0) {
        pid_ = -1;
        close_fd(stdin_fd_);
        close_fd(outputs_[0].fd);
        close_fd(outputs_[1].fd);
        throw process_error(os_error("cannot start " + path_, rc));
    }
    set_nonblocking(stdin_fd_);
    set_nonblocking(outputs_[0].fd);
    set_nonblocking(outputs_[1].fd);
}

child_process::child_process(child_process&& other) noexcept
    : path_(std::move(other.path_)), pid_(std::exchange(other.pid_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)), outputs_(std::move(other.outputs_)),
      exit_code_(other.exit_code_) {
    for (auto& o : other.outputs_)
        o.fd = -1;
}

child_process::~child_process() {
    if (pid_ > 0 && !exit_code_)
        kill_and_reap();
    close_fd(stdin_fd_);
    for (auto& o : outputs_)
        close_fd(o.fd);
}

void child_process::write(std::string_view text, milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (!text.empty()) {
        if (stdin_fd_ < 0)
            throw process_error("write to " + path_ + ": stdin is closed");
        const ssize_t n = ::write(stdin_fd_, text.data(), text.size());
        if (n > 0) {
            text.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN)
            throw process_error(os_error("write to " + path_, errno));
        if (clock::now() >= deadline)
            throw process_error("write to " + path_ + ": the process stopped reading its stdin");
        pollfd p{stdin_fd_, POLLOUT, 0};
        ::poll(&p, 1, poll_ms(remaining(deadline)));
    }
}

std::size_t child_process::write_some(std::string_view text) {
    if (stdin_fd_ < 0)
        throw process_error("write to " + path_ + ": stdin is closed");
    for (;;) {
        const ssize_t n = ::write(stdin_fd_, text.data(), text.size());
        if (n >= 0)
            return static_cast<std::size_t>(n);
        if (errno == EAGAIN)
            return 0;
        if (errno != EINTR)
            throw process_error(os_error("write to " + path_, errno));
    }
}

void child_process::close_stdin() {
    close_fd(stdin_fd_);
}

void child_process::pump(milliseconds timeout) {
    std::array<pollfd, 2> fds{};
    std::array<output*, 2> owners{};
    nfds_t count = 0;
    for (auto& o : outputs_) {
        if (o.fd >= 0) {
            fds[count] = {o.fd, POLLIN, 0};
            owners[count++] = &o;
        }
    }
    if (count == 0 || ::poll(fds.data(), count, poll_ms(timeout)) <= 0)
        return;
    for (nfds_t i = 0; i < count; ++i) {
        if (fds[i].revents == 0)
            continue;
        output& o = *owners[i];
        std::array<char, 4096> buffer{};
        for (;;) {
            const ssize_t n = ::read(o.fd, buffer.data(), buffer.size());
            if (n > 0) {
                o.data.append(buffer.data(), static_cast<std::size_t>(n));
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                // 0 is the end of the stream; EAGAIN means drained for now; anything else
                // ends the stream too, since nothing more can be read from it.
                if (n == 0 || errno != EAGAIN)
                    close_fd(o.fd);
                break;
            }
        }
    }
}

std::optional<std::string> child_process::next_line(stream s, milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    output& o = outputs_[static_cast<std::size_t>(s)];
    for (;;) {
        const std::size_t nl = o.data.find('\n', o.read_pos);
        if (nl != std::string::npos) {
            std::string line = o.data.substr(o.read_pos, nl - o.read_pos);
            o.read_pos = nl + 1;
            return line;
        }
        if (o.fd < 0) {
            if (o.read_pos >= o.data.size())
                return std::nullopt;
            std::string rest = o.data.substr(o.read_pos);
            o.read_pos = o.data.size();
            return rest;
        }
        if (clock::now() >= deadline)
            return std::nullopt;
        pump(remaining(deadline));
    }
}

std::optional<std::string> child_process::wait_for_line(stream s, const line_matcher& match,
                                                        milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (auto next = next_line(s, remaining(deadline))) {
        if (match.test(*next))
            return next;
    }
    return std::nullopt;
}

std::string child_process::read_rest(stream s, milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    output& o = outputs_[static_cast<std::size_t>(s)];
    while (o.fd >= 0 && clock::now() < deadline)
        pump(remaining(deadline));
    std::string rest = o.data.substr(o.read_pos);
    o.read_pos = o.data.size();
    return rest;
}

std::vector<std::string> child_process::lines(stream s) const {
    const output& o = outputs_[static_cast<std::size_t>(s)];
    return split_lines(o.data, o.fd < 0);
}

std::string child_process::text(stream s) const {
    std::string joined;
    for (const auto& line : lines(s))
        joined += line + '\n';
    return joined;
}

void child_process::send_signal(int sig) {
    if (pid_ > 0 && !exit_code_)
        ::kill(pid_, sig);
}

std::optional<int> child_process::wait_for_exit(milliseconds timeout) {
    if (exit_code_ || pid_ <= 0)
        return exit_code_;
    const auto deadline = clock::now() + timeout;
    // The pipes end when the process exits, so reading them to the end is also the wait.
    while ((outputs_[0].fd >= 0 || outputs_[1].fd >= 0) && clock::now() < deadline)
        pump(remaining(deadline));
    while (!reap(false) && clock::now() < deadline)
        ::poll(nullptr, 0, 5);
    if (exit_code_)
        return exit_code_;
    kill_and_reap();
    return std::nullopt;
}

bool child_process::reap(bool block) {
    if (exit_code_)
        return true;
    int status = 0;
    pid_t r = 0;
    do {
        r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r != pid_)
        return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
}

void child_process::kill_and_reap() {
    ::kill(pid_, SIGKILL);
    reap(true);
    // Whatever it wrote before it died helps explain the failure.
    const auto deadline = clock::now() + milliseconds{200};
    while ((outputs_[0].fd >= 0 || outputs_[1].fd >= 0) && clock::now() < deadline)
        pump(remaining(deadline));
}

} // namespace zchat::test
