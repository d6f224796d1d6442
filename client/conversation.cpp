#include "client/conversation.hpp"

#include "proto/defaults.hpp"
#include "proto/printable.hpp"
#include "proto/wording.hpp"

#include <cassert>
#include <type_traits>
#include <utility>

namespace zchat::client {
namespace {

std::string error_text(const proto::error& e) {
    return proto::printable(e.reason) + " (" + std::string{proto::error_name(e.code)} + ")";
}

} // namespace

void conversation::start_attempt() {
    welcomed_ = false;
    resumed_ = false;
    if (state_ != link::ended)
        state_ = link::joining;
}

bool conversation::welcome(const proto::welcome& w) {
    if (welcomed_ || state_ != link::joining)
        return false;
    resumed_ = session_ && session_->session_id == w.session_id && session_->epoch == w.epoch;
    session_ = w;
    welcomed_ = true;
    return true;
}

std::optional<proto::resume_ticket> conversation::ticket() const {
    if (!session_)
        return std::nullopt;
    return proto::resume_ticket{session_->session_id, session_->secret};
}

std::optional<proto::ready> conversation::answer(const proto::probe& p, std::vector<printed>& out) {
    if (!welcomed_ || state_ != link::joining || p.session_id != session_->session_id)
        return std::nullopt;
    if (resumed_)
        joined_now(session_->online, out);
    return proto::ready{session_->secret, p.seq};
}

proto::say conversation::compose(std::string text) {
    assert(welcomed_);
    const std::uint64_t id = next_message_id_++;
    proto::say m{session_->secret, id, std::move(text)};
    // The text is kept only to be printed, on acknowledgement or as possibly undelivered.
    unacknowledged_.emplace(id, narrating_ ? m.text : std::string{});
    return m;
}

proto::who conversation::ask_roster() {
    assert(welcomed_);
    ++rosters_asked_;
    return proto::who{session_->secret};
}

void conversation::on_event(const proto::event& e, std::vector<printed>& out) {
    if (!welcomed_)
        return;
    std::visit(
        [&](const auto& ev) {
            track_sequence(ev.epoch, ev.seq, proto::sequenced(proto::event_kind_of(e)), out);
        },
        e);
    const std::uint64_t me = session_->session_id;
    const bool joined = state_ == link::joined;
    std::visit(
        [&](const auto& ev) {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, proto::joined>) {
                if (ev.session_id == me && state_ == link::joining && !resumed_)
                    joined_now(ev.online, out);
                else if (joined && ev.session_id != me)
                    tell(out, style::presence,
                         [&] { return proto::entered_line(ev.name, ev.online); });
            } else if constexpr (std::is_same_v<T, proto::left>) {
                if (joined && ev.session_id == me)
                    lose("The chat server ended this session (" +
                             std::string{proto::reason_words(ev.reason)} + ")",
                         out);
                else if (joined)
                    tell(out, style::presence,
                         [&] { return proto::left_line(ev.name, ev.online, ev.reason); });
            } else if constexpr (std::is_same_v<T, proto::line>) {
                // Our own lines are printed as "[You] ..." when the broker acknowledges them.
                if (joined && ev.session_id != me)
                    tell(out, style::chat, [&] { return proto::chat_line(ev.sender, ev.text); });
            } else if constexpr (std::is_same_v<T, proto::heartbeat>) {
                if (joined && ev.epoch != session_->epoch)
                    lose("The chat server restarted", out);
            } else if constexpr (std::is_same_v<T, proto::shutdown>) {
                if (state_ != link::lost && state_ != link::ended)
                    lose("The chat server shut down", out);
            }
        },
        e);
}

