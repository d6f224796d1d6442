#include "tests/e2e/tcp_link.hpp"

#include "tests/support/child_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace zchat::test {
namespace {

constexpr std::string_view loopback_prefix = "tcp://127.0.0.1:";
// Bytes held for one direction of one link before the link stops reading that side: enough for
// any burst a test makes, small enough that a stalled reader pushes back on the writer.
constexpr std::size_t max_buffered = 256 * 1024;

std::string os_error(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
}

std::uint16_t port_of(const std::string& endpoint) {
    if (!endpoint.starts_with(loopback_prefix))
        throw process_error("tcp_link: not a loopback endpoint: " + endpoint);
    const std::string digits = endpoint.substr(loopback_prefix.size());
    const bool numeric = !digits.empty() && digits.size() <= 5 &&
                         digits.find_first_not_of("0123456789") == std::string::npos;
    const int port = numeric ? std::stoi(digits) : 0;
    if (port <= 0 || port > 65535)
        throw process_error("tcp_link: bad port in " + endpoint);
    return static_cast<std::uint16_t>(port);
}

// A connection to the target, or -1 if it refuses (the broker is down): the caller then drops
// the client's connection, as a dead broker would.
int connect_to(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const sockaddr_in addr = loopback(port);
    // Blocking: a loopback connect completes or fails at once.
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_nonblocking(fd);
    return fd;
}

// Writes as much of `buffer` to `to` as it takes; false on an error.
bool write_from(int to, std::string& buffer) {
    while (!buffer.empty()) {
        const ssize_t n = ::send(to, buffer.data(), buffer.size(), MSG_NOSIGNAL);
        if (n > 0) {
            buffer.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno == EAGAIN;
    }
    return true;
}

} // namespace

tcp_link::tcp_link(const std::vector<std::string>& targets) {
    std::array<int, 2> wake{};
    if (::pipe2(wake.data(), O_CLOEXEC) != 0)
        throw process_error(os_error("tcp_link: pipe2"));
    wake_read_ = wake[0];
    wake_write_ = wake[1];
    for (const auto& target : targets) {
        target_ports_.push_back(port_of(target));
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_in addr = loopback(0);
        socklen_t size = sizeof addr;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), size) != 0 ||
            ::listen(fd, 64) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
            const std::string error = os_error("tcp_link: cannot listen on loopback");
            if (fd >= 0)
                ::close(fd);
            for (const int l : listeners_)
                ::close(l);
            ::close(wake_read_);
            ::close(wake_write_);
            throw process_error(error);
        }
        listeners_.push_back(fd);
        ports_.push_back(ntohs(addr.sin_port));
    }
    thread_ = std::thread([this] {
        run();
        finish();
    });
}

tcp_link::~tcp_link() {
    command(order::stop);
    thread_.join();
    for (const int fd : listeners_)
        ::close(fd);
    ::close(wake_read_);
    ::close(wake_write_);
}

std::string tcp_link::bytes_to_target() const {
    std::lock_guard lock(mutex_);
    return captured_to_target_;
}

std::string tcp_link::bytes_from_target() const {
    std::lock_guard lock(mutex_);
    return captured_from_target_;
}

std::string tcp_link::endpoint(std::size_t i) const {
    return std::string{loopback_prefix} + std::to_string(ports_.at(i));
}

void tcp_link::freeze() {
    command(order::freeze);
}

void tcp_link::heal() {
    command(order::heal);
}

void tcp_link::cut() {
    command(order::cut);
}

void tcp_link::command(order o) {
    std::unique_lock lock(mutex_);
    const std::uint64_t ticket = ++orders_sent_;
    const char byte = static_cast<char>(o);
    while (::write(wake_write_, &byte, 1) != 1 && errno == EINTR) {
    }
    done_cv_.wait(lock, [&] { return orders_done_ >= ticket || ended_; });
}

void tcp_link::finish() {
    // After a stop there are none; after a failed poll these would otherwise stay open.
    for (link& l : links_)
        close_link(l, false);
    links_.clear();
    {
        std::lock_guard lock(mutex_);
        ended_ = true;
    }
    done_cv_.notify_all();
}

