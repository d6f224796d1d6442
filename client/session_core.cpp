#include "client/session_core.hpp"

#include "proto/names.hpp"
#include "proto/printable.hpp"
#include "proto/runtime/process.hpp"
#include "proto/validate.hpp"

#include <algorithm>
#include <cassert>

namespace zchat::client {
namespace {

std::string seconds(std::chrono::milliseconds ms) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ms).count()) + " s";
}

} // namespace

session_core::session_core(session_settings settings, bool encrypted)
    : settings_(std::move(settings)), encrypted_(encrypted), retry_(settings_.first_retry) {}

void session_core::start(clock::time_point now, actions& out) {
    begin_attempt(now, out);
}

void session_core::begin_attempt(clock::time_point now, actions& out) {
    out.open_sockets = true;
    dropped_at_.reset();
    room_.start_attempt();
    attempt_started_ = now;
    send(proto::hello{settings_.name, room_.ticket()}, now, out);
}

void session_core::on_reply(const proto::reply& r, clock::time_point now, actions& out) {
    if (over_)
        return;
    if (const auto* w = std::get_if<proto::welcome>(&r)) {
        if (!room_.welcome(*w))
            return;
        welcomed_at_ = now;
        out.subscribe = proto::probe_topic(w->session_id);
        return;
    }
    if (!room_.welcomed() && room_.state() == link::joining) {
        // Refused at the door (name taken or invalid, server full): joining again would only
        // be refused again.
        if (const auto* e = std::get_if<proto::error>(&r)) {
            out.lines.push_back(
                {style::error, "! Cannot join the chat: " + proto::printable(e->reason) + " (" +
                                   std::string{proto::error_name(e->code)} + ")"});
            end(runtime::exit_failure, out);
        }
        return;
    }
    room_.on_reply(r, out.lines);
}

void session_core::on_event(const proto::event& e, clock::time_point now, actions& out) {
    if (over_)
        return;
    last_heard_ = now;
    const bool was_joined = room_.joined();
    if (const auto* p = std::get_if<proto::probe>(&e)) {
        if (auto answer = room_.answer(*p, out.lines))
            send(*answer, now, out);
    } else {
        room_.on_event(e, out.lines);
    }
    if (!was_joined && room_.joined())
        on_joined(now, out);
}

void session_core::on_unreadable(std::string_view what, const proto::decode_error& e,
                                 clock::time_point now, actions& out) {
    if (over_)
        return;
    if (what == "event")
        last_heard_ = now;
    if (what == "reply" && e.code == proto::error_code::unsupported_version) {
        // A broker of another protocol version: nothing it says can be read, so retrying is
        // pointless (PROTOCOL.md, section 16).
        out.lines.push_back(
            {style::error, "! Cannot talk to the chat server, which speaks another protocol "
                           "version: " +
                               proto::printable(e.reason) + " (E_VERSION)"});
        end(runtime::exit_failure, out);
        return;
    }
    out.lines.push_back({style::error, "! Unreadable " + std::string{what} +
                                           " from the chat server: " + proto::printable(e.reason) +
                                           " (" + std::string{proto::error_name(e.code)} + ")"});
}

void session_core::on_joined(clock::time_point now, actions& out) {
    // Stay a little under the broker's announced limit, so that network jitter bunching our
    // messages together cannot push them over it: a script is slowed down, never refused.
    const auto& w = room_.session();
    pace_ =
        proto::token_bucket(w.rate_per_second * 0.9, std::max<std::uint32_t>(1, w.rate_burst / 2));
    out.unsubscribe = proto::probe_topic(w.session_id);
    retry_ = settings_.first_retry;
    last_heard_ = now;
    send_typed(now, out);
    if (input_ended_ && !drain_deadline_)
        drain_deadline_ = now + settings_.drain_timeout;
}

void session_core::on_typed(pipe_message m, clock::time_point now, actions& out) {
    if (over_)
        return;
    switch (m.kind) {
    case pipe_kind::say:
    case pipe_kind::who:
        typed_.push_back(std::move(m));
        if (room_.joined())
            send_typed(now, out);
        break;
    case pipe_kind::quit:
        if (room_.welcomed())
            send(proto::bye{room_.secret()}, now, out);
        end(runtime::exit_ok, out);
        break;
    case pipe_kind::eof:
        input_ended_ = true;
        // Before the first join the join's own time limits apply; after it, the drain's.
        if (room_.ever_joined())
            drain_deadline_ = now + settings_.drain_timeout;
        break;
    case pipe_kind::print:
    case pipe_kind::done:
        assert(false && "the terminal sends no print or done");
        break;
    }
}

void session_core::on_handshake_failure(const std::string& reason, bool final, actions& out) {
    if (over_)
        return;
    if (!final) {
        // Kept for the timeout's message: the broker may be restarting, or we hold a wrong key.
        if (encrypted_)
            handshake_trouble_ = reason;
        return;
    }
    out.lines.push_back(
        {style::error, "! Cannot join the chat at " + settings_.router_endpoint + ": " + reason});
    end(runtime::exit_failure, out);
}

void session_core::on_connection_dropped(clock::time_point now) {
    // libzmq reconnects the DEALER by itself, but under a new routing id that the broker does
    // not know, so our PINGs would go unheard until the session expired and everyone saw us
    // leave and enter. Taking the session over soon, on fresh sockets with the resume ticket,
    // keeps it: nobody else notices. Not at once: a broker that is stopping closes our
    // connection just after publishing SHUTDOWN, which says more and may still be on its way.
    if (room_.state() == link::joined && !dropped_at_)
        dropped_at_ = now;
}