void conversation::on_reply(const proto::reply& r, std::vector<printed>& out) {
    if (const auto* a = std::get_if<proto::ack>(&r)) {
        const auto last = unacknowledged_.find(a->message_id);
        if (last != unacknowledged_.end()) {
            // An ACK of `count` confirms the count - 1 lines the broker accepted just before this
            // one too: the broker handles a session's SAYs in the order sent, and message ids
            // grow in that order, so they are the unacknowledged lines with the next lower ids.
            auto first = last;
            for (std::uint32_t n = 1; n < a->count && first != unacknowledged_.begin(); ++n)
                --first;
            const auto end = std::next(last);
            for (auto it = first; it != end;) {
                tell(out, style::own, [&] { return "[You] " + proto::printable(it->second); });
                it = unacknowledged_.erase(it);
            }
        }
    } else if (const auto* e = std::get_if<proto::error>(&r)) {
        const auto it = unacknowledged_.find(e->message_id);
        // A line refused for want of a session stays unacknowledged, so that losing the session
        // below names it with the others that may not have been delivered.
        if (e->message_id != 0 && it != unacknowledged_.end() &&
            e->code != proto::error_code::not_joined) {
            unacknowledged_.erase(it);
            ++undelivered_;
        }
        switch (e->code) {
        case proto::error_code::not_joined:
            lose("The chat server no longer knows this session", out);
            break;
        case proto::error_code::session_replaced:
        case proto::error_code::evicted:
            tell(out, style::error, [&] { return "! Disconnected: " + error_text(*e); });
            state_ = link::ended;
            break;
        default:
            tell(out, style::error, [&] {
                return std::string{e->message_id != 0 ? "! Not sent: " : "! "} + error_text(*e);
            });
        }
    } else if (const auto* list = std::get_if<proto::roster>(&r)) {
        if (rosters_asked_ > 0)
            --rosters_asked_;
        tell(out, style::notice, [&] {
            std::string text = "Online (" + std::to_string(list->names.size()) + "):";
            for (std::size_t i = 0; i < list->names.size(); ++i)
                text += (i == 0 ? " " : ", ") + proto::printable(list->names[i]);
            return text;
        });
    }
}

void conversation::connection_lost(std::vector<printed>& out) {
    lose("Connection to the chat server lost", out);
}

void conversation::joined_now(std::size_t online, std::vector<printed>& out) {
    state_ = link::joined;
    tell(out, style::presence, [&] { return proto::connected_line(online, ever_joined_); });
    ever_joined_ = true;
}

void conversation::lose(std::string why, std::vector<printed>& out) {
    if (state_ == link::lost || state_ == link::ended)
        return;
    state_ = link::lost;
    welcomed_ = false;
    tell(out, style::error, [&] { return "! " + why + "; reconnecting..."; });
    for (const auto& [id, text] : unacknowledged_)
        tell(out, style::error, [&] {
            return "! Not confirmed before the connection was lost, so it may not have been "
                   "delivered: " +
                   proto::printable(text);
        });
    undelivered_ += unacknowledged_.size();
    unacknowledged_.clear();
    rosters_asked_ = 0;
}

void conversation::follow(const proto::event_header& h, std::vector<printed>& out) {
    if (welcomed_)
        track_sequence(h.epoch, h.seq, proto::sequenced(h.kind), out);
}

std::chrono::milliseconds conversation::heartbeat_interval() const {
    // A broker announcing no interval still gets a heartbeat now and then.
    const std::uint32_t ms = session_->heartbeat_ms;
    return ms > 0 ? std::chrono::milliseconds(ms) : proto::default_heartbeat_interval;
}

std::chrono::milliseconds conversation::silence_limit() const {
    return proto::silence_limit(heartbeat_interval(), session_->liveness);
}

std::optional<conversation::clock::time_point> conversation::ping_due_at() const {
    if (!welcomed_)
        return std::nullopt;
    return last_sent_ + heartbeat_interval();
}

bool conversation::ping_due(clock::time_point now) const {
    const auto due = ping_due_at();
    return due && now >= *due;
}

void conversation::track_sequence(std::uint64_t epoch, std::uint64_t seq, bool sequenced,
                                  std::vector<printed>& out) {
    // A restarted broker is a new run, not a gap; a number already seen is not news.
    const std::uint64_t missed = sequence_.follow(epoch, seq, sequenced).missed();
    if (missed == 0)
        return;
    missed_ += missed;
    tell(out, style::error, [&] {
        return "! Missed " + std::to_string(missed) + (missed == 1 ? " event" : " events") +
               " from the chat server";
    });
}

} // namespace zchat::client
