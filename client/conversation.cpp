#include "client/conversation.hpp"

#include "proto/defaults.hpp"
#include "proto/printable.hpp"
#include "proto/wording.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <type_traits>
#include <utility>

namespace zchat::client {
namespace {

std::string error_text(const proto::error& e) {
    return proto::printable(e.reason) + " (" + std::string{proto::error_name(e.code)} + ")";
}

} // namespace

conversation::conversation(std::string room, narration n, catch_up c)
    : narrating_(n == narration::on), catch_up_(c) {
    rooms_.emplace_back().name = std::move(room);
}

void conversation::start_attempt() {
    welcomed_ = false;
    resumed_ = false;
    if (state_ != link::ended)
        state_ = link::joining;
}

bool mentions(std::string_view text, std::string_view name) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    // Letters, digits and the characters names are made of continue a word; anything else
    // (spaces, punctuation, '@') ends one. Bytes of multibyte characters continue a word.
    const auto in_word = [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return std::isalnum(u) || c == '_' || c == '-' || u >= 0x80;
    };
    if (name.empty() || text.size() < name.size())
        return false;
    for (std::size_t at = 0; at + name.size() <= text.size(); ++at) {
        if (!std::equal(name.begin(), name.end(), text.begin() + static_cast<std::ptrdiff_t>(at),
                        [&](char a, char b) { return lower(a) == lower(b); }))
            continue;
        const std::size_t end = at + name.size();
        if ((at == 0 || !in_word(text[at - 1])) && (end == text.size() || !in_word(text[end])))
            return true;
    }
    return false;
}

std::string_view conversation::status() const {
    switch (state_) {
    case link::joining:
        return ever_joined_ ? "reconnecting" : "connecting";
    case link::lost:
        return "reconnecting";
    case link::joined:
    case link::ended:
        return "";
    }
    return "";
}

bool conversation::welcome(const proto::welcome& w) {
    if (welcomed_ || state_ != link::joining)
        return false;
    resumed_ = session_ && session_->session_id == w.session_id && session_->epoch == w.epoch;
    session_ = w;
    welcomed_ = true;
    for (room_view& r : rooms_) {
        if (!resumed_) {
            // A new session is in no room yet: the HELLO's room is entered once the SUB is
            // confirmed, the others are joined again after that.
            r.entered = false;
            r.join_due = r.name != w.room;
        } else if (!r.entered) {
            // A JOIN sent on the old connection may never have arrived; a second one is harmless.
            r.join_due = true;
        }
        r.join_sent = false;
    }
    return true;
}

std::optional<proto::resume_ticket> conversation::ticket() const {
    if (!session_)
        return std::nullopt;
    return proto::resume_ticket{session_->session_id, session_->secret};
}

std::vector<std::string> conversation::rooms() const {
    std::vector<std::string> names;
    for (const room_view& r : rooms_)
        names.push_back(r.name);
    return names;
}

conversation::room_view* conversation::find(std::string_view room) {
    const auto it = std::find_if(rooms_.begin(), rooms_.end(),
                                 [&](const room_view& r) { return r.name == room; });
    return it == rooms_.end() ? nullptr : &*it;
}

const conversation::room_view* conversation::find(std::string_view room) const {
    return const_cast<conversation*>(this)->find(room);
}

void conversation::open_room(const std::string& room, std::vector<printed>& out) {
    const auto it = std::find_if(rooms_.begin(), rooms_.end(),
                                 [&](const room_view& r) { return r.name == room; });
    if (it != rooms_.end()) {
        std::rotate(it, std::next(it), rooms_.end());
        tell(out, style::notice, [&] { return "> Talking in #" + room + " now"; });
        return;
    }
    room_view& r = rooms_.emplace_back();
    r.name = room;
    r.join_due = true;
}

bool conversation::close_room(std::string_view room) {
    assert(rooms_.size() > 1);
    const auto it = std::find_if(rooms_.begin(), rooms_.end(),
                                 [&](const room_view& r) { return r.name == room; });
    if (it == rooms_.end())
        return false;
    const bool broker_knows = it->entered || it->join_sent;
    rooms_.erase(it);
    return broker_knows;
}

std::vector<std::string> conversation::joins_due() const {
    std::vector<std::string> names;
    for (const room_view& r : rooms_)
        if (r.join_due)
            names.push_back(r.name);
    return names;
}

std::optional<proto::ready> conversation::answer(const proto::probe& p, std::vector<printed>& out) {
    if (!welcomed_ || state_ != link::joining || p.session_id != session_->session_id)
        return std::nullopt;
    if (resumed_)
        joined_now(session_->online, out);
    return proto::ready{session_->secret};
}

