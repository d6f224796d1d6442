// The test link on its own, with plain TCP sockets at both ends: bytes pass through both ways,
// a freeze holds them (and new connections) back without closing anything, a heal delivers what
// was held, a cut resets both ends, and the capture keeps a copy of every byte per direction.
// Absence is checked with a bounded wait that must run out; everything else waits for the bytes.
#include "tests/e2e/tcp_link.hpp"
#include "tests/support/child_process.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

namespace zchat::test {
namespace {

using namespace std::chrono_literals;

// Long enough to be sure that nothing is coming through a frozen link on a loaded machine,
// short enough to keep the test quick.
constexpr auto quiet = 300ms;

// An owned socket descriptor.
class fd_t {
public:
    explicit fd_t(int fd = -1) : fd_(fd) {}
    ~fd_t() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    fd_t(fd_t&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    fd_t& operator=(fd_t&&) = delete;
    fd_t(const fd_t&) = delete;
    fd_t& operator=(const fd_t&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    return addr;
}

// A listening socket on a free loopback port: the link's target.
class target {
public:
    target() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in addr = loopback(0);
        socklen_t size = sizeof addr;
        if (fd_.get() < 0 || ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), size) != 0 ||
            ::listen(fd_.get(), 16) != 0 ||
            ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &size) != 0)
            throw process_error("cannot listen on loopback");
        port_ = ntohs(addr.sin_port);
    }
    std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

    // The next connection the link made to us, or nullopt if none comes within `timeout`.
    std::optional<fd_t> accept(std::chrono::milliseconds timeout) {
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
            return std::nullopt;
        return fd_t(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    }

private:
    fd_t fd_;
    int port_ = 0;
};

fd_t connect_to(const std::string& endpoint) {
    const int port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
    fd_t fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_in addr = loopback(port);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        throw process_error("cannot connect to " + endpoint);
    return fd;
}

void send_all(const fd_t& fd, const std::string& bytes) {
    ASSERT_EQ(::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
}

// Reads until `size` bytes have come or `timeout` passes; returns what came. An error or the
// end of the stream ends the read early.
std::string receive(const fd_t& fd, std::size_t size, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string got;
    while (got.size() < size) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd.get(), POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1)
            break;
        std::array<char, 4096> buffer{};
        const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
        if (n <= 0)
            break;
        got.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return got;
}

// What a read from `fd` ends with once the peer has gone: 0 for an orderly end, -errno for a
// reset; 1 if data came instead; nullopt if nothing happened within `timeout`.
std::optional<int> read_end(const fd_t& fd, std::chrono::milliseconds timeout) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
        return std::nullopt;
    char byte = 0;
    const ssize_t n = ::recv(fd.get(), &byte, 1, 0);
    return n < 0 ? -errno : static_cast<int>(n);
}

struct connection {
    fd_t client;
    fd_t server;
};

connection connect_through(tcp_link& r, target& t) {
    fd_t client = connect_to(r.endpoint(0));
    std::optional<fd_t> server = t.accept(child_process::default_timeout);
    if (!server)
        throw process_error("the tcp_link never connected to the target");
    return {std::move(client), std::move(*server)};
}

TEST(TcpLink, CopiesBytesBothWaysAndKeepsACopyOfEach) {
    target t;
    tcp_link r({t.endpoint()});
    connection c = connect_through(r, t);

    send_all(c.client, "hello target");
    EXPECT_EQ(receive(c.server, 12, child_process::default_timeout), "hello target");
    send_all(c.server, "hello client");
    EXPECT_EQ(receive(c.client, 12, child_process::default_timeout), "hello client");
    send_all(c.client, ", again");
    EXPECT_EQ(receive(c.server, 7, child_process::default_timeout), ", again");

    EXPECT_EQ(r.bytes_to_target(), "hello target, again");
    EXPECT_EQ(r.bytes_from_target(), "hello client");
    EXPECT_EQ(r.accepted(), 1u);
}

TEST(TcpLink, AFreezeHoldsBytesAndConnectionsBackAndAHealDeliversThem) {
    target t;
    tcp_link r({t.endpoint()});
    connection c = connect_through(r, t);

    r.freeze();
    send_all(c.client, "held");
    send_all(c.server, "held too");
    fd_t late = connect_to(r.endpoint(0)); // the kernel completes it; the link does not
    EXPECT_EQ(receive(c.server, 4, quiet), "");
    EXPECT_EQ(receive(c.client, 8, quiet), "");
    EXPECT_FALSE(t.accept(quiet));
    EXPECT_EQ(r.bytes_to_target(), "");
    // Nothing was closed: neither end has seen the connection end.
    EXPECT_EQ(read_end(c.client, 0ms), std::nullopt);
    EXPECT_EQ(read_end(c.server, 0ms), std::nullopt);

    r.heal();
    EXPECT_EQ(receive(c.server, 4, child_process::default_timeout), "held");
    EXPECT_EQ(receive(c.client, 8, child_process::default_timeout), "held too");
    std::optional<fd_t> late_server = t.accept(child_process::default_timeout);
    ASSERT_TRUE(late_server);
    send_all(late, "late");
    EXPECT_EQ(receive(*late_server, 4, child_process::default_timeout), "late");
    EXPECT_EQ(r.bytes_to_target(), "heldlate");
    EXPECT_EQ(r.bytes_from_target(), "held too");
    EXPECT_EQ(r.accepted(), 2u);
}

TEST(TcpLink, ACutResetsBothEndsAndNewConnectionsStillPassThrough) {
    target t;
    tcp_link r({t.endpoint()});
    connection c = connect_through(r, t);

    r.cut();
    EXPECT_EQ(read_end(c.client, child_process::default_timeout), -ECONNRESET);
    EXPECT_EQ(read_end(c.server, child_process::default_timeout), -ECONNRESET);

    connection again = connect_through(r, t);
    send_all(again.client, "after the cut");
    EXPECT_EQ(receive(again.server, 13, child_process::default_timeout), "after the cut");
    EXPECT_EQ(r.accepted(), 2u);
}

TEST(TcpLink, AClientOfADeadTargetIsDroppedAtOnce) {
    std::string endpoint;
    {
        target gone;
        endpoint = gone.endpoint();
    }
    tcp_link r({endpoint});
    fd_t client = connect_to(r.endpoint(0));
    const std::optional<int> end = read_end(client, child_process::default_timeout);
    ASSERT_TRUE(end);
    EXPECT_LE(*end, 0); // ended, by a reset or in order; never data
}

TEST(TcpLink, RefusesATargetThatIsNotALoopbackPort) {
    EXPECT_THROW(tcp_link({"tcp://example.com:80"}), process_error);
    EXPECT_THROW(tcp_link({"tcp://127.0.0.1:0"}), process_error);
}

} // namespace
} // namespace zchat::test