void session_core::send_typed(clock::time_point now, actions& out) {
    const auto& limits = room_.session();
    while (!typed_.empty() && pace_.take(now)) {
        pipe_message m = std::move(typed_.front());
        typed_.pop_front();
        if (m.kind == pipe_kind::who) {
            send(room_.ask_roster(), now, out);
        } else if (auto bad = proto::check_text(m.text, limits.max_text_bytes)) {
            out.lines.push_back({style::error, "! Not sent: " + bad->reason});
            ++refused_locally_;
        } else {
            send(room_.compose(std::move(m.text)), now, out);
        }
        // A script paced by the rate limit is making progress: the wait for the broker's
        // answers counts from the last line sent.
        if (drain_deadline_)
            drain_deadline_ = now + settings_.drain_timeout;
    }
}

void session_core::send(const proto::command& c, clock::time_point now, actions& out) {
    out.commands.push_back(c);
    room_.sent(now);
}

void session_core::end(int exit_code, actions& out) {
    over_ = true;
    out.exit_code = exit_code;
}

void session_core::tick(clock::time_point now, actions& out) {
    if (over_)
        return;
    switch (room_.state()) {
    case link::ended:
        end(runtime::exit_failure, out);
        return;
    case link::lost:
        begin_attempt(now, out);
        break;
    case link::joining:
        if (!room_.welcomed() && now - attempt_started_ >= attempt_window()) {
            if (!room_.ever_joined()) {
                if (handshake_trouble_)
                    out.lines.push_back({style::error, "! Cannot join the chat at " +
                                                           settings_.router_endpoint + ": " +
                                                           *handshake_trouble_});
                else
                    out.lines.push_back(
                        {style::error, "! Cannot reach the chat server at " +
                                           settings_.router_endpoint + " (no answer within " +
                                           seconds(settings_.connect_timeout) + ")"});
                end(runtime::exit_failure, out);
                return;
            }
            retry_ = std::min(retry_ * 2, settings_.max_retry);
            begin_attempt(now, out);
        } else if (room_.welcomed() && now - welcomed_at_ >= settings_.join_timeout) {
            if (!room_.ever_joined()) {
                out.lines.push_back(
                    {style::error, "! The chat server at " + settings_.router_endpoint +
                                       " answered, but no events arrive from " +
                                       settings_.sub_endpoint +
                                       ": the subscriber connection was never confirmed "
                                       "(check --sub)"});
                send(proto::bye{room_.secret()}, now, out);
                end(runtime::exit_failure, out);
                return;
            }
            begin_attempt(now, out);
        }
        break;
    case link::joined:
        if (now - last_heard_ >= room_.silence_limit() || (dropped_at_ && now >= drop_deadline())) {
            room_.connection_lost(out.lines);
            begin_attempt(now, out);
        }
        break;
    }
    if (room_.joined() && !typed_.empty())
        send_typed(now, out);
    if (input_ended_) {
        check_drain(now, out);
        if (over_)
            return;
    }
    if (room_.ping_due(now) && pace_.take(now))
        send(room_.ping(), now, out);
}

void session_core::check_drain(clock::time_point now, actions& out) {
    const std::size_t undelivered = room_.undelivered() + refused_locally_;
    if (room_.joined() && typed_.empty() && room_.unanswered() == 0) {
        send(proto::bye{room_.secret()}, now, out);
        if (undelivered > 0) {
            out.lines.push_back(
                {style::error, "! " + std::to_string(undelivered) + " line(s) were not delivered"});
            end(runtime::exit_failure, out);
        } else {
            end(runtime::exit_ok, out);
        }
        return;
    }
    if (drain_deadline_ && now >= *drain_deadline_) {
        const std::size_t waiting = typed_.size() + room_.unacknowledged();
        out.lines.push_back({style::error, "! " + std::to_string(waiting + undelivered) +
                                               " line(s) not confirmed by the chat server within " +
                                               seconds(settings_.drain_timeout) +
                                               "; they may not have been delivered"});
        if (room_.joined())
            send(proto::bye{room_.secret()}, now, out);
        end(runtime::exit_failure, out);
    }
}

session_core::clock::time_point session_core::next_deadline(clock::time_point now) const {
    clock::time_point next = clock::time_point::max();
    switch (room_.state()) {
    case link::ended:
    case link::lost:
        return now;
    case link::joining:
        next = room_.welcomed() ? welcomed_at_ + settings_.join_timeout
                                : attempt_started_ + attempt_window();
        break;
    case link::joined:
        next = last_heard_ + room_.silence_limit();
        if (dropped_at_)
            next = std::min(next, drop_deadline());
        if (!typed_.empty())
            next = std::min(next, pace_.next_token(now));
        break;
    }
    if (const auto ping = room_.ping_due_at())
        next = std::min(next, *ping);
    if (drain_deadline_)
        next = std::min(next, *drain_deadline_);
    return next;
}

std::chrono::milliseconds session_core::attempt_window() const {
    return room_.ever_joined() ? retry_ : settings_.connect_timeout;
}

session_core::clock::time_point session_core::drop_deadline() const {
    // Long enough for a SHUTDOWN published just before the connection closed to arrive.
    return *dropped_at_ + std::min(room_.heartbeat_interval(), std::chrono::milliseconds(200));
}

} // namespace zchat::client
