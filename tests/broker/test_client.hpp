// A raw zchat client for tests that talk to a real broker over real sockets: a DEALER for
// commands and replies, a SUB for events. It speaks the protocol through proto::encode and
// proto::decode_* but decides nothing on its own: the test scripts every command, and may send
// arbitrary frames. Both sockets have linger 0 and every wait is bounded, so a broker that does
// not answer makes the test fail instead of hang.
//
// Not thread-safe: one test thread owns a client, as libzmq requires of its sockets. Failures
// (timeout, undecodable or unexpected message) throw test_client_error, which GoogleTest reports
// as a failed test with the message; this header itself needs no test framework.
#pragma once

#include "proto/codec.hpp"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace zchat::test {

struct test_client_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct test_client_options {
    // The longest wait for any one reply or event.
    std::chrono::milliseconds timeout{5000};
    // Subscribed when the SUB connects; join() adds and drops the session's probe topic itself.
    // Heartbeats and STATS are left out by default: they come on the broker's clock, so a test
    // that expects events in order would otherwise meet one at a moment it does not control.
    std::vector<std::string> topics{"chat/", "presence/", "sys/shutdown/"};
    // The DEALER's routing id; empty lets libzmq choose one.
    std::string routing_id;
};

// Sends `frames` as one multipart message on any socket. An empty list sends one empty frame:
// a message has at least one. Throws zmq::error_t; a send that times out (EAGAIN) is dropped,
// as a plain send would drop it.
inline void send_frames(zmq::socket_t& socket, const proto::frame_list& frames) {
    if (frames.empty()) {
        socket.send(zmq::message_t{}, zmq::send_flags::none);
        return;
    }
    std::vector<zmq::const_buffer> parts;
    parts.reserve(frames.size());
    for (const auto& f : frames)
        parts.push_back(zmq::buffer(f));
    zmq::send_multipart(socket, parts);
}

// One multipart message from `socket`, as frames, or nothing once `deadline` has passed; a
// message already waiting is taken even then, so `now` as the deadline does not wait at all.
// Throws zmq::error_t.
inline std::optional<proto::frame_list>
receive_frames(zmq::socket_t& socket, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        std::vector<zmq::message_t> parts;
        if (zmq::recv_multipart(socket, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
            proto::frame_list frames;
            frames.reserve(parts.size());
            for (const auto& p : parts)
                frames.push_back(p.to_string());
            return frames;
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds{0})
            return std::nullopt;
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, left);
    }
}

// An event as it came off the SUB socket: the topic frame it was published under, decoded.
struct received_event {
    std::string topic;
    proto::event event;
};

class test_client {
public:
    using clock = std::chrono::steady_clock;

    // Connects a DEALER to the broker's ROUTER and a SUB to its PUB. Throws zmq::error_t.
    test_client(zmq::context_t& ctx, const std::string& router_endpoint,
                const std::string& pub_endpoint, test_client_options options = {})
        : options_(std::move(options)), dealer_(ctx, zmq::socket_type::dealer),
          sub_(ctx, zmq::socket_type::sub) {
        for (zmq::socket_t* s : {&dealer_, &sub_}) {
            s->set(zmq::sockopt::linger, 0);
            s->set(zmq::sockopt::rcvtimeo, static_cast<int>(options_.timeout.count()));
            s->set(zmq::sockopt::sndtimeo, static_cast<int>(options_.timeout.count()));
        }
        if (!options_.routing_id.empty())
            dealer_.set(zmq::sockopt::routing_id, options_.routing_id);
        for (const auto& topic : options_.topics)
            sub_.set(zmq::sockopt::subscribe, topic);
        sub_.connect(pub_endpoint);
        dealer_.connect(router_endpoint);
    }

    // ---- Sending ----

    void send(const proto::command& c) { send_frames(proto::encode(c)); }

    // Sends arbitrary frames, as a misbehaving client would. An empty list sends one empty
    // frame, the least a DEALER can send.
    void send_frames(const proto::frame_list& frames) { test::send_frames(dealer_, frames); }

    // ---- Receiving replies (DEALER) ----

    // The frames of the next reply, or nothing if none arrives within the timeout.
    std::optional<proto::frame_list> next_reply_frames() {
        return receive_frames(dealer_, clock::now() + options_.timeout);
    }

    // The next reply, decoded. Throws if none arrives in time or it cannot be decoded.
    proto::reply next_reply() {
        const auto frames = next_reply_frames();
        if (!frames)
            throw test_client_error("no reply within " + std::to_string(options_.timeout.count()) +
                                    " ms");
        const auto v = proto::views(*frames);
        auto decoded = proto::decode_reply(v);
        if (const auto* bad = std::get_if<proto::decode_error>(&decoded))
            throw test_client_error("undecodable reply: " + bad->reason);
        return std::get<proto::reply>(std::move(decoded));
    }

    // The next reply, which must be a T. Throws otherwise, naming the ERROR if it was one.
    template <class T>
    T expect_reply() {
        proto::reply r = next_reply();
        if (auto* wanted = std::get_if<T>(&r))
            return std::move(*wanted);
        if (const auto* e = std::get_if<proto::error>(&r))
            throw test_client_error("unexpected ERROR " + std::string{proto::error_name(e->code)} +
                                    ": " + e->reason);
        throw test_client_error("unexpected reply (variant index " + std::to_string(r.index()) +
                                ")");
    }

    // ---- Receiving events (SUB) ----

    // The next event, from those set aside by take_event first, or nothing if none arrives in
    // time. Throws if an event cannot be decoded.
    std::optional<received_event> next_event() {
        if (!set_aside_.empty()) {
            received_event e = std::move(set_aside_.front());
            set_aside_.pop_front();
            return e;
        }
        return receive_event(clock::now() + options_.timeout);
    }