proto::say conversation::compose(const std::string& room, std::string text, proto::line_kind kind,
                                 std::uint32_t typed_id) {
    assert(welcomed_);
    const std::uint64_t id = next_message_id_++;
    proto::say m{session_->secret, room, id, std::move(text), kind};
    unacknowledged_.emplace(id,
                            said{room, narrating_ ? m.text : std::string{}, {}, kind, typed_id});
    return m;
}

proto::private_say conversation::compose_private(const std::string& to, std::string text,
                                                 std::uint32_t typed_id) {
    assert(welcomed_);
    const std::uint64_t id = next_message_id_++;
    proto::private_say m{session_->secret, to, id, std::move(text)};
    unacknowledged_.emplace(
        id, said{{}, narrating_ ? m.text : std::string{}, to, proto::line_kind::text, typed_id});
    return m;
}

conversation::unacknowledged_lines::iterator
conversation::settle(unacknowledged_lines::iterator it) {
    if (it->second.typed_id != 0)
        settled_.push_back(it->second.typed_id);
    return unacknowledged_.erase(it);
}

proto::who conversation::ask_roster(const std::string& room) {
    assert(welcomed_);
    ++lists_asked_;
    return proto::who{session_->secret, room};
}

proto::list_rooms conversation::ask_rooms() {
    assert(welcomed_);
    ++lists_asked_;
    return proto::list_rooms{session_->secret};
}

proto::join conversation::join(const std::string& room) {
    assert(welcomed_);
    if (room_view* r = find(room)) {
        r->join_due = false;
        r->join_sent = true;
    }
    return proto::join{session_->secret, room};
}

std::size_t conversation::unanswered() const {
    const auto joins = std::count_if(rooms_.begin(), rooms_.end(),
                                     [](const room_view& r) { return r.join_sent && !r.entered; });
    std::size_t fetches = 0;
    for (const room_view& r : rooms_)
        for (const queued& q : r.waiting)
            if (const auto* a = std::get_if<awaited_range>(&q); a && !a->answered)
                ++fetches;
    return unacknowledged_.size() + lists_asked_ + static_cast<std::size_t>(joins) + fetches;
}

std::string conversation::prefix(std::string_view room) const {
    if (rooms_.size() < 2 && has_room(room))
        return {};
    return "#" + proto::printable(room) + " ";
}

void conversation::entered(room_view& r, std::uint64_t epoch, std::uint64_t roster_version,
                           std::uint64_t chat_seq, std::uint32_t online,
                           std::vector<printed>& out) {
    r.entered = true;
    // Who came and went while we were not in the room is not lost: the entry's count says who is
    // here now. The presence is followed afresh from our entry; the chat is not (below).
    r.presence = {};
    r.presence.follow(epoch, roster_version, true);
    r.join_due = false;
    r.join_sent = false;
    // LINEs numbered above chat_seq came after the entry: follow the chat from there. Those up
    // to it are the room's history, if this is a room we were not following.
    using verdict = proto::sequence_verdict::kind;
    // Ranges a lost session was fetching are asked again, unless the broker or the room began
    // numbering again since: then what they name is gone. Checked by their own numbers, since
    // a LINE of the new run may have reached the room's tracker before the session was lost.
    const bool numbering_began_again = settle_stale_fetches(r, epoch, chat_seq);
    const verdict v = track(r, r.chat, epoch, chat_seq, false, out).what;
    const std::uint64_t generation_start = proto::room_generation(chat_seq)
                                           << proto::room_generation_shift;
    if (catch_up_.history_lines > 0 && chat_seq > generation_start &&
        (v == verdict::first || v == verdict::restart || v == verdict::reopened)) {
        const std::uint64_t count =
            std::min<std::uint64_t>(chat_seq - generation_start, catch_up_.history_lines);
        await(r, epoch, chat_seq - count + 1, chat_seq, true);
    }
    if (state_ == link::joining && !resumed_ && r.name == session_->room)
        joined_now(online, out);
    else if (state_ == link::joined)
        tell(out, style::presence, [&] { return proto::joined_room_line(r.name, online); });
    if (numbering_began_again)
        show_waiting(r, out);
}

