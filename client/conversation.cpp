#include "client/conversation.hpp"

#include "proto/codec.hpp"
#include "proto/printable.hpp"
#include "proto/wording.hpp"

#include <cassert>
#include <type_traits>

namespace zchat::client {
namespace {

bool sequenced(const proto::event& e) {
    return std::holds_alternative<proto::line>(e) || std::holds_alternative<proto::joined>(e) ||
           std::holds_alternative<proto::left>(e);
}

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

void conversation::welcome(const proto::welcome& w) {
    resumed_ = session_ && session_->session_id == w.session_id && session_->epoch == w.epoch;
    session_ = w;
    welcomed_ = true;
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
    proto::say m{session_->secret, id, text};
    unacknowledged_.emplace(id, std::move(text));
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
    track_sequence(e, out);
    const std::uint64_t me = session_->session_id;
    const bool joined = state_ == link::joined;
    std::visit(
        [&](const auto& ev) {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, proto::joined>) {
                if (ev.session_id == me && state_ == link::joining && !resumed_)
                    joined_now(ev.online, out);
                else if (joined && ev.session_id != me)
                    out.push_back({style::presence, proto::entered_line(ev.name, ev.online)});
            } else if constexpr (std::is_same_v<T, proto::left>) {
                if (joined && ev.session_id == me)
                    lose("The chat server ended this session (" +
                             std::string{ev.reason == proto::leave_reason::timed_out
                                             ? "timed out"
                                             : "reason " +
                                                   std::to_string(static_cast<int>(ev.reason))} +
                             ")",
                         out);
                else if (joined)
                    out.push_back(
                        {style::presence, proto::left_line(ev.name, ev.online, ev.reason)});
            } else if constexpr (std::is_same_v<T, proto::line>) {
                // Our own lines are printed as "[You] ..." when the broker acknowledges them.
                if (joined && ev.session_id != me)
                    out.push_back({style::chat, proto::chat_line(ev.sender, ev.text)});
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
        const auto it = unacknowledged_.find(a->message_id);
        if (it != unacknowledged_.end()) {
            out.push_back({style::own, "[You] " + proto::printable(it->second)});
            unacknowledged_.erase(it);
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
            out.push_back({style::error, "! Disconnected: " + error_text(*e)});
            state_ = link::ended;
            break;
        default:
            out.push_back({style::error, std::string{e->message_id != 0 ? "! Not sent: " : "! "} +
                                             error_text(*e)});
        }
    } else if (const auto* list = std::get_if<proto::roster>(&r)) {
        if (rosters_asked_ > 0)
            --rosters_asked_;
        std::string text = "Online (" + std::to_string(list->names.size()) + "):";
        for (std::size_t i = 0; i < list->names.size(); ++i)
            text += (i == 0 ? " " : ", ") + proto::printable(list->names[i]);
        out.push_back({style::notice, text});
    }
}

void conversation::connection_lost(std::vector<printed>& out) {
    lose("Connection to the chat server lost", out);
}

void conversation::joined_now(std::size_t online, std::vector<printed>& out) {
    state_ = link::joined;
    out.push_back({style::presence, proto::connected_line(online, ever_joined_)});
    ever_joined_ = true;
}

void conversation::lose(std::string why, std::vector<printed>& out) {
    if (state_ == link::lost || state_ == link::ended)
        return;
    state_ = link::lost;
    welcomed_ = false;
    out.push_back({style::error, "! " + why + "; reconnecting..."});
    for (const auto& [id, text] : unacknowledged_)
        out.push_back({style::error, "! Not confirmed before the connection was lost, so it may "
                                     "not have been delivered: " +
                                         proto::printable(text)});
    undelivered_ += unacknowledged_.size();
    unacknowledged_.clear();
    rosters_asked_ = 0;
}

void conversation::track_sequence(const proto::event& e, std::vector<printed>& out) {
    const auto [epoch, seq] = std::visit(
        [](const auto& ev) {
            return std::pair{ev.epoch, ev.seq};
        },
        e);
    // A new epoch is a restarted broker, not a gap: counting starts again from what it says.
    if (epoch_ != epoch) {
        epoch_ = epoch;
        last_seq_ = seq;
        return;
    }
    // A sequenced event should be the next number; the others repeat the latest one.
    const std::uint64_t expected = sequenced(e) ? last_seq_ + 1 : last_seq_;
    if (seq > expected) {
        const std::uint64_t missed = seq - expected;
        out.push_back({style::error, "! Missed " + std::to_string(missed) +
                                         (missed == 1 ? " event" : " events") +
                                         " from the chat server"});
    }
    if (seq > last_seq_)
        last_seq_ = seq;
}

} // namespace zchat::client
