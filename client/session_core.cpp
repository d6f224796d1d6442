#include "client/session_core.hpp"

#include "proto/names.hpp"
#include "proto/printable.hpp"
#include "proto/runtime/process.hpp"
#include "proto/validate.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace zchat::client {
namespace {

std::string seconds(std::chrono::milliseconds ms) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ms).count()) + " s";
}

// What the broker announced in its WELCOME, for -v.
std::string welcome_detail(const proto::welcome& w) {
    const std::string rate = w.rate_per_second == 0
                                 ? "no rate limit"
                                 : std::to_string(w.rate_per_second) + " lines/s in bursts of " +
                                       std::to_string(w.rate_burst);
    return "* Session " + std::to_string(w.session_id) + " as " + proto::printable(w.name) +
           ": heartbeat every " + std::to_string(w.heartbeat_ms) + " ms (expired after " +
           std::to_string(w.liveness) + " silent), " + rate + ", names up to " +
           std::to_string(w.max_name_chars) + " characters, lines up to " +
           std::to_string(w.max_text_bytes) + " bytes, up to " + std::to_string(w.max_rooms) +
           " rooms";
}

} // namespace

session_core::session_core(session_settings settings, bool encrypted)
    : settings_(std::move(settings)), encrypted_(encrypted),
      chat_(settings_.room, narration::on, catch_up{settings_.history_lines, true}),
      retry_(settings_.first_retry) {}

void session_core::start(clock::time_point now, actions& out) {
    begin_attempt(now, out);
}

void session_core::begin_attempt(clock::time_point now, actions& out) {
    out.open_sockets = true;
    for (const std::string_view topic : proto::topic::client_system)
        out.subscribe.emplace_back(topic);
    subscribed_rooms_.clear();
    sync_rooms(out);
    dropped_at_.reset();
    chat_.start_attempt();
    attempt_started_ = now;
    out.lines.push_back({style::detail, "* Connecting to " + settings_.router_endpoint +
                                            " (commands) and " + settings_.sub_endpoint +
                                            " (events)" + (encrypted_ ? ", encrypted" : "")});
    send(proto::hello{settings_.name, chat_.current_room(), chat_.ticket()}, now, out);
}

