#include "client/session.hpp"

#include "proto/printable.hpp"
#include "proto/validate.hpp"

#include <zmq_addon.hpp>

#include <algorithm>
#include <array>
#include <cassert>
#include <vector>

namespace zchat::client {
namespace {

// Long enough for BYE to leave the DEALER when the broker is there, short enough not to hang
// when it is not.
constexpr int dealer_linger_ms = 2000;
// Messages read from one socket per turn of the loop, as in the broker.
constexpr int max_messages_per_wakeup = 256;

std::string seconds(std::chrono::milliseconds ms) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ms).count()) + " s";
}

} // namespace

session::session(zmq::context_t& ctx, session_options options, std::string pipe_endpoint)
    : ctx_(ctx), options_(std::move(options)), pipe_endpoint_(std::move(pipe_endpoint)),
      retry_(options_.first_retry) {}

void session::run() {
    pipe_ = zmq::socket_t(ctx_, zmq::socket_type::pair);
    pipe_.connect(pipe_endpoint_);
    int code = runtime::exit_failure;
    try {
        code = serve();
    } catch (const zmq::error_t& e) {
        print(style::error, std::string{"! Connection error: "} + e.what());
    }
    flush_printed();
    // Only a joined session has a BYE worth waiting for; anything else must not hold the exit
    // up for the linger period.
    if (dealer_ && !room_.joined())
        dealer_.set(zmq::sockopt::linger, 0);
    watch_.reset();
    dealer_.close();
    sub_.close();
    pipe::send(pipe_, pipe_message::done(code));
    pipe_.close();
}

int session::serve() {
    try {
        attempt_join(clock::now());
    } catch (const zmq::error_t& e) {
        print(style::error, "! Invalid endpoint (" + options_.router_endpoint + ", " +
                                options_.sub_endpoint + "): " + e.what());
        return runtime::exit_usage;
    }
    while (result_ < 0) {
        std::array<zmq::pollitem_t, 4> items{{
            {dealer_.handle(), 0, ZMQ_POLLIN, 0},
            {sub_.handle(), 0, ZMQ_POLLIN, 0},
            {pipe_.handle(), 0, ZMQ_POLLIN, 0},
            {watch_->events().handle(), 0, ZMQ_POLLIN, 0},
        }};
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_timer() - clock::now());
        zmq::poll(items.data(), items.size(), std::max(wait, std::chrono::milliseconds(0)));

        drain(dealer_, [this](const auto& frames) {
            auto decoded = proto::decode_reply(frames);
            if (auto* r = std::get_if<proto::reply>(&decoded))
                on_reply(*r);
            else
                unreadable("reply", std::get<proto::decode_error>(decoded));
        });
        drain(sub_, [this](const auto& frames) {
            last_heard_ = clock::now();
            auto decoded = proto::decode_event(frames);
            if (auto* e = std::get_if<proto::event>(&decoded))
                on_event(*e);
            else
                unreadable("event", std::get<proto::decode_error>(decoded));
        });
        if (items[3].revents & ZMQ_POLLIN) {
            const runtime::connection_news news = watch_->read();
            if (news.failure && result_ < 0)
                on_handshake_failure(*news.failure);
            if (news.dropped && result_ < 0)
                on_connection_dropped();
        }
        while (result_ < 0) {
            auto m = pipe::receive(pipe_);
            if (!m)
                break;
            on_pipe(std::move(*m));
        }
        if (result_ < 0)
            result_ = check_timers(clock::now());
        flush_printed();
    }
    return result_;
}

void session::attempt_join(clock::time_point now) {
    // An abandoned DEALER must not deliver its queued HELLO later: a broker coming back would
    // take it for a second client and refuse our real rejoin as "name in use".
    if (dealer_)
        dealer_.set(zmq::sockopt::linger, 0);
    watch_.reset();
    dropped_at_.reset();
    dealer_ = zmq::socket_t(ctx_, zmq::socket_type::dealer);
    sub_ = zmq::socket_t(ctx_, zmq::socket_type::sub);
    watch_.emplace(ctx_, dealer_);
    if (options_.curve) {
        runtime::use_curve(dealer_, *options_.curve);
        runtime::use_curve(sub_, *options_.curve);
    }
    dealer_.set(zmq::sockopt::linger, dealer_linger_ms);
    sub_.set(zmq::sockopt::linger, 0);
    // Subscribe before connecting, and before the probe topic, so that once a probe arrives
    // every other subscription is already in force.
    for (const std::string_view prefix :
         {proto::topic::chat, proto::topic::presence, proto::topic::system})
        sub_.set(zmq::sockopt::subscribe, prefix);
    dealer_.connect(options_.router_endpoint);
    sub_.connect(options_.sub_endpoint);

    room_.start_attempt();
    attempt_started_ = now;
    send_command(proto::hello{options_.name, room_.ticket()});
}