void tcp_link::run() {
    std::vector<pollfd> fds;
    for (;;) {
        // The wake pipe first, then the listeners, then two entries per link.
        // Frozen, only the wake pipe is polled (poll skips negative descriptors): a hang-up
        // would otherwise be reported at once, again and again.
        fds.clear();
        fds.push_back({wake_read_, POLLIN, 0});
        for (const int l : listeners_)
            fds.push_back({frozen_ ? -1 : l, POLLIN, 0});
        for (const link& l : links_) {
            auto wanted = [](const std::string& in, const std::string& out) -> short {
                short events = 0;
                if (in.size() < max_buffered)
                    events |= POLLIN;
                if (!out.empty())
                    events |= POLLOUT;
                return events;
            };
            fds.push_back({frozen_ ? -1 : l.downstream, wanted(l.to_upstream, l.to_downstream), 0});
            fds.push_back({frozen_ ? -1 : l.upstream, wanted(l.to_downstream, l.to_upstream), 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR)
            return;

        if (fds[0].revents & POLLIN) {
            char byte = 0;
            if (::read(wake_read_, &byte, 1) == 1) {
                switch (static_cast<order>(byte)) {
                case order::freeze:
                    frozen_ = true;
                    break;
                case order::heal:
                    frozen_ = false;
                    break;
                case order::cut:
                    for (link& l : links_)
                        close_link(l, true);
                    links_.clear();
                    break;
                case order::stop:
                    for (link& l : links_)
                        close_link(l, false);
                    links_.clear();
                    break;
                }
                {
                    std::lock_guard lock(mutex_);
                    ++orders_done_;
                }
                done_cv_.notify_all();
                if (static_cast<order>(byte) == order::stop)
                    return;
                // The order may have changed the links: poll them afresh.
                continue;
            }
        }
        if (frozen_)
            continue;
        std::vector<link> kept;
        for (std::size_t i = 0; i < links_.size(); ++i) {
            const std::size_t at = 1 + listeners_.size() + 2 * i;
            if (pump(links_[i], fds[at].revents, fds[at + 1].revents))
                kept.push_back(std::move(links_[i]));
            else
                close_link(links_[i], false);
        }
        links_ = std::move(kept);
        for (std::size_t i = 0; i < listeners_.size(); ++i) {
            if (fds[1 + i].revents & POLLIN)
                accept_from(i);
        }
    }
}

void tcp_link::accept_from(std::size_t listener) {
    for (;;) {
        const int down =
            ::accept4(listeners_[listener], nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (down < 0)
            return;
        ++accepted_;
        const int up = connect_to(target_ports_[listener]);
        if (up < 0) {
            link refused{down, -1, {}, {}};
            close_link(refused, true);
            continue;
        }
        const int one = 1;
        ::setsockopt(down, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        links_.push_back({down, up, {}, {}});
    }
}

bool tcp_link::pump(link& l, short down_events, short up_events) {
    constexpr short ended = POLLERR | POLLNVAL;
    if ((down_events | up_events) & ended)
        return false;
    bool open = true;
    // POLLHUP comes with the last bytes, so read before deciding the link is over.
    if (down_events & (POLLIN | POLLHUP))
        open = read_into(l.downstream, l.to_upstream, captured_to_target_) && open;
    if (up_events & (POLLIN | POLLHUP))
        open = read_into(l.upstream, l.to_downstream, captured_from_target_) && open;
    // What was read is passed on even when one side has ended.
    const bool up_ok = write_from(l.upstream, l.to_upstream);
    const bool down_ok = write_from(l.downstream, l.to_downstream);
    return open && up_ok && down_ok;
}

bool tcp_link::read_into(int from, std::string& buffer, std::string& capture) {
    std::array<char, 16384> chunk{};
    for (;;) {
        const ssize_t n = ::read(from, chunk.data(), chunk.size());
        if (n > 0) {
            buffer.append(chunk.data(), static_cast<std::size_t>(n));
            {
                std::lock_guard lock(mutex_);
                capture.append(chunk.data(), static_cast<std::size_t>(n));
            }
            if (buffer.size() >= max_buffered)
                return true;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno == EAGAIN;
    }
}

void tcp_link::close_link(link& l, bool reset) {
    for (const int fd : {l.downstream, l.upstream}) {
        if (fd < 0)
            continue;
        if (reset) {
            const linger abort{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
        }
        ::close(fd);
    }
    l.downstream = l.upstream = -1;
}

} // namespace zchat::test
