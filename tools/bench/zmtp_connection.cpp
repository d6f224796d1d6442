#include "tools/bench/zmtp_connection.hpp"

#include "proto/runtime/endpoint.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace zchat::bench {
namespace {

// A read takes at least this much room: everything a busy connection holds, in one system call.
constexpr std::size_t min_read_bytes = 64 * 1024;
// A PUB bound by another process a moment ago (a relay, a broker just spawned) may not listen
// yet: connecting is tried again for this long, as a libzmq SUB would go on trying.
constexpr auto connect_patience = std::chrono::seconds(5);
constexpr auto connect_retry = std::chrono::milliseconds(20);

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what);
}

// One attempt: a connected descriptor, or -1 with errno set when nothing listens there yet.
int try_connect(const std::string& endpoint) {
    if (endpoint.starts_with("ipc://")) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const std::string path = endpoint.substr(6);
        if (path.empty() || path.size() >= sizeof(address.sun_path))
            fail(endpoint + ": not a usable socket path");
        std::memcpy(address.sun_path, path.data(), path.size());
        const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw std::system_error(errno, std::generic_category(), "socket");
        if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0)
            return fd;
        const int error = errno;
        close(fd);
        errno = error;
        return -1;
    }
    const auto address = runtime::split_tcp_endpoint(endpoint);
    if (!address || address->host.empty())
        fail(endpoint + ": the bench's clients connect to tcp://HOST:PORT or ipc://PATH only");
    const std::string host{address->host};
    const std::string port{address->port};
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
        fail(endpoint + ": " + gai_strerror(rc));
    int fd = -1;
    int error = ECONNREFUSED;
    for (const addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            error = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            error = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    if (fd < 0) {
        errno = error;
        return -1;
    }
    // Subscriptions are small writes that must not wait for an ACK, as libzmq's own don't.
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    return fd;
}

int connect_to(const std::string& endpoint) {
    const auto give_up = std::chrono::steady_clock::now() + connect_patience;
    for (;;) {
        const int fd = try_connect(endpoint);
        if (fd >= 0)
            return fd;
        const int error = errno;
        if ((error != ECONNREFUSED && error != ENOENT) ||
            std::chrono::steady_clock::now() >= give_up)
            throw std::system_error(error, std::generic_category(), "connect " + endpoint);
        std::this_thread::sleep_for(connect_retry);
    }
}

} // namespace

void zmtp_connection::owned_fd::reset() noexcept {
    if (fd_ >= 0)
        close(fd_);
    fd_ = -1;
}

zmtp_connection::zmtp_connection(const std::string& endpoint, std::string_view socket_type)
    : fd_(connect_to(endpoint)), endpoint_(endpoint), in_(min_read_bytes),
      out_(zmtp::hello(socket_type)) {
    if (fcntl(fd_.get(), F_SETFL, fcntl(fd_.get(), F_GETFL) | O_NONBLOCK) != 0)
        throw std::system_error(errno, std::generic_category(), "fcntl");
    flush();
}

std::string& zmtp_connection::outgoing() {
    return reader_.ready() ? out_ : held_;
}

bool zmtp_connection::queue(std::span<const std::string_view> frames) {
    if (outgoing().size() >= max_queued_bytes)
        return false;
    zmtp::append_message(outgoing(), frames);
    return true;
}

void zmtp_connection::subscribe(std::string_view topic) {
    outgoing() += zmtp::subscription(topic, true);
    flush();
}

void zmtp_connection::unsubscribe(std::string_view topic) {
    outgoing() += zmtp::subscription(topic, false);
    flush();
}

bool zmtp_connection::receive(std::vector<std::string_view>& frames) {
    for (;;) {
        const zmtp::parsed p = reader_.next({in_.data() + in_begin_, in_end_ - in_begin_}, frames);
        in_begin_ += p.used;
        if (!held_.empty() && reader_.ready()) {
            out_ += std::exchange(held_, {});
            flush();
        }
        switch (p.what) {
        case zmtp::parsed::kind::message:
            return true;
        case zmtp::parsed::kind::ping:
            out_ += zmtp::pong(p.context);
            flush();
            break;
        case zmtp::parsed::kind::failed:
            fail(endpoint_ + ": " + p.error);
        case zmtp::parsed::kind::need_more:
            // A read that left room in the buffer took everything there was: looking again
            // would cost a system call to learn so. The next call reads; the descriptor, being
            // level-triggered, says when there is more.
            if (std::exchange(drained_, false) || !fill())
                return false;
            break;
        }
    }
}

void zmtp_connection::flush() {
    std::size_t sent = 0;
    while (sent < out_.size()) {
        const ssize_t n = ::send(fd_.get(), out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break; // the rest goes with a later call
        } else if (errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "send to " + endpoint_);
        }
    }
    out_.erase(0, sent);
}

void zmtp_connection::finish(std::chrono::milliseconds limit) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    flush();
    while (!out_.empty()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            give_up - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return;
        pollfd writable{fd_.get(), POLLOUT, 0};
        poll(&writable, 1, static_cast<int>(left.count()));
        flush();
    }
    char unread[4096];
    while (::read(fd_.get(), unread, sizeof(unread)) > 0) {
    }
}

bool zmtp_connection::fill() {
    if (in_begin_ > 0) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
    }
    if (in_.size() - in_end_ < min_read_bytes)
        in_.resize(std::max(2 * in_.size(), in_end_ + min_read_bytes));
    for (;;) {
        const ssize_t n = ::read(fd_.get(), in_.data() + in_end_, in_.size() - in_end_);
        if (n > 0) {
            drained_ = static_cast<std::size_t>(n) < in_.size() - in_end_;
            in_end_ += static_cast<std::size_t>(n);
            return true;
        }
        if (n == 0)
            fail(endpoint_ + ": the peer closed the connection");
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return false;
        if (errno != EINTR)
            throw std::system_error(errno, std::generic_category(), "read from " + endpoint_);
    }
}

} // namespace zchat::bench
