// The client's receive thread: owns the DEALER (commands to the broker), the SUB (events from
// the broker) and its end of the pipe from the terminal thread, and polls all three together
// with its timers. It joins, sends what the user typed, heartbeats, notices a silent or
// restarted broker, and joins again by itself with bounded backoff.
//
// It never touches the terminal: everything to print goes back over the pipe.
#pragma once

#include "client/conversation.hpp"
#include "client/pipe.hpp"
#include "proto/codec.hpp"
#include "proto/defaults.hpp"
#include "proto/runtime/connection_watch.hpp"
#include "proto/runtime/curve_client.hpp"
#include "proto/runtime/process.hpp"
#include "proto/token_bucket.hpp"

#include <zmq.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace zchat::client {

struct session_options {
    std::string router_endpoint{proto::default_router_endpoint};
    std::string sub_endpoint{proto::default_pub_endpoint};
    std::string name;
    // Set: both sockets speak CURVE to the broker with these keys.
    std::optional<runtime::curve_client_keys> curve;
    // First join: no WELCOME within this means the broker is unreachable.
    std::chrono::milliseconds connect_timeout{5000};
    // WELCOME came but no probe reached the SUB within this: the SUB leg is broken.
    std::chrono::milliseconds join_timeout{5000};
    // After the input ends, how long to wait for the broker to acknowledge what was sent.
    std::chrono::milliseconds drain_timeout{5000};
    // Rejoining after a lost connection: the first attempt waits this long for an answer, each
    // next one twice as long, up to the cap.
    std::chrono::milliseconds first_retry{1000};
    std::chrono::milliseconds max_retry{5000};
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
    // Opens fresh DEALER and SUB connections and sends HELLO (with the last session's ticket).
    void attempt_join(clock::time_point now);
    // Hands every message waiting on the socket to `handle`, as frames, while the session lasts.
    template <class Handle>
    void drain(zmq::socket_t& socket, Handle handle);
    void unreadable(std::string_view what, const proto::decode_error& e);
    void on_handshake_failure(const runtime::handshake_failure& f);
    void on_connection_dropped();
    void on_reply(const proto::reply& r);
    void on_event(const proto::event& e);
    void on_joined();
    void on_pipe(pipe_message m);
    void send_queued();
    void send_command(const proto::command& c);
    void print(style look, std::string text);
    void flush_printed();
    // The exit code once the session is over, or -1 while it goes on.
    int check_timers(clock::time_point now);
    // What is due once the input has ended: leave when all is answered, or give up in time.
    int check_drain(clock::time_point now);
    clock::time_point next_timer() const;
    std::chrono::milliseconds attempt_window() const;
    // When a dropped connection, if nothing else explains it, counts as lost.
    clock::time_point drop_deadline() const;

    zmq::context_t& ctx_;
    session_options options_;
    std::string pipe_endpoint_;
    zmq::socket_t pipe_;
    zmq::socket_t dealer_;
    zmq::socket_t sub_;
    std::optional<runtime::connection_watch> watch_; // on the DEALER: the SUB meets the same broker

    conversation room_;
    std::vector<printed> printed_;
    std::deque<pipe_message> queued_; // say and who typed while not joined
    std::size_t refused_locally_ = 0; // lines not sent because they break the broker's rules
    std::optional<std::string> handshake_trouble_; // why the last handshake failed, if it did
    clock::time_point attempt_started_{};
    clock::time_point welcomed_at_{};
    clock::time_point last_heard_{};              // anything on the SUB
    std::optional<clock::time_point> dropped_at_; // when the DEALER's connection dropped
    std::chrono::milliseconds retry_{};
    proto::token_bucket pace_{0, 0}; // our own sends, within the broker's announced rate
    std::optional<clock::time_point> drain_deadline_;
    bool input_ended_ = false;
    int result_ = -1; // set when the session must end
};

} // namespace zchat::client
