#include "tests/tools/tap/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <thread>
#include <utility>

namespace zchat::tap::test {

namespace {

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

child_process::child_process(const std::string& path, const std::vector<std::string>& args) {
    int out[2];
    int err[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        fail("pipe2");
    if (pipe2(err, O_CLOEXEC) != 0)
        fail("pipe2");
    std::vector<std::string> storage{path};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0)
        fail("fork");
    if (pid_ == 0) {
        // In the child only async-signal-safe calls until exec.
        const int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 ||
            dup2(err[1], STDERR_FILENO) < 0)
            _exit(127);
        // The test runner may block signals (the tap's own tests do not, but be safe).
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_.fd = out[0];
    err_.fd = err[0];
    fcntl(out_.fd, F_SETFL, O_NONBLOCK);
    fcntl(err_.fd, F_SETFL, O_NONBLOCK);
}

child_process::~child_process() {
    if (!status_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    for (const int fd : {out_.fd, err_.fd})
        if (fd >= 0)
            close(fd);
}

bool child_process::fill(pipe_state& p, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        if (p.closed)
            return false;
        char buf[4096];
        const ssize_t n = ::read(p.fd, buf, sizeof buf);
        if (n > 0) {
            p.buffer.append(buf, static_cast<std::size_t>(n));
            return true;
        }
        if (n == 0) {
            p.closed = true;
            return false;
        }
        if (errno != EAGAIN && errno != EINTR)
            fail("read");
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd item{p.fd, POLLIN, 0};
        poll(&item, 1, static_cast<int>(left.count()));
    }
}

std::optional<std::string> child_process::read_line(stream s, std::chrono::milliseconds timeout) {
    auto& p = state(s);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (const auto nl = p.buffer.find('\n'); nl != std::string::npos) {
            std::string line = p.buffer.substr(0, nl);
            p.buffer.erase(0, nl + 1);
            return line;
        }
        if (!fill(p, deadline))
            return std::nullopt;
    }
}

std::string child_process::read_rest(stream s, std::chrono::milliseconds timeout) {
    auto& p = state(s);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fill(p, deadline)) {
    }
    return std::exchange(p.buffer, {});
}

void child_process::signal(int signo) const {
    kill(pid_, signo);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_) {
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (r < 0)
            fail("waitpid");
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        // A pidfd becomes readable when the child exits. Without one (old kernels), look again
        // every few milliseconds until the deadline.
        const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
        if (pidfd >= 0) {
            pollfd item{pidfd, POLLIN, 0};
            poll(&item, 1, static_cast<int>(left.count()));
            close(pidfd);
        } else {
            std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(5)));
        }
    }
    return status_;
}

} // namespace zchat::tap::test