void session_core::on_reply(const proto::reply& r, clock::time_point now, actions& out) {
    if (over_)
        return;
    if (const auto* w = std::get_if<proto::welcome>(&r)) {
        if (!chat_.welcome(*w))
            return;
        welcomed_at_ = now;
        out.lines.push_back({style::detail, welcome_detail(*w)});
        out.subscribe.push_back(proto::probe_topic(w->session_id));
        return;
    }
    if (!chat_.welcomed() && chat_.state() == link::joining) {
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
    // The ROOM reply may be what tells us we are in, before our own JOIN event arrives.
    const bool was_joined = chat_.joined();
    chat_.on_reply(r, out.lines);
    // Joined, but the first room could not be opened: leave at once, so the name is free again.
    if (const auto* e = std::get_if<proto::error>(&r);
        e && e->code == proto::error_code::too_many_rooms && chat_.state() == link::ended)
        send(proto::bye{chat_.secret()}, now, out);
    sync_rooms(out); // a refused JOIN takes its room away
    if (!was_joined && chat_.joined())
        on_joined(now, out);
}

void session_core::on_event(const proto::event& e, clock::time_point now, actions& out) {
    if (over_)
        return;
    last_heard_ = now;
    const bool was_joined = chat_.joined();
    if (const auto* p = std::get_if<proto::probe>(&e)) {
        if (auto answer = chat_.answer(*p, out.lines))
            send(*answer, now, out);
    } else {
        chat_.on_event(e, out.lines);
    }
    if (!was_joined && chat_.joined())
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
    const auto& w = chat_.session();
    pace_ =
        proto::token_bucket(w.rate_per_second * 0.9, std::max<std::uint32_t>(1, w.rate_burst / 2));
    out.unsubscribe.push_back(proto::probe_topic(w.session_id));
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
    case pipe_kind::act:
        // A line goes to the room that is current when it is typed.
        typed_.push_back({m.kind, chat_.current_room(), std::move(m.text), {}, m.typed_id});
        break;
    case pipe_kind::who:
        if (auto room = room_named(m.text, out))
            typed_.push_back({m.kind, std::move(*room), {}});
        break;
    case pipe_kind::rooms:
        typed_.push_back({m.kind, {}, {}});
        break;
    case pipe_kind::msg:
        typed_.push_back({m.kind, {}, std::move(m.text), std::move(m.to), m.typed_id});
        break;
    case pipe_kind::join:
        if (auto room = room_named(m.text, out)) {
            chat_.open_room(*room, out.lines);
            sync_rooms(out);
        }
        break;
    case pipe_kind::part: {
        auto room = room_named(m.text, out);
        if (!room)
            break;
        if (!chat_.has_room(*room)) {
            out.lines.push_back({style::error, "! You are not in #" + *room});
            break;
        }
        if (chat_.rooms().size() == 1) {
            // Leaving the last room leaves the chat, once what was typed is confirmed.
            on_typed(pipe_message::eof(), now, out);
            return;
        }
        // Nothing more from the room is shown from now on, not even our own leaving.
        if (chat_.close_room(*room))
            typed_.push_back({m.kind, std::move(*room), {}});
        sync_rooms(out);
        break;
    }
    case pipe_kind::quit:
        // The first quit leaves once what was typed is confirmed, as the end of the input does,
        // but waits at most the drain timeout even before a first join; a second one, or one
        // with nothing to wait for, leaves now.
        if (input_ended_ || unconfirmed_lines() == 0) {
            leave_now(now, out);
            return;
        }
        out.lines.push_back(
            {style::notice, "Leaving once the chat server confirms " +
                                std::to_string(unconfirmed_lines()) + " line(s), within " +
                                seconds(settings_.drain_timeout) + " (Ctrl-C again leaves now)"});
        input_ended_ = true;
        quitting_ = true;
        drain_deadline_ = now + settings_.drain_timeout;
        break;
    case pipe_kind::eof:
        input_ended_ = true;
        // Before the first join the join's own time limits apply; after it, the drain's.
        if (chat_.ever_joined())
            drain_deadline_ = now + settings_.drain_timeout;
        break;
    case pipe_kind::print:
    case pipe_kind::status:
    case pipe_kind::settled:
    case pipe_kind::done:
        assert(false && "the terminal sends no print, status, settled or done");
        break;
    }
    if (!over_ && chat_.joined() && m.kind != pipe_kind::eof)
        send_typed(now, out);
}

std::optional<std::string> session_core::room_named(const std::string& typed, actions& out) {
    if (typed.empty())
        return chat_.current_room();
    if (auto bad = proto::check_room(typed)) {
        out.lines.push_back(
            {style::error, "! Not a room: #" + proto::printable(typed) + " (" + bad->reason + ")"});
        return std::nullopt;
    }
    return typed;
}

