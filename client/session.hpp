// The client's receive thread: owns the DEALER (commands to the broker), the SUB (events from
// the broker) and its end of the pipe from the terminal thread, and polls all three together
// with the connection watch and the core's next deadline. It only moves bytes: what to send,
// when to join again or give up, and what to print, session_core.hpp decides.
//
// It never touches the terminal: everything to print goes back over the pipe.
#pragma once

#include "client/pipe.hpp"
#include "client/session_core.hpp"
#include "proto/codec.hpp"
#include "proto/runtime/connection_watch.hpp"
#include "proto/runtime/curve_client.hpp"
#include "proto/runtime/process.hpp"

#include <zmq.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace zchat::client {

// What the session needs besides its settings: the keys, when it speaks CURVE.
struct session_options : session_settings {
    // Set: both sockets speak CURVE to the broker with these keys.
    std::optional<runtime::curve_client_keys> curve;
};

class session {
public:
    // pipe_endpoint is the inproc address the terminal thread has bound its PAIR to.
    session(zmq::context_t& ctx, session_options options, std::string pipe_endpoint);

    // Runs until the session ends, in the calling thread, which from then on owns the sockets.
    // The last message it sends on the pipe is "done" with the exit code. Never throws.
    void run();

private:
    using clock = std::chrono::steady_clock;

    int serve();
    // Hands every message waiting on the socket to `handle`, as frames, while the session lasts.
    template <class Handle>
    void drain(zmq::socket_t& socket, Handle handle);
    // Carries out what the core asked for; the lines wait in printed_ until flush_printed.
    void apply();
    // Opens fresh DEALER and SUB connections, subscribed to every event topic.
    void open_sockets();
    void send_command(const proto::command& c);
    void flush_printed();

    zmq::context_t& ctx_;
    session_options options_;
    std::string pipe_endpoint_;
    zmq::socket_t pipe_;
    zmq::socket_t dealer_;
    zmq::socket_t sub_;
    std::optional<runtime::connection_watch> watch_; // on the DEALER: the SUB meets the same broker

    session_core core_;
    actions todo_; // filled by the core, emptied by apply()
    std::vector<printed> printed_;
    std::string told_status_; // the link's status as the terminal last heard it
    int result_ = -1;         // set when the session must end
};

} // namespace zchat::client