template <class Handle>
void session::drain(zmq::socket_t& socket, Handle handle) {
    std::vector<zmq::message_t> parts;
    std::vector<std::string_view> frames;
    // Bounded, so that a steady stream of events cannot hold up heartbeats, typed lines and
    // printing: what is left is still readable at the next poll, which returns at once.
    for (int handled = 0; handled < max_messages_per_wakeup && result_ < 0; ++handled) {
        parts.clear();
        if (!zmq::recv_multipart(socket, std::back_inserter(parts), zmq::recv_flags::dontwait))
            return;
        frames.assign(parts.size(), {});
        std::transform(parts.begin(), parts.end(), frames.begin(),
                       [](const zmq::message_t& m) { return m.to_string_view(); });
        handle(frames);
    }
}

void session::unreadable(std::string_view what, const proto::decode_error& e) {
    print(style::error, "! Unreadable " + std::string{what} +
                            " from the chat server: " + proto::printable(e.reason) + " (" +
                            std::string{proto::error_name(e.code)} + ")");
}

void session::on_handshake_failure(const runtime::handshake_failure& f) {
    if (!f.final) {
        // Kept for the timeout's message: the broker may be restarting, or we hold a wrong key.
        if (options_.curve)
            handshake_trouble_ = f.reason;
        return;
    }
    print(style::error, "! Cannot join the chat at " + options_.router_endpoint + ": " + f.reason);
    result_ = runtime::exit_failure;
}

void session::on_connection_dropped() {
    // libzmq reconnects the DEALER by itself, but under a new routing id that the broker does
    // not know, so our PINGs would go unheard until the session expired and everyone saw us
    // leave and enter. Taking the session over soon, on fresh sockets with the resume ticket,
    // keeps it: nobody else notices. Not at once: a broker that is stopping closes our
    // connection just after publishing SHUTDOWN, which says more and may still be on its way.
    if (room_.state() == link::joined && !dropped_at_)
        dropped_at_ = clock::now();
}

void session::on_reply(const proto::reply& r) {
    if (const auto* w = std::get_if<proto::welcome>(&r)) {
        if (!room_.welcome(*w))
            return;
        welcomed_at_ = clock::now();
        sub_.set(zmq::sockopt::subscribe, proto::probe_topic(w->session_id));
        return;
    }
    if (!room_.welcomed() && room_.state() == link::joining) {
        // Refused at the door (name taken or invalid, server full): joining again would only
        // be refused again.
        if (const auto* e = std::get_if<proto::error>(&r)) {
            print(style::error, "! Cannot join the chat: " + proto::printable(e->reason) + " (" +
                                    std::string{proto::error_name(e->code)} + ")");
            result_ = runtime::exit_failure;
        }
        return;
    }
    room_.on_reply(r, printed_);
}

void session::on_event(const proto::event& e) {
    const bool was_joined = room_.joined();
    if (const auto* p = std::get_if<proto::probe>(&e)) {
        if (auto answer = room_.answer(*p, printed_))
            send_command(*answer);
    } else {
        room_.on_event(e, printed_);
    }
    if (!was_joined && room_.joined())
        on_joined();
}

void session::on_joined() {
    // Stay a little under the broker's announced limit, so that network jitter bunching our
    // messages together cannot push them over it: a script is slowed down, never refused.
    const auto& w = room_.session();
    pace_ =
        proto::token_bucket(w.rate_per_second * 0.9, std::max<std::uint32_t>(1, w.rate_burst / 2));
    sub_.set(zmq::sockopt::unsubscribe, proto::probe_topic(room_.session().session_id));
    retry_ = options_.first_retry;
    last_heard_ = clock::now();
    send_queued();
    if (input_ended_ && !drain_deadline_)
        drain_deadline_ = clock::now() + options_.drain_timeout;
}

void session::on_pipe(pipe_message m) {
    switch (m.kind) {
    case pipe_kind::say:
    case pipe_kind::who:
        queued_.push_back(std::move(m));
        if (room_.joined())
            send_queued();
        break;
    case pipe_kind::quit:
        if (room_.welcomed())
            send_command(proto::bye{room_.secret()});
        result_ = runtime::exit_ok;
        break;
    case pipe_kind::eof:
        input_ended_ = true;
        // Before the first join the join's own time limits apply; after it, the drain's.
        if (room_.ever_joined())
            drain_deadline_ = clock::now() + options_.drain_timeout;
        break;
    case pipe_kind::print:
    case pipe_kind::done:
        assert(false && "the terminal sends no print or done");
        break;
    }
}