void conversation::on_event(const proto::event& e, std::vector<printed>& out) {
    if (!welcomed_)
        return;
    const std::uint64_t me = session_->session_id;
    std::visit(
        [&](const auto& ev) {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, proto::heartbeat>) {
                if (state_ == link::joined && ev.epoch != session_->epoch) {
                    lose("The chat server restarted", out, history::gone);
                    return;
                }
                // A room's latest numbers: anything up to them that did not come was lost.
                for (const proto::room_head& head : ev.heads)
                    if (room_view* r = find(head.room); r && r->entered) {
                        track(*r, r->chat, ev.epoch, head.seq, false, out);
                        track(*r, r->presence, ev.epoch, head.roster_version, false, out);
                    }
            } else if constexpr (std::is_same_v<T, proto::shutdown>) {
                if (state_ != link::lost && state_ != link::ended)
                    lose("The chat server shut down", out, history::gone);
            } else if constexpr (std::is_same_v<T, proto::joined>) {
                room_view* r = find(ev.room);
                if (!r)
                    return;
                if (ev.session_id == me && !r->entered) {
                    entered(*r, ev.epoch, ev.seq, ev.chat_seq, ev.online, out);
                } else if (r->entered) {
                    track(*r, r->presence, ev.epoch, ev.seq, true, out);
                    if (state_ == link::joined && ev.session_id != me)
                        tell(out, style::presence, [&] {
                            return prefix(ev.room) + proto::entered_line(ev.name, ev.online);
                        });
                }
            } else if constexpr (std::is_same_v<T, proto::left>) {
                room_view* r = find(ev.room);
                if (!r || !r->entered)
                    return;
                track(*r, r->presence, ev.epoch, ev.seq, true, out);
                // Our own PART of an earlier stay in a room we have since entered again: it ends
                // nothing, and the user was told when the room was closed.
                if (state_ != link::joined ||
                    (ev.session_id == me && ev.reason == proto::leave_reason::parted))
                    return;
                if (ev.session_id == me)
                    lose("The chat server ended this session (" +
                             std::string{proto::reason_words(ev.reason)} + ")",
                         out);
                else
                    tell(out, style::presence, [&] {
                        return prefix(ev.room) + proto::left_line(ev.name, ev.online, ev.reason);
                    });
            } else if constexpr (std::is_same_v<T, proto::line>) {
                room_view* r = find(ev.room);
                if (!r || !r->entered)
                    return;
                // A number already seen is a line already shown, or one our entry's history
                // shows: a LINE said before our JOIN that the SUB delivers after its reply.
                if (track(*r, r->chat, ev.epoch, ev.seq, true, out).what ==
                    proto::sequence_verdict::kind::backwards)
                    return;
                show_line(*r, ev, out);
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
                tell(out, style::own, [&] {
                    // A private message is no room's: it takes no prefix.
                    if (!it->second.to.empty())
                        return proto::private_line_to(it->second.to, it->second.text);
                    // An action reads the same to its sender as to everyone else.
                    if (it->second.kind == proto::line_kind::action)
                        return prefix(it->second.room) + proto::chat_line(session_->name,
                                                                          it->second.text,
                                                                          proto::line_kind::action);
                    return prefix(it->second.room) + "[You] " + proto::printable(it->second.text);
                });
                it = settle(it);
            }
        }
    } else if (const auto* e = std::get_if<proto::error>(&r)) {
        const auto it = unacknowledged_.find(e->message_id);
        // A line refused for want of a session stays unacknowledged, so that losing the session
        // below names it with the others that may not have been delivered.
        if (e->message_id != 0 && it != unacknowledged_.end() &&
            e->code != proto::error_code::not_joined) {
            settle(it);
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
        case proto::error_code::too_many_rooms: {
            // A JOIN refused: the oldest unanswered one, since the broker answers in order.
            const auto refused = std::find_if(rooms_.begin(), rooms_.end(), [](const room_view& v) {
                return v.join_sent && !v.entered;
            });
            if (refused != rooms_.end() && rooms_.size() > 1) {
                tell(out, style::error,
                     [&] { return "! Cannot join #" + refused->name + ": " + error_text(*e); });
                rooms_.erase(refused);
            } else {
                tell(out, style::error,
                     [&] { return "! Cannot join the chat: " + error_text(*e); });
                state_ = link::ended;
            }
            break;
        }
        default:
            tell(out, style::error, [&] {
                return std::string{e->message_id != 0 ? "! Not sent: " : "! "} + error_text(*e);
            });
        }
    } else if (const auto* list = std::get_if<proto::roster>(&r)) {
        if (lists_asked_ > 0)
            --lists_asked_;
        tell(out, style::notice, [&] {
            std::string text =
                prefix(list->room) + "Online (" + std::to_string(list->names.size()) + "):";
            for (std::size_t i = 0; i < list->names.size(); ++i)
                text += (i == 0 ? " " : ", ") + proto::printable(list->names[i]);
            return text;
        });
    } else if (const auto* rooms = std::get_if<proto::room_list>(&r)) {
        if (lists_asked_ > 0)
            --lists_asked_;
        // One line per room, "#dev 2", for scripts to read.
        for (const proto::room_size& room : rooms->rooms)
            tell(out, style::notice, [&] {
                return "#" + proto::printable(room.room) + " " + std::to_string(room.members);
            });
    } else if (const auto* h = std::get_if<proto::history>(&r)) {
        on_history(*h, out);
    } else if (const auto* p = std::get_if<proto::private_line>(&r)) {
        tell_said(out, style::chat, p->from, true,
                  [&] { return proto::private_line_from(p->from, p->text); });
    } else if (const auto* entry = std::get_if<proto::room_entered>(&r)) {
        // For a client that does not see its own JOIN (a SUB without the presence topic), or
        // sees this first. Its roster version is our JOIN's own number.
        if (room_view* v = find(entry->room); v && !v->entered && welcomed_) {
            entered(*v, session_->epoch, entry->roster_version, entry->seq, entry->online, out);
        }
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

void conversation::lose(std::string why, std::vector<printed>& out, history h) {
    if (state_ == link::lost || state_ == link::ended)
        return;
    if (h == history::gone)
        // What the old session was waiting for will not come: show what did, in order.
        give_up_fetches(out);
    else
        // The broker still holds the rooms' history: the next session asks again for what this
        // one was waiting for (an answer sent to the old connection is lost with it).
        for (room_view& r : rooms_)
            for (queued& q : r.waiting)
                if (auto* a = std::get_if<awaited_range>(&q); a && !a->answered)
                    a->sent = false;
    state_ = link::lost;
    welcomed_ = false;
    tell(out, style::error, [&] { return "! " + why + "; reconnecting..."; });
    for (const auto& [id, line] : unacknowledged_)
        tell(out, style::error, [&text = line.text] {
            return "! Not confirmed before the connection was lost, so it may not have been "
                   "delivered: " +
                   proto::printable(text);
        });
    undelivered_ += unacknowledged_.size();
    for (auto it = unacknowledged_.begin(); it != unacknowledged_.end();)
        it = settle(it);
    lists_asked_ = 0;
}

void conversation::follow(const proto::event_header& h, std::vector<printed>& out) {
    if (!welcomed_ || !proto::sequenced(h.kind))
        return;
    room_view* r = find(h.room);
    if (!r || !r->entered)
        return;
    track(*r, h.kind == proto::event_kind::line ? r->chat : r->presence, h.epoch, h.seq, true, out);
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

proto::ping conversation::ping() const {
    proto::ping p{session_->secret, {}};
    for (const room_view& r : rooms_)
        if (r.entered)
            p.positions.push_back({r.name, r.chat.latest()});
    return p;
}

proto::sequence_verdict conversation::track(room_view& r, proto::sequence_tracker& sequence,
                                            std::uint64_t epoch, std::uint64_t seq, bool sequenced,
                                            std::vector<printed>& out) {
    // A restarted broker is a new run, not a gap; a number already seen is not news.
    const proto::sequence_verdict verdict = sequence.follow(epoch, seq, sequenced);
    if (verdict.missed() == 0)
        return verdict;
    // Lost lines may still be in the room's history; lost JOINs and LEAVEs are not.
    if (&sequence == &r.chat && catch_up_.fill_gaps && welcomed_)
        await(r, epoch, verdict.first_missed, verdict.last_missed, false);
    else
        report_missed(r, verdict.missed(), out);
    return verdict;
}

void conversation::report_missed(const room_view& r, std::uint64_t missed,
                                 std::vector<printed>& out) {
    missed_ += missed;
    tell(out, style::error, [&] {
        return prefix(r.name) + "! Missed " + std::to_string(missed) +
               (missed == 1 ? " event" : " events") + " from the chat server";
    });
}

void conversation::await(room_view& r, std::uint64_t epoch, std::uint64_t first, std::uint64_t last,
                         bool earlier) {
    r.waiting.emplace_back(awaited_range{epoch, first, last, earlier, false, false, {}, {}});
}

std::size_t conversation::fetches_due() const {
    std::size_t due = 0;
    if (welcomed_)
        for (const room_view& r : rooms_)
            if (r.entered)
                for (const queued& q : r.waiting)
                    if (const auto* a = std::get_if<awaited_range>(&q); a && !a->sent)
                        ++due;
    return due;
}

proto::fetch conversation::next_fetch(clock::time_point now) {
    assert(welcomed_);
    for (room_view& r : rooms_)
        for (queued& q : r.waiting)
            if (auto* a = std::get_if<awaited_range>(&q); a && !a->sent && r.entered) {
                a->sent = true;
                a->sent_at = now;
                return proto::fetch{session_->secret, r.name, a->first, a->last};
            }
    assert(false && "next_fetch without a fetch due");
    return {};
}

std::optional<conversation::clock::time_point> conversation::fetch_deadline() const {
    std::optional<clock::time_point> deadline;
    for (const room_view& r : rooms_)
        for (const queued& q : r.waiting)
            if (const auto* a = std::get_if<awaited_range>(&q); a && a->sent && !a->answered) {
                const auto due = a->sent_at + silence_limit();
                deadline = deadline ? std::min(*deadline, due) : due;
            }
    return deadline;
}

void conversation::expire_fetches(clock::time_point now, std::vector<printed>& out) {
    for (room_view& r : rooms_) {
        bool expired = false;
        for (queued& q : r.waiting)
            if (auto* a = std::get_if<awaited_range>(&q);
                a && a->sent && !a->answered && now >= a->sent_at + silence_limit()) {
                a->answered = true;
                expired = true;
            }
        if (expired)
            show_waiting(r, out);
    }
}

bool conversation::settle_stale_fetches(room_view& r, std::uint64_t epoch, std::uint64_t chat_seq) {
    bool settled = false;
    for (queued& q : r.waiting)
        if (auto* a = std::get_if<awaited_range>(&q);
            a && !a->answered &&
            (a->epoch != epoch ||
             proto::room_generation(a->first) != proto::room_generation(chat_seq))) {
            a->answered = true;
            settled = true;
        }
    return settled;
}

void conversation::give_up_fetches(std::vector<printed>& out) {
    for (room_view& r : rooms_) {
        for (queued& q : r.waiting)
            if (auto* a = std::get_if<awaited_range>(&q))
                a->answered = true;
        show_waiting(r, out);
    }
}

void conversation::on_history(const proto::history& h, std::vector<printed>& out) {
    room_view* r = find(h.room);
    if (!r)
        return; // a room closed since: nothing of it is shown any more
    for (queued& q : r->waiting)
        if (auto* a = std::get_if<awaited_range>(&q);
            a && a->sent && !a->answered && a->first == h.first && a->last == h.last) {
            // Only lines of the range asked for, in order: a broker cannot make us show more.
            for (const proto::history_line& line : h.lines)
                if (line.seq >= a->first && line.seq <= a->last &&
                    (a->lines.empty() || line.seq > a->lines.back().seq))
                    a->lines.push_back(line);
            a->answered = h.more == 0;
            show_waiting(*r, out);
            return;
        }
}

void conversation::show_line(room_view& r, const proto::line& l, std::vector<printed>& out) {
    if (r.waiting.empty())
        show_live(r, l, out);
    else
        r.waiting.emplace_back(l);
}

void conversation::show_waiting(room_view& r, std::vector<printed>& out) {
    while (!r.waiting.empty()) {
        const queued& front = r.waiting.front();
        if (const auto* l = std::get_if<proto::line>(&front)) {
            show_live(r, *l, out);
        } else {
            const auto& a = std::get<awaited_range>(front);
            if (!a.answered)
                return;
            show_range(r, a, out);
        }
        r.waiting.pop_front();
    }
}

void conversation::show_live(const room_view& r, const proto::line& l, std::vector<printed>& out) {
    // Our own lines are printed as "[You] ..." when the broker acknowledges them.
    if (state_ == link::joined && l.session_id != session_->session_id)
        tell_said(out, style::chat, l.sender, mentions_me(l.text),
                  [&] { return prefix(r.name) + proto::chat_line(l.sender, l.text, l.kind); });
}

void conversation::show_range(const room_view& r, const awaited_range& a,
                              std::vector<printed>& out) {
    if (a.earlier) {
        // Marked, so that no earlier line reads the same as a live one.
        for (const proto::history_line& l : a.lines)
            tell_said(
                out, style::history, l.sender, false,
                [&] { return prefix(r.name) + "~ " + proto::chat_line(l.sender, l.text, l.kind); },
                std::chrono::milliseconds{l.age_ms});
        return;
    }
    // The history keeps a room's latest lines, so those it no longer had are the oldest.
    const std::uint64_t wanted = a.last - a.first + 1;
    if (wanted > a.lines.size())
        report_missed(r, wanted - a.lines.size(), out);
    for (const proto::history_line& l : a.lines)
        if (state_ == link::joined && l.session_id != session_->session_id)
            tell_said(
                out, style::chat, l.sender, mentions_me(l.text),
                [&] { return prefix(r.name) + proto::chat_line(l.sender, l.text, l.kind); },
                std::chrono::milliseconds{l.age_ms});
}

} // namespace zchat::client
