// A DEALER's or SUB's one connection, spoken directly (tools/bench/zmtp.hpp says why): to a
// ROUTER or a PUB over TCP or IPC, reading what arrives straight from the descriptor and
// writing what is queued in one system call. Unlike a libzmq socket it does not reconnect, and
// a SUB filters nothing itself: the PUB sends only what matches a subscription. A failed or
// closed connection throws std::runtime_error.
#pragma once

#include "tools/bench/zmtp.hpp"

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zchat::bench {

class zmtp_connection {
public:
    zmtp_connection() = default;
    // Connects to `endpoint` (tcp://host:port or ipc://path) as a `socket_type` ("DEALER",
    // "SUB"), waiting up to a few seconds for it to be bound, and sends the greeting and READY;
    // the descriptor is then non-blocking. Messages and subscriptions go out once the peer's
    // READY has been received: libzmq takes none before it has sent its own.
    zmtp_connection(const std::string& endpoint, std::string_view socket_type);

    explicit operator bool() const { return fd_.get() >= 0; }
    // Readable when something arrived (level-triggered: it stays so while bytes wait unread).
    int fd() const { return fd_.get(); }

    // Queues a message; it goes with the next flush(). False, queueing nothing, when the queue
    // already holds max_queued_bytes that the peer has not taken: the peer is not keeping up.
    bool queue(std::span<const std::string_view> frames);
    // Writes what is queued, as much as the kernel takes now.
    void flush();
    // Whether queued bytes wait for the kernel to take them: flush() again.
    bool pending() const { return !out_.empty(); }
    // Before closing a connection whose last words matter, as ZMQ_LINGER would: writes what is
    // queued, waiting up to `limit` for the kernel to take it, then reads away what arrived
    // unread, since closing with unread bytes sends RST, which may drop those last words at the
    // peer, instead of FIN.
    void finish(std::chrono::milliseconds limit);

    // A SUB's subscriptions; written at once, or as soon as the handshake is over.
    void subscribe(std::string_view topic);
    void unsubscribe(std::string_view topic);

    // The next whole message, reading the descriptor when what was read before is used up;
    // false when none has arrived. Its frames view this object's buffer until the next call.
    // Answers PINGs on the way. Call it until it returns false once the descriptor is readable:
    // it reads once per such round unless a read fills its buffer.
    bool receive(std::vector<std::string_view>& frames);

    static constexpr std::size_t max_queued_bytes = 1024 * 1024;

private:
    // Where what is sent now goes: out_, or held_ until the handshake is over.
    std::string& outgoing();
    // Appends what the descriptor holds (up to the buffer's room) to in_; false when nothing
    // was there.
    bool fill();

    // A descriptor closed with its owner; moving it leaves -1 behind.
    class owned_fd {
    public:
        owned_fd() = default;
        explicit owned_fd(int fd) : fd_(fd) {}
        ~owned_fd() { reset(); }
        owned_fd(owned_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
        owned_fd& operator=(owned_fd&& other) noexcept {
            if (this != &other) {
                reset();
                fd_ = std::exchange(other.fd_, -1);
            }
            return *this;
        }
        int get() const { return fd_; }

    private:
        void reset() noexcept;
        int fd_ = -1;
    };

    owned_fd fd_;
    std::string endpoint_;
    zmtp::reader reader_;
    std::vector<char> in_; // received bytes: parsed up to in_begin_, filled up to in_end_
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    bool drained_ = false; // the last read emptied the descriptor
    std::string out_;      // what the kernel did not take yet
    std::string held_;     // what was queued before the handshake was over (reader_.ready)
};

} // namespace zchat::bench