    // The next event, which must be a T.
    template <class T>
    T expect_event() {
        auto e = next_event();
        if (!e)
            throw test_client_error("no event within " + std::to_string(options_.timeout.count()) +
                                    " ms");
        if (auto* wanted = std::get_if<T>(&e->event))
            return std::move(*wanted);
        throw test_client_error("unexpected event under topic '" + e->topic + "'");
    }

    // Removes and returns the first event that is a T and satisfies `match`; other events seen
    // on the way are set aside, in order, for next_event. Throws if none arrives in time.
    template <class T>
    T take_event(const std::function<bool(const T&)>& match = [](const T&) { return true; }) {
        for (auto it = set_aside_.begin(); it != set_aside_.end(); ++it) {
            if (const T* e = std::get_if<T>(&it->event); e && match(*e)) {
                T found = *e;
                set_aside_.erase(it);
                return found;
            }
        }
        const auto deadline = clock::now() + options_.timeout;
        while (auto e = receive_event(deadline)) {
            if (const T* wanted = std::get_if<T>(&e->event); wanted && match(*wanted))
                return *wanted;
            set_aside_.push_back(std::move(*e));
        }
        throw test_client_error("the awaited event did not come within " +
                                std::to_string(options_.timeout.count()) + " ms");
    }

    // ---- The join handshake and the commands of a joined session ----

    // HELLO -> WELCOME, then subscribes to the session's probe topic, waits for a PROBE (the
    // broker repeats it until the subscription has reached it), answers READY and takes the ROOM
    // reply for `room`. If the client subscribes to presence events, it then waits for the
    // session's own JOIN and consumes it, so when join() returns the broker has joined the session
    // and published everything before that JOIN. Other events seen meanwhile are kept for
    // next_event. Returns the WELCOME. Throws on an ERROR or a timeout.
    proto::welcome join(const std::string& name, const std::string& room = "lobby") {
        room_ = room;
        send(proto::hello{name, room, std::nullopt});
        welcome_ = expect_reply<proto::welcome>();
        const auto id = welcome_->session_id;
        const std::string probe_topic = proto::probe_topic(id);
        sub_.set(zmq::sockopt::subscribe, probe_topic);
        take_event<proto::probe>([id](const proto::probe& p) { return p.session_id == id; });
        sub_.set(zmq::sockopt::unsubscribe, probe_topic);
        send(proto::ready{welcome_->secret});
        entered_ = expect_reply<proto::room_entered>();
        if (hears(proto::presence_topic(room)))
            take_event<proto::joined>([id](const proto::joined& j) { return j.session_id == id; });
        return *welcome_;
    }

    // Commands carrying the secret from the last WELCOME (all zeros before any); those naming a
    // room name the one join() entered unless told otherwise.
    void say(std::uint64_t message_id, const std::string& text) { say_in(room_, message_id, text); }
    void say_in(const std::string& room, std::uint64_t message_id, const std::string& text) {
        send(proto::say{secret(), room, message_id, text});
    }
    void who() { who_in(room_); }
    void who_in(const std::string& room) { send(proto::who{secret(), room}); }
    void bye() { send(proto::bye{secret()}); }
    void ping(std::uint64_t last_seq) { send(proto::ping{secret(), {{room_, last_seq}}}); }
    void join_room(const std::string& room) { send(proto::join{secret(), room}); }
    void part(const std::string& room) { send(proto::part{secret(), room}); }
    void list_rooms() { send(proto::list_rooms{secret()}); }
    void msg(const std::string& to, std::uint64_t message_id, const std::string& text) {
        send(proto::private_say{secret(), to, message_id, text});
    }

    // The ROOM reply of the last successful join, if any.
    const std::optional<proto::room_entered>& entered() const { return entered_; }

    // The WELCOME of the last successful join, if any.
    const std::optional<proto::welcome>& welcome() const { return welcome_; }

    // The sockets themselves, for tests that need what this class does not offer.
    zmq::socket_t& dealer() { return dealer_; }
    zmq::socket_t& sub() { return sub_; }

private:
    // Whether one of the subscriptions selects this topic (SUB matching is by prefix).
    bool hears(const std::string& topic) const {
        return std::any_of(options_.topics.begin(), options_.topics.end(),
                           [&](const std::string& t) { return topic.starts_with(t); });
    }

    proto::session_secret secret() const {
        return welcome_ ? welcome_->secret : proto::session_secret{};
    }

    // The next event: the next of the last batch received, or the first of a new message.
    std::optional<received_event> receive_event(clock::time_point deadline) {
        if (batched_.empty()) {
            auto frames = receive_frames(sub_, deadline);
            if (!frames)
                return std::nullopt;
            const auto v = proto::views(*frames);
            auto decoded = proto::decode_events(v);
            if (const auto* bad = std::get_if<proto::decode_error>(&decoded))
                throw test_client_error("undecodable event: " + bad->reason);
            for (proto::event& e : std::get<std::vector<proto::event>>(decoded))
                batched_.push_back({frames->front(), std::move(e)});
        }
        received_event e = std::move(batched_.front());
        batched_.pop_front();
        return e;
    }

    test_client_options options_;
    zmq::socket_t dealer_;
    zmq::socket_t sub_;
    std::deque<received_event> set_aside_;
    std::deque<received_event> batched_; // the rest of the last message's events
    std::optional<proto::welcome> welcome_;
    std::optional<proto::room_entered> entered_;
    std::string room_{"lobby"};
};

} // namespace zchat::test
