// What the client's receive thread decides around the conversation: when to join and join
// again, when to give up, how fast to send what was typed, when the broker's silence or a
// dropped connection means the session is lost, and when to leave once the input has ended.
//
// Pure, like the broker's core: time is an argument, and every call appends what the socket
// thread must do to an `actions` value (open fresh sockets, subscribe, send commands, print
// lines, end with an exit code). session.hpp owns the sockets and carries the actions out.
#pragma once

#include "client/conversation.hpp"
#include "client/pipe_message.hpp"
#include "proto/defaults.hpp"
#include "proto/token_bucket.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace zchat::client {

struct session_settings {
    std::string router_endpoint{proto::default_router_endpoint};
    std::string sub_endpoint{proto::default_pub_endpoint};
    std::string name;
    // The room to join first (PROTOCOL.md, section 11a: without its '#').
    std::string room{proto::default_room};
    // Lines said before entering a room to show first (--history); a client also fills the
    // gaps in its rooms' chat from the broker's history.
    std::uint32_t history_lines = 20;
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

// What the socket thread must do, in this order: replace its sockets, change its subscriptions
// (on fresh sockets, the broker's heartbeat and shutdown first), send the commands, print the
// lines, and end the session with the exit code.
struct actions {
    bool open_sockets = false;
    std::vector<std::string> subscribe;   // topics, on the current SUB, in order
    std::vector<std::string> unsubscribe; // likewise
    std::vector<proto::command> commands; // for the DEALER, in order
    std::vector<printed> lines;
    std::optional<int> exit_code;
};

class session_core {
public:
    using clock = std::chrono::steady_clock;

    // `encrypted`: the sockets speak CURVE, so a failed handshake may be a wrong key.
    session_core(session_settings settings, bool encrypted);

    // Starts the first join attempt.
    void start(clock::time_point now, actions& out);
    // A reply from the DEALER.
    void on_reply(const proto::reply& r, clock::time_point now, actions& out);
    // An event from the SUB.
    void on_event(const proto::event& e, clock::time_point now, actions& out);
    // Something arrived that did not decode: `what` is "reply" or "event".
    void on_unreadable(std::string_view what, const proto::decode_error& e, clock::time_point now,
                       actions& out);
    // What the terminal thread sent: say, who, join, part, rooms, quit or eof. The first quit
    // leaves once every line is confirmed (within the drain timeout), a second at once.
    void on_typed(pipe_message m, clock::time_point now, actions& out);
    // A security handshake failed, with its reason; a `final` one will fail again on every retry.
    void on_handshake_failure(const std::string& reason, bool final, actions& out);
    // The DEALER's connection was closed or reset.
    void on_connection_dropped(clock::time_point now);
    // Does what is due at `now`.
    void tick(clock::time_point now, actions& out);
    // When tick next has something to do.
    clock::time_point next_deadline(clock::time_point now) const;

    const conversation& chat() const { return chat_; }
    // The typed ids (pipe_message::typed_id) of the lines settled since the last call: confirmed,
    // refused here or by the broker, or lost with a connection.
    std::vector<std::uint32_t> take_settled();
    bool over() const { return over_; }

private:
    void begin_attempt(clock::time_point now, actions& out);
    void on_joined(clock::time_point now, actions& out);
    void send(const proto::command& c, clock::time_point now, actions& out);
    void send_typed(clock::time_point now, actions& out);
    // Whether something typed, a JOIN or a FETCH waits to be sent.
    bool sends_waiting() const;
    // Subscribes to the chat and presence of every room the conversation has, and unsubscribes
    // from those it no longer has.
    void sync_rooms(actions& out);
    // A room the user named, or the current room if none; nothing, with an error line, if the
    // name is not a room name.
    std::optional<std::string> room_named(const std::string& typed, actions& out);
    void end(int exit_code, actions& out);
    // Lines typed (say, act, msg) that the broker has not confirmed: waiting to be sent, or
    // sent and not acknowledged.
    std::size_t unconfirmed_lines() const;
    // Says goodbye and ends: exit 1, saying how many, if lines are still unconfirmed or were
    // not delivered (refused, or lost with a connection).
    void leave_now(clock::time_point now, actions& out);
    // What is due once the input has ended: leave when all is answered, or give up in time.
    void check_drain(clock::time_point now, actions& out);
    std::chrono::milliseconds attempt_window() const;
    // When a dropped connection, if nothing else explains it, counts as lost.
    clock::time_point drop_deadline() const;

    session_settings settings_;
    bool encrypted_;
    conversation chat_;
    // What was typed (say, who, part, rooms, msg) and the room (or, for msg, the user) it is
    // for, waiting for the join or for the pace.
    struct typed_command {
        pipe_kind kind = pipe_kind::say;
        std::string room;
        std::string text;
        std::string to{};
        std::uint32_t typed_id = 0;
    };
    std::deque<typed_command> typed_;
    std::vector<std::uint32_t> refused_here_; // typed ids of lines check_text refused
    std::set<std::string> subscribed_rooms_;  // on the current SUB
    std::size_t refused_locally_ = 0; // lines not sent because they break the broker's rules
    std::optional<std::string> handshake_trouble_; // why the last handshake failed, if it did
    clock::time_point attempt_started_{};
    clock::time_point welcomed_at_{};
    clock::time_point last_heard_{};              // anything on the SUB
    std::optional<clock::time_point> dropped_at_; // when the DEALER's connection dropped
    std::chrono::milliseconds retry_;
    proto::token_bucket pace_{0, 0}; // our own sends, within the broker's announced rate
    std::optional<clock::time_point> drain_deadline_;
    bool input_ended_ = false;
    bool quitting_ = false; // a quit came: the drain deadline stays where it was set
    bool over_ = false;
};

} // namespace zchat::client