void session::send_queued() {
    const auto& limits = room_.session();
    const auto now = clock::now();
    while (!queued_.empty() && pace_.take(now)) {
        pipe_message m = std::move(queued_.front());
        queued_.pop_front();
        if (m.kind == pipe_kind::who) {
            send_command(room_.ask_roster());
        } else if (auto bad = proto::check_text(m.text, limits.max_text_bytes)) {
            print(style::error, "! Not sent: " + bad->reason);
            ++refused_locally_;
        } else {
            send_command(room_.compose(std::move(m.text)));
        }
        // A script paced by the rate limit is making progress: the wait for the broker's
        // answers counts from the last line sent.
        if (drain_deadline_)
            drain_deadline_ = now + options_.drain_timeout;
    }
}

void session::send_command(const proto::command& c) {
    const proto::frame_list frames = proto::encode(c);
    std::vector<zmq::const_buffer> parts;
    parts.reserve(frames.size());
    for (const auto& f : frames)
        parts.push_back(zmq::buffer(f));
    zmq::send_multipart(dealer_, parts);
    room_.sent(clock::now());
}

void session::print(style look, std::string text) {
    printed_.push_back({look, std::move(text)});
}

void session::flush_printed() {
    for (const auto& line : printed_)
        pipe::send(pipe_, pipe_message::print(line));
    printed_.clear();
}

int session::check_timers(clock::time_point now) {
    switch (room_.state()) {
    case link::ended:
        return runtime::exit_failure;
    case link::lost:
        attempt_join(now);
        break;
    case link::joining:
        if (!room_.welcomed() && now - attempt_started_ >= attempt_window()) {
            if (!room_.ever_joined()) {
                if (handshake_trouble_)
                    print(style::error, "! Cannot join the chat at " + options_.router_endpoint +
                                            ": " + *handshake_trouble_);
                else
                    print(style::error, "! Cannot reach the chat server at " +
                                            options_.router_endpoint + " (no answer within " +
                                            seconds(options_.connect_timeout) + ")");
                return runtime::exit_failure;
            }
            retry_ = std::min(retry_ * 2, options_.max_retry);
            attempt_join(now);
        } else if (room_.welcomed() && now - welcomed_at_ >= options_.join_timeout) {
            if (!room_.ever_joined()) {
                print(style::error, "! The chat server at " + options_.router_endpoint +
                                        " answered, but no events arrive from " +
                                        options_.sub_endpoint +
                                        ": the subscriber connection was never confirmed "
                                        "(check --sub)");
                send_command(proto::bye{room_.secret()});
                return runtime::exit_failure;
            }
            attempt_join(now);
        }
        break;
    case link::joined:
        if (now - last_heard_ >= room_.silence_limit() || (dropped_at_ && now >= drop_deadline())) {
            room_.connection_lost(printed_);
            attempt_join(now);
        }
        break;
    }
    if (room_.joined() && !queued_.empty())
        send_queued();
    if (input_ended_) {
        if (const int code = check_drain(now); code >= 0)
            return code;
    }
    if (room_.ping_due(now) && pace_.take(now))
        send_command(room_.ping());
    return -1;
}

int session::check_drain(clock::time_point now) {
    const std::size_t undelivered = room_.undelivered() + refused_locally_;
    if (room_.joined() && queued_.empty() && room_.unanswered() == 0) {
        send_command(proto::bye{room_.secret()});
        if (undelivered > 0) {
            print(style::error, "! " + std::to_string(undelivered) + " line(s) were not delivered");
            return runtime::exit_failure;
        }
        return runtime::exit_ok;
    }
    if (drain_deadline_ && now >= *drain_deadline_) {
        const std::size_t waiting = queued_.size() + room_.unacknowledged();
        print(style::error, "! " + std::to_string(waiting + undelivered) +
                                " line(s) not confirmed by the chat server within " +
                                seconds(options_.drain_timeout) +
                                "; they may not have been delivered");
        if (room_.joined())
            send_command(proto::bye{room_.secret()});
        return runtime::exit_failure;
    }
    return -1;
}

session::clock::time_point session::next_timer() const {
    clock::time_point next = clock::time_point::max();
    switch (room_.state()) {
    case link::ended:
    case link::lost:
        return clock::now();
    case link::joining:
        next = room_.welcomed() ? welcomed_at_ + options_.join_timeout
                                : attempt_started_ + attempt_window();
        break;
    case link::joined:
        next = last_heard_ + room_.silence_limit();
        if (dropped_at_)
            next = std::min(next, drop_deadline());
        if (!queued_.empty())
            next = std::min(next, pace_.next_token(clock::now()));
        break;
    }
    if (const auto ping = room_.ping_due_at())
        next = std::min(next, *ping);
    if (drain_deadline_)
        next = std::min(next, *drain_deadline_);
    return next;
}

std::chrono::milliseconds session::attempt_window() const {
    return room_.ever_joined() ? retry_ : options_.connect_timeout;
}

session::clock::time_point session::drop_deadline() const {
    // Long enough for a SHUTDOWN published just before the connection closed to arrive.
    return *dropped_at_ + std::min(room_.heartbeat_interval(), std::chrono::milliseconds(200));
}

} // namespace zchat::client
