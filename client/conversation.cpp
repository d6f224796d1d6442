#include "client/conversation.hpp"

#include "proto/codec.hpp"
#include "proto/printable.hpp"
#include "proto/wording.hpp"

#include <algorithm>
#include <cassert>
#include <type_traits>

namespace zchat::client {

void conversation::welcome(const proto::welcome& w) {
    session_ = w;
    joined_ = false;
}

std::optional<proto::ready> conversation::answer(const proto::probe& p) const {
    if (!session_ || joined_ || p.session_id != session_->session_id)
        return std::nullopt;
    return proto::ready{session_->secret, p.seq};
}

proto::say conversation::compose(std::string text) {
    assert(session_);
    const std::uint64_t id = next_message_id_++;
    proto::say m{session_->secret, id, text};
    unacknowledged_.emplace(id, std::move(text));
    return m;
}

proto::who conversation::ask_roster() {
    assert(session_);
    ++rosters_asked_;
    return proto::who{session_->secret};
}

void conversation::on_event(const proto::event& e, std::vector<printed>& out) {
    if (!session_)
        return;
    const std::uint64_t me = session_->session_id;
    last_seq_ = std::max(last_seq_, std::visit([](const auto& ev) { return ev.seq; }, e));
    std::visit(
        [&](const auto& ev) {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, proto::joined>) {
                if (ev.session_id == me && !joined_) {
                    joined_ = true;
                    out.push_back({style::presence, proto::connected_line(ev.online)});
                } else if (joined_ && ev.session_id != me) {
                    out.push_back({style::presence, proto::entered_line(ev.name, ev.online)});
                }
            } else if constexpr (std::is_same_v<T, proto::left>) {
                if (joined_ && ev.session_id != me)
                    out.push_back(
                        {style::presence, proto::left_line(ev.name, ev.online, ev.reason)});
            } else if constexpr (std::is_same_v<T, proto::line>) {
                // Our own lines are printed as "[You] ..." when the broker acknowledges them.
                if (joined_ && ev.session_id != me)
                    out.push_back({style::chat, proto::chat_line(ev.sender, ev.text)});
            } else if constexpr (std::is_same_v<T, proto::shutdown>) {
                out.push_back({style::error, "! The chat server shut down"});
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
        const bool about_a_line = e->message_id != 0 && it != unacknowledged_.end();
        if (about_a_line) {
            unacknowledged_.erase(it);
            ++refused_;
        }
        out.push_back({style::error, std::string{about_a_line ? "! Not sent: " : "! "} +
                                         proto::printable(e->reason) + " (" +
                                         std::string{proto::error_name(e->code)} + ")"});
    } else if (const auto* list = std::get_if<proto::roster>(&r)) {
        if (rosters_asked_ > 0)
            --rosters_asked_;
        std::string text = "Online (" + std::to_string(list->names.size()) + "):";
        for (std::size_t i = 0; i < list->names.size(); ++i)
            text += (i == 0 ? " " : ", ") + proto::printable(list->names[i]);
        out.push_back({style::notice, text});
    }
}

} // namespace zchat::client
