#include "tests/support/pty_process.hpp"

#include "tests/support/child_process.hpp"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>

namespace zchat::test {

pty_process::pty_process(std::string path, std::vector<std::string> args,
                         std::vector<std::string> env) {
    std::vector<char*> argv{path.data()};
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    // Made before the fork: the child may only exec (another thread may hold malloc's lock).
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e) {
        const std::string_view entry{*e};
        const std::string_view name = entry.substr(0, entry.find('=') + 1);
        if (std::none_of(env.begin(), env.end(),
                         [&](const std::string& given) { return given.starts_with(name); }))
            envp.push_back(*e);
    }
    for (std::string& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    winsize size{};
    size.ws_row = 24;
    size.ws_col = 80;
    pid_ = forkpty(&master_fd_, nullptr, nullptr, &size);
    if (pid_ < 0)
        throw process_error("cannot start " + path + " on a pseudo-terminal");
    if (pid_ == 0) {
        execve(path.c_str(), argv.data(), envp.data());
        _exit(127);
    }
}

pty_process::~pty_process() {
    if (!exit_code_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (master_fd_ >= 0)
        close(master_fd_);
}

void pty_process::type(std::string_view keys) {
    while (!keys.empty()) {
        const ssize_t n = write(master_fd_, keys.data(), keys.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw process_error("cannot type on the pseudo-terminal");
        keys.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::size_t pty_process::pump(milliseconds timeout) {
    pollfd p{master_fd_, POLLIN, 0};
    if (closed_ || poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
        return 0;
    std::array<char, 4096> chunk{};
    const ssize_t n = read(master_fd_, chunk.data(), chunk.size());
    if (n <= 0) {
        // EIO: every process holding the terminal has closed it.
        closed_ = !(n < 0 && errno == EINTR);
        return 0;
    }
    screen_.append(chunk.data(), static_cast<std::size_t>(n));
    return static_cast<std::size_t>(n);
}

bool pty_process::wait_for(const std::regex& pattern, milliseconds timeout) {
    return wait_for([&](const std::string& shown) { return std::regex_search(shown, pattern); },
                    timeout);
}

bool pty_process::wait_for(const std::function<bool(const std::string&)>& shows,
                           milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (shows(screen_))
            return true;
        const auto left =
            std::chrono::ceil<milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= milliseconds{0} || closed_)
            return false;
        pump(std::min(left, milliseconds{100}));
    }
}

std::optional<int> pty_process::wait_for_exit(milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exit_code_) {
        int status = 0;
        const pid_t done = waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
            return std::nullopt;
        }
        pump(milliseconds{50});
    }
    // What it wrote just before it exited.
    while (pump(milliseconds{0}) > 0) {
    }
    return exit_code_;
}

} // namespace zchat::test
