// A watch on one client socket's connections, shared by zchat-client and zchat-tap, through a
// libzmq socket monitor of its own:
// - failed security handshakes, so that a refusal ends the program with its reason instead of
//   a silent wait (libzmq retries a refused handshake for ever and delivers nothing);
// - dropped connections, so that a client hears at once that its connection was reset, which
//   it could otherwise only infer from the broker's silence after the session had expired.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace zchat::runtime {

// A failed security handshake, worded for the user ("the broker refused our key ..."). A final
// one (a refusal, a mechanism mismatch) will fail again on every retry; any other (the
// connection dropped mid-handshake, as it does when the broker cannot decrypt our greeting
// because we hold the wrong server key, or when it restarts) may not.
struct handshake_failure {
    std::string reason;
    bool final = false;
};

// What happened to the watched socket's connections since the last read.
struct connection_news {
    // The most telling failed handshake (a final one first), if any.
    std::optional<handshake_failure> failure;
    // A connection was closed or reset (libzmq reconnects by itself, under a new routing id).
    bool dropped = false;
};

// A socket monitor's events read as news: apart from the socket, so that the reading is
// unit-tested without a broker.
class connection_reader {
public:
    // One event (ZMQ_EVENT_*) and its value, from a socket without CURVE (plain) or with it.
    void note(std::uint16_t event, std::uint32_t value, bool plain);
    // What was noted since the last take().
    connection_news take();

private:
    void record(handshake_failure failure);

    // Handshakes that broke off in a row, since the last one that succeeded.
    int broken_handshakes_ = 0;
    connection_news news_;
};

// Poll events(); when it is readable, read() says what happened. The watched socket must
// outlive the watch.
class connection_watch {
public:
    connection_watch(zmq::context_t& ctx, zmq::socket_t& watched);
    ~connection_watch();
    connection_watch(const connection_watch&) = delete;
    connection_watch& operator=(const connection_watch&) = delete;

    zmq::socket_t& events() { return events_; }

    // Reads every waiting event.
    connection_news read();

private:
    zmq::socket_t& watched_;
    zmq::socket_t events_;
    connection_reader reader_;
};

} // namespace zchat::runtime
