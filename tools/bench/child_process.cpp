#include "tools/bench/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace zchat::bench {

child_process::child_process(const std::vector<std::string>& argv,
                             std::chrono::milliseconds timeout) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe");
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0)
        throw std::system_error(errno, std::generic_category(), "fork");
    if (pid_ == 0) {
        // Child: only async-signal-safe calls until exec.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        dup2(fds[1], STDOUT_FILENO);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(fds[1]);
    out_fd_ = fds[0];

    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{out_fd_, POLLIN, 0};
        if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            stop();
            throw std::runtime_error(argv[0] + " printed no endpoints within " +
                                     std::to_string(timeout.count()) + " ms");
        }
        std::array<char, 4096> buffer;
        const ssize_t got = read(out_fd_, buffer.data(), buffer.size());
        if (got <= 0) {
            stop();
            throw std::runtime_error(argv[0] + " exited before printing its endpoints");
        }
        seen.append(buffer.data(), static_cast<std::size_t>(got));
        std::size_t newline;
        bool found = false;
        while ((newline = seen.find('\n')) != std::string::npos) {
            if (auto e = runtime::parse_started_line(seen.substr(0, newline))) {
                endpoints_ = *e;
                found = true;
                break;
            }
            seen.erase(0, newline + 1);
        }
        if (found)
            break;
    }
    drainer_ = std::thread([fd = out_fd_] {
        std::array<char, 65536> buffer;
        while (read(fd, buffer.data(), buffer.size()) > 0) {
        }
    });
}

child_process::~child_process() {
    stop();
}

void child_process::stop() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        bool reaped = false;
        for (int i = 0; i < 300 && !reaped; ++i) {
            if (waitpid(pid_, &status, WNOHANG) == pid_)
                reaped = true;
            else
                usleep(10000);
        }
        if (!reaped) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }
    if (drainer_.joinable())
        drainer_.join();
    if (out_fd_ >= 0) {
        close(out_fd_);
        out_fd_ = -1;
    }
}

std::string self_executable() {
    std::array<char, 4096> path{};
    const ssize_t n = readlink("/proc/self/exe", path.data(), path.size() - 1);
    if (n <= 0)
        throw std::system_error(errno, std::generic_category(), "readlink /proc/self/exe");
    return std::string(path.data(), static_cast<std::size_t>(n));
}

} // namespace zchat::bench