void session_core::sync_rooms(actions& out) {
    const std::vector<std::string> rooms = chat_.rooms();
    for (auto it = subscribed_rooms_.begin(); it != subscribed_rooms_.end();) {
        if (std::find(rooms.begin(), rooms.end(), *it) == rooms.end()) {
            out.unsubscribe.push_back(proto::chat_topic(*it));
            out.unsubscribe.push_back(proto::presence_topic(*it));
            it = subscribed_rooms_.erase(it);
        } else {
            ++it;
        }
    }
    for (const std::string& room : rooms)
        if (subscribed_rooms_.insert(room).second) {
            out.subscribe.push_back(proto::chat_topic(room));
            out.subscribe.push_back(proto::presence_topic(room));
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
    if (chat_.state() == link::joined && !dropped_at_)
        dropped_at_ = now;
}

bool session_core::sends_waiting() const {
    return !typed_.empty() || !chat_.joins_due().empty() || chat_.fetches_due() > 0;
}

void session_core::send_typed(clock::time_point now, actions& out) {
    const auto& limits = chat_.session();
    while (sends_waiting() && pace_.take(now)) {
        // A room is joined before anything typed after the /join is said in it, but not before
        // a PART of it typed earlier: the broker must see them in the order typed.
        const auto joins = chat_.joins_due();
        const auto join = std::find_if(joins.begin(), joins.end(), [&](const std::string& room) {
            return std::none_of(typed_.begin(), typed_.end(), [&](const typed_command& t) {
                return t.kind == pipe_kind::part && t.room == room;
            });
        });
        if (join != joins.end()) {
            send(chat_.join(*join), now, out);
            continue;
        }
        // History and gap fill before what was typed, so that a room's lines show soon.
        if (chat_.fetches_due() > 0) {
            send(chat_.next_fetch(now), now, out);
            continue;
        }
        if (typed_.empty())
            break;
        typed_command m = std::move(typed_.front());
        typed_.pop_front();
        if (m.kind == pipe_kind::who) {
            send(chat_.ask_roster(m.room), now, out);
        } else if (m.kind == pipe_kind::rooms) {
            send(chat_.ask_rooms(), now, out);
        } else if (m.kind == pipe_kind::part) {
            send(chat_.part(m.room), now, out);
        } else if (auto bad = proto::check_text(m.text, limits.max_text_bytes)) {
            out.lines.push_back({style::error, "! Not sent: " + bad->reason});
            ++refused_locally_;
            if (m.typed_id != 0)
                refused_here_.push_back(m.typed_id);
        } else if (m.kind == pipe_kind::msg) {
            send(chat_.compose_private(m.to, std::move(m.text), m.typed_id), now, out);
        } else {
            send(chat_.compose(m.room, std::move(m.text),
                               m.kind == pipe_kind::act ? proto::line_kind::action
                                                        : proto::line_kind::text,
                               m.typed_id),
                 now, out);
        }
        // A script paced by the rate limit is making progress: the wait for the broker's
        // answers counts from the last line sent. A quit promised to wait no longer than the
        // timeout, and does not.
        if (drain_deadline_ && !quitting_)
            drain_deadline_ = now + settings_.drain_timeout;
    }
}

void session_core::send(const proto::command& c, clock::time_point now, actions& out) {
    out.commands.push_back(c);
    chat_.sent(now);
}

void session_core::end(int exit_code, actions& out) {
    over_ = true;
    out.exit_code = exit_code;
}

void session_core::tick(clock::time_point now, actions& out) {
    if (over_)
        return;
    switch (chat_.state()) {
    case link::ended:
        end(runtime::exit_failure, out);
        return;
    case link::lost:
        begin_attempt(now, out);
        break;
    case link::joining:
        if (!chat_.welcomed() && now - attempt_started_ >= attempt_window()) {
            if (!chat_.ever_joined()) {
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
        } else if (chat_.welcomed() && now - welcomed_at_ >= settings_.join_timeout) {
            if (!chat_.ever_joined()) {
                out.lines.push_back(
                    {style::error, "! The chat server at " + settings_.router_endpoint +
                                       " answered, but no events arrive from " +
                                       settings_.sub_endpoint +
                                       ": the subscriber connection was never confirmed "
                                       "(check --sub)"});
                send(proto::bye{chat_.secret()}, now, out);
                end(runtime::exit_failure, out);
                return;
            }
            begin_attempt(now, out);
        }
        break;
    case link::joined:
        if (now - last_heard_ >= chat_.silence_limit() || (dropped_at_ && now >= drop_deadline())) {
            chat_.connection_lost(out.lines);
            begin_attempt(now, out);
        } else {
            chat_.expire_fetches(now, out.lines);
        }
        break;
    }
    if (chat_.joined() && sends_waiting())
        send_typed(now, out);
    if (input_ended_) {
        check_drain(now, out);
        if (over_)
            return;
    }
    if (chat_.ping_due(now) && pace_.take(now))
        send(chat_.ping(), now, out);
}

std::vector<std::uint32_t> session_core::take_settled() {
    std::vector<std::uint32_t> settled = std::exchange(refused_here_, {});
    const std::vector<std::uint32_t> by_broker = chat_.take_settled();
    settled.insert(settled.end(), by_broker.begin(), by_broker.end());
    return settled;
}

std::size_t session_core::unconfirmed_lines() const {
    const auto typed_lines = std::count_if(typed_.begin(), typed_.end(), [](const auto& t) {
        return t.kind == pipe_kind::say || t.kind == pipe_kind::act || t.kind == pipe_kind::msg;
    });
    return static_cast<std::size_t>(typed_lines) + chat_.unacknowledged();
}

void session_core::leave_now(clock::time_point now, actions& out) {
    if (chat_.welcomed())
        send(proto::bye{chat_.secret()}, now, out);
    const std::size_t unconfirmed = unconfirmed_lines();
    const std::size_t undelivered = chat_.undelivered() + refused_locally_;
    if (unconfirmed > 0)
        out.lines.push_back({style::error, "! " + std::to_string(unconfirmed) +
                                               " line(s) not confirmed by the chat server; they "
                                               "may not have been delivered"});
    if (undelivered > 0)
        out.lines.push_back(
            {style::error, "! " + std::to_string(undelivered) + " line(s) were not delivered"});
    end(unconfirmed + undelivered > 0 ? runtime::exit_failure : runtime::exit_ok, out);
}

void session_core::check_drain(clock::time_point now, actions& out) {
    // Everything answered, so no line is unconfirmed: leaving reports only the undelivered.
    if (chat_.joined() && !sends_waiting() && chat_.unanswered() == 0) {
        leave_now(now, out);
        return;
    }
    if (drain_deadline_ && now >= *drain_deadline_) {
        const std::size_t undelivered = chat_.undelivered() + refused_locally_;
        // Lines lost with a connection count among the undelivered: they too may or may not
        // have arrived. With none of either, only an answer to a WHO, JOIN or FETCH is missing.
        const std::size_t unsure = unconfirmed_lines() + undelivered;
        if (unsure > 0)
            out.lines.push_back({style::error, "! " + std::to_string(unsure) +
                                                   " line(s) not confirmed by the chat server "
                                                   "within " +
                                                   seconds(settings_.drain_timeout) +
                                                   "; they may not have been delivered"});
        if (chat_.joined())
            send(proto::bye{chat_.secret()}, now, out);
        end(unsure > 0 ? runtime::exit_failure : runtime::exit_ok, out);
    }
}

session_core::clock::time_point session_core::next_deadline(clock::time_point now) const {
    clock::time_point next = clock::time_point::max();
    switch (chat_.state()) {
    case link::ended:
    case link::lost:
        return now;
    case link::joining:
        next = chat_.welcomed() ? welcomed_at_ + settings_.join_timeout
                                : attempt_started_ + attempt_window();
        break;
    case link::joined:
        next = last_heard_ + chat_.silence_limit();
        if (dropped_at_)
            next = std::min(next, drop_deadline());
        if (sends_waiting())
            next = std::min(next, pace_.next_token(now));
        if (const auto fetch = chat_.fetch_deadline())
            next = std::min(next, *fetch);
        break;
    }
    if (const auto ping = chat_.ping_due_at())
        next = std::min(next, *ping);
    if (drain_deadline_)
        next = std::min(next, *drain_deadline_);
    return next;
}

std::chrono::milliseconds session_core::attempt_window() const {
    return chat_.ever_joined() ? retry_ : settings_.connect_timeout;
}

session_core::clock::time_point session_core::drop_deadline() const {
    // Long enough for a SHUTDOWN published just before the connection closed to arrive.
    return *dropped_at_ + std::min(chat_.heartbeat_interval(), std::chrono::milliseconds(200));
}

} // namespace zchat::client
