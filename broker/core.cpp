#include "broker/core.hpp"

#include "broker/peer_key.hpp"
#include "proto/printable.hpp"
#include "proto/validate.hpp"
#include "proto/wording.hpp"

#include <algorithm>

namespace zchat::broker {
namespace {

// Why a session carried by a relay whose key was removed is not heard, or ends.
constexpr const char* relay_removed =
    "the relay that carries your commands was removed from the broker's allowlist";

// About how many bytes of lines one HISTORY reply carries (one longer line is sent alone).
constexpr std::size_t history_reply_bytes = 64 * 1024;

std::uint64_t frame_bytes(const proto::frame_list& frames) {
    std::uint64_t n = 0;
    for (const auto& f : frames)
        n += f.size();
    return n;
}

// The secret a command presents; HELLO, which asks for one, presents none.
const proto::session_secret* presented_secret(const proto::command& c) {
    return std::visit(
        [](const auto& m) -> const proto::session_secret* {
            if constexpr (requires { m.secret; })
                return &m.secret;
            else
                return nullptr;
        },
        c);
}

} // namespace

core::core(config cfg, std::uint64_t epoch, std::function<proto::session_secret()> make_secret)
    : cfg_(cfg), epoch_(epoch), make_secret_(std::move(make_secret)) {}

void core::handle(std::string_view peer, std::span<const std::string_view> frames, time_point now,
                  outbox& out, const credential& who) {
    now_ = now;
    const sender from{peer, who.key};
    for (const std::string_view f : frames)
        counters_.bytes_in += f.size();
    if (who.revoked || who.relay_revoked) {
        // The connection outlives its key's removal (a connection cannot be closed from here);
        // what it sends is not heard.
        refuse(from, proto::error_code::evicted,
               who.relay_revoked ? relay_removed
                                 : "your key was removed from the broker's allowlist",
               out);
        return;
    }
    if (who.refusal) {
        refuse(from, proto::error_code::malformed, who.refusal, out);
        return;
    }
    auto decoded = proto::decode_command(frames);
    if (const auto* bad = std::get_if<proto::decode_error>(&decoded)) {
        refuse(from, bad->code, bad->reason, out, 0,
               bad->code == proto::error_code::unsupported_version && proto::is_v1_message(frames));
        return;
    }
    const auto& command = std::get<proto::command>(decoded);
    if (const auto* hello = std::get_if<proto::hello>(&command)) {
        on_hello(peer, *hello, who, now, out);
        return;
    }

    // Every other command acts on the sender's own session, proven by the secret it was given.
    // An ERROR answering a SAY names it, so the sender knows which line was not delivered.
    const auto* say = std::get_if<proto::say>(&command);
    const auto* private_say = std::get_if<proto::private_say>(&command);
    const std::uint64_t message_id =
        say ? say->message_id : (private_say ? private_say->message_id : 0);
    session* s = sessions_.find_by_peer(peer);
    // A peer can choose its routing id, so a connection that looks like the session's own may
    // belong to another key: the key must be the one that joined.
    if (!s || s->secret != *presented_secret(command) || s->key != who.key) {
        if (!std::holds_alternative<proto::ping>(command))
            refuse(from, proto::error_code::not_joined, "you have not joined the chat", out,
                   message_id);
        // A heartbeat is answered only when the sender's session expired, so a client that
        // was paused learns it must join again; answering any peer would let strangers turn
        // the broker into an amplifier.
        else if (!s && recently_expired_.erase(std::string{peer}) > 0)
            refuse(from, proto::error_code::not_joined, "your session expired; join again", out);
        else {
            ++counters_.rejected[proto::error_code::not_joined]; // counted, never answered
            if (s) // the session's connection, with a wrong secret
                charge_error(*s, who.key, out);
        }
        return;
    }
    // Every message but READY and BYE (one each per connection) and PING (which keeps the
    // session and must never be refused for pacing) is charged to the session's rate; what is
    // over it is refused, and flooding on ends the session.
    const bool charged = !std::holds_alternative<proto::ready>(command) &&
                         !std::holds_alternative<proto::bye>(command) &&
                         !std::holds_alternative<proto::ping>(command);
    if (charged && !s->rate.take(now)) {
        over_rate(*s, message_id, out);
        return;
    }
    // Any message from a session is a sign of life.
    liveness_.heard(s->id, now);
    if (std::holds_alternative<proto::ready>(command)) {
        // Several probes may be in flight, so several READYs may come: the first one counts.
        if (!s->joined)
            on_ready(*s, now, out);
        else
            sessions_.confirm(*s);
        return;
    }
    if (const auto* ping = std::get_if<proto::ping>(&command)) {
        if (s->joined)
            check_lag(*s, ping->positions, now, out);
        return;
    }
    if (!s->joined) {
        // BYE during the handshake withdraws the join: nobody was told of it, so nobody is
        // told of its end, and the name is free again at once.
        if (std::holds_alternative<proto::bye>(command))
            sessions_.remove(s->id);
        else
            refuse(from, proto::error_code::not_joined, "your join is not complete yet", out,
                   message_id);
        return;
    }
    if (say)
        on_say(*s, *say, out);
    else if (const auto* w = std::get_if<proto::who>(&command))
        on_who(*s, *w, out);
    else if (const auto* j = std::get_if<proto::join>(&command))
        on_join(*s, *j, out);
    else if (const auto* p = std::get_if<proto::part>(&command))
        on_part(*s, *p, out);
    else if (std::holds_alternative<proto::list_rooms>(command))
        on_list_rooms(*s, out);
    else if (private_say)
        on_private_say(*s, *private_say, out);
    else if (const auto* f = std::get_if<proto::fetch>(&command))
        on_fetch(*s, *f, out);
    else
        end_session(*s, proto::leave_reason::quit, out);
}

void core::on_hello(std::string_view peer, const proto::hello& m, const credential& who,
                    time_point now, outbox& out) {
    const sender from{peer, who.key};
    // Checked first, so that neither a resume nor a fresh join gets round it.
    const std::string folded = proto::fold_name(m.name);
    if (!who.bound_name.empty() && folded != proto::fold_name(who.bound_name)) {
        refuse(from, proto::error_code::name_forbidden,
               "your key may only join as '" + std::string{who.bound_name} + "'", out);
        return;
    }
    if (who.bound_name.empty() && cfg_.bound_names.contains(folded)) {
        refuse(from, proto::error_code::name_forbidden,
               "the name '" + m.name + "' belongs to another key", out);
        return;
    }
    if (auto bad = proto::check_room(m.room)) {
        refuse(from, bad->code, bad->reason, out);
        return;
    }
    const session* own = sessions_.find_by_peer(peer);
    if (m.resume) {
        // A client back on a new connection takes its session over if it proves it is the same
        // client; a ticket this broker does not know (it restarted, or the session expired)
        // is a fresh join under the same name.
        session* s = sessions_.find_by_id(m.resume->session_id);
        if (s && s->joined && s->secret == m.resume->secret &&
            proto::fold_name(s->name) == folded && (!own || own == s)) {
            resume(*s, peer, now, out);
            s->relay_key = who.relay_key;
            welcome(*s, m.room, out);
            publish_probe(*s, now, out);
            return;
        }
    }
    if (own) {
        refuse(from, proto::error_code::already_joined, "this connection has already joined", out);
        return;
    }
    if (auto bad = proto::check_name(m.name, cfg_.max_name_chars)) {
        refuse(from, bad->code, bad->reason, out);
        return;
    }
    if (sessions_.name_taken(m.name)) {
        refuse(from, proto::error_code::name_taken, "the name '" + m.name + "' is already in use",
               out);
        return;
    }
    if (sessions_.size() >= cfg_.max_clients) {
        refuse(from, proto::error_code::server_full,
               "the server is full (" + std::to_string(cfg_.max_clients) + " clients)", out);
        return;
    }
    if (!can_open(m.room)) {
        refuse(from, proto::error_code::too_many_rooms, rooms_full(m.room), out);
        return;
    }
    session& s = sessions_.add(std::string{peer}, m.name, next_session_id_++, make_secret_(), now);
    s.key = who.key;
    s.relay_key = who.relay_key;
    s.rate = proto::token_bucket(cfg_.rate_per_second, cfg_.rate_burst);
    s.first_room = m.room;
    welcome(s, m.room, out);
    publish_probe(s, now, out);
}

void core::resume(session& s, std::string_view peer, time_point now, outbox& out) {
    if (s.peer != peer) {
        tell_session_ended(s.peer, proto::error_code::session_replaced,
                           "your session was taken over by a new connection", out);
        sessions_.move_to(s, std::string{peer}, now);
    }
    liveness_.heard(s.id, now);
    if (s.lagging_since)
        --counters_.lagging;
    s.lagging_since.reset();
    out.log.push_back({log_level::info, "resume" + field("name", proto::printable(s.name))});
}

void core::welcome(const session& s, std::string_view room, outbox& out) {
    const class room* r = find_room(room);
    reply(s.peer,
          proto::welcome{s.name, s.id, s.secret, epoch_, std::string{room},
                         static_cast<std::uint32_t>(r ? r->size() : 0),
                         static_cast<std::uint32_t>(cfg_.heartbeat_interval.count()), cfg_.liveness,
                         static_cast<std::uint32_t>(cfg_.max_name_chars),
                         static_cast<std::uint32_t>(cfg_.max_text_bytes), cfg_.rate_per_second,
                         cfg_.rate_burst, proto::max_rooms_per_session},
          out);
}

void core::check_lag(session& s, const std::vector<proto::room_position>& positions, time_point now,
                     outbox& out) {
    // How far behind the client is in the room where it is furthest behind. Rooms it does not
    // report are not judged: a client is slow only by what it says it received.
    std::uint64_t behind = 0;
    for (const proto::room_position& p : positions) {
        const room* r = find_room(p.room);
        // A position from a generation of the room before this one says nothing about this one.
        if (r && r->has(s.id) && r->seq() > p.seq &&
            proto::room_generation(p.seq) == proto::room_generation(r->seq()))
            behind = std::max(behind, r->seq() - p.seq);
    }
    if (behind <= cfg_.max_lag) {
        if (s.lagging_since)
            --counters_.lagging;
        s.lagging_since.reset();
        return;
    }
    if (!s.lagging_since) {
        s.lagging_since = now;
        ++counters_.lagging;
        out.log.push_back({log_level::warn, "lagging" + field("name", proto::printable(s.name)) +
                                                field("behind", behind)});
        return;
    }
    if (now - *s.lagging_since >= expiry_timeout()) {
        tell_session_ended(s.peer, proto::error_code::evicted,
                           "you fell more than " + std::to_string(cfg_.max_lag) +
                               " events behind and were disconnected as too slow",
                           out);
        ++counters_.evicted;
        end_session(s, proto::leave_reason::too_slow, out);
    }
}

void core::on_ready(session& s, time_point now, outbox& out) {
    sessions_.mark_joined(s);
    liveness_.track(s.id, now);
    ++joined_;
    counters_.peak_online = std::max(counters_.peak_online, joined_);
    // Rooms may have filled up since the HELLO: the session is then joined in no room, and told.
    if (room* r = room_to_enter(s.first_room))
        enter(s, *r, out);
    else
        refuse({s.peer, s.key}, proto::error_code::too_many_rooms, rooms_full(s.first_room), out);
}

room* core::find_room(std::string_view name) {
    const auto it = rooms_.find(name);
    return it == rooms_.end() ? nullptr : &it->second;
}

bool core::can_open(std::string_view name) const {
    return rooms_.contains(name) || rooms_.size() < cfg_.max_rooms ||
           std::any_of(rooms_.begin(), rooms_.end(),
                       [](const auto& r) { return r.second.empty(); });
}

std::string core::rooms_full(std::string_view name) const {
    return "the server keeps " + std::to_string(cfg_.max_rooms) +
           " rooms, all in use: cannot open #" + std::string{name};
}

room* core::room_to_enter(std::string_view name) {
    if (room* r = find_room(name))
        return r;
    // Empty rooms make way (as many as a lowered --max-rooms asks for); rooms with members never.
    while (rooms_.size() >= cfg_.max_rooms) {
        const auto empty = std::find_if(rooms_.begin(), rooms_.end(),
                                        [](const auto& r) { return r.second.empty(); });
        if (empty == rooms_.end())
            return nullptr;
        changed_rooms_.erase(empty->first);
        rooms_.erase(empty);
        ++rooms_forgotten_;
    }
    // A room opened after one was forgotten numbers its events in a later generation, above
    // whatever a forgotten room of the same name numbered.
    const std::string key{name};
    return &rooms_.try_emplace(key, key, epoch_, rooms_forgotten_, cfg_.history).first->second;
}

void core::enter(session& s, room& r, outbox& out) {
    const proto::joined joined = r.enter(s.id, s.name);
    s.rooms.push_back(r.name());
    changed_rooms_.insert(r.name());
    ++counters_.events;
    publish(joined, out);
    reply(s.peer, proto::room_entered{r.name(), r.seq(), r.roster_version(), joined.online}, out);
    out.log.push_back({log_level::info, "join" + field("name", proto::printable(s.name)) +
                                            field("room", r.name()) +
                                            field("online", joined.online)});
}

void core::leave(session& s, std::string_view room_name, proto::leave_reason reason, outbox& out) {
    room& r = *find_room(room_name);
    const proto::left left = r.leave(s.id, reason);
    std::erase(s.rooms, r.name());
    changed_rooms_.insert(r.name());
    ++counters_.events;
    publish(left, out);
    out.log.push_back({log_level::info, "leave" + field("name", proto::printable(left.name)) +
                                            field("room", r.name()) + field("online", left.online) +
                                            field("reason", proto::reason_name(reason))});
}

void core::over_rate(session& s, std::uint64_t message_id, outbox& out) {
    // A pause of a second between refusals starts a new episode rather than continuing one.
    if (!s.flooding_since || now_ - s.last_refused > std::chrono::seconds(1))
        s.flooding_since = now_;
    s.last_refused = now_;
    if (s.joined && now_ - *s.flooding_since >= cfg_.flood_grace) {
        tell_session_ended(s.peer, proto::error_code::evicted,
                           "you kept sending faster than the rate limit and were disconnected",
                           out);
        ++counters_.evicted;
        end_session(s, proto::leave_reason::flooding, out);
        return;
    }
    refuse({s.peer, s.key}, proto::error_code::rate_limited,
           "too many messages: the limit is " + std::to_string(cfg_.rate_per_second) +
               " per second",
           out, message_id);
}

void core::on_say(session& s, const proto::say& m, outbox& out) {
    if (auto bad = proto::check_text(m.text, cfg_.max_text_bytes)) {
        refuse({s.peer, s.key}, bad->code, bad->reason, out, m.message_id);
        return;
    }
    if (m.kind != proto::line_kind::text && m.kind != proto::line_kind::action) {
        refuse({s.peer, s.key}, proto::error_code::malformed,
               "unknown line kind " + std::to_string(static_cast<unsigned>(m.kind)), out,
               m.message_id);
        return;
    }
    room* r = find_room(m.room);
    if (!r || !r->has(s.id)) {
        refuse({s.peer, s.key}, proto::error_code::not_in_room,
               "you are not in #" + proto::printable(m.room), out, m.message_id);
        return;
    }
    ++counters_.lines_in;
    // Chat text is the users' own: logged only when asked for, and then not composed for
    // nothing.
    if (logs(cfg_.logging, log_level::debug))
        out.log.push_back({log_level::debug, "say" + field("name", proto::printable(s.name)) +
                                                 field("room", r->name()) +
                                                 field("text", proto::printable(m.text))});
    const proto::line line = r->say(s.id, m.message_id, m.text, m.kind, now_);
    changed_rooms_.insert(r->name());
    ++counters_.events;
    publish(line, out);
    reply(s.peer, proto::ack{m.message_id, line.seq}, out);
}

void core::on_fetch(const session& s, const proto::fetch& m, outbox& out) {
    const room* r = find_room(m.room);
    if (!r || !r->has(s.id)) {
        refuse({s.peer, s.key}, proto::error_code::not_in_room,
               "you are not in #" + proto::printable(m.room), out);
        return;
    }
    if (m.first == 0 || m.first > m.last) {
        refuse({s.peer, s.key}, proto::error_code::bad_range,
               "FETCH " + std::to_string(m.first) + ".." + std::to_string(m.last) +
                   " is no range: first must be at least 1 and at most last",
               out);
        return;
    }
    // The work is bounded by the lines the room keeps, however wide the range asked for.
    std::vector<proto::history_line> lines = r->history(m.first, m.last, now_);
    if (logs(cfg_.logging, log_level::debug))
        out.log.push_back({log_level::debug, "fetch" + field("name", proto::printable(s.name)) +
                                                 field("room", r->name()) +
                                                 field("first", std::to_string(m.first)) +
                                                 field("last", std::to_string(m.last)) +
                                                 field("lines", std::to_string(lines.size()))});
    // As many HISTORY replies as keep each one near history_reply_bytes, so that no reply grows
    // with the history size; each holds at least one line.
    proto::history h{r->name(), m.first, m.last, 0, {}};
    std::size_t bytes = 0;
    for (proto::history_line& line : lines) {
        const std::size_t size = proto::history_line_bytes(line);
        if (!h.lines.empty() && bytes + size > history_reply_bytes) {
            h.more = 1;
            reply(s.peer, h, out);
            h.lines.clear();
            bytes = 0;
        }
        bytes += size;
        h.lines.push_back(std::move(line));
    }
    h.more = 0;
    reply(s.peer, h, out);
}

void core::on_private_say(session& s, const proto::private_say& m, outbox& out) {
    if (auto bad = proto::check_text(m.text, cfg_.max_text_bytes)) {
        refuse({s.peer, s.key}, bad->code, bad->reason, out, m.message_id);
        return;
    }
    const session* to = sessions_.find_by_name(m.to);
    if (!to || !to->joined) {
        refuse({s.peer, s.key}, proto::error_code::no_such_user,
               "no user named '" + proto::printable(m.to) + "' is online", out, m.message_id);
        return;
    }
    // Never published: only the recipient's connection gets it, and the log names no text
    // unless asked to.
    if (logs(cfg_.logging, log_level::debug))
        out.log.push_back({log_level::debug, "msg" + field("name", proto::printable(s.name)) +
                                                 field("to", proto::printable(to->name)) +
                                                 field("text", proto::printable(m.text))});
    reply(to->peer, proto::private_line{s.name, s.id, m.message_id, m.text}, out);
    reply(s.peer, proto::ack{m.message_id, 0, 1}, out);
}

void core::on_who(session& s, const proto::who& m, outbox& out) {
    if (auto bad = proto::check_room(m.room)) {
        refuse({s.peer, s.key}, bad->code, bad->reason, out);
        return;
    }
    const room* r = find_room(m.room);
    reply(s.peer,
          proto::roster{m.room, r ? r->roster_version() : 0,
                        r ? r->names() : std::vector<std::string>{}},
          out);
}

void core::on_join(session& s, const proto::join& m, outbox& out) {
    if (auto bad = proto::check_room(m.room)) {
        refuse({s.peer, s.key}, bad->code, bad->reason, out);
        return;
    }
    if (room* r = find_room(m.room); r && r->has(s.id)) {
        // Already there: answered as if it had just entered, and nobody is told twice.
        reply(s.peer,
              proto::room_entered{r->name(), r->seq(), r->roster_version(),
                                  static_cast<std::uint32_t>(r->size())},
              out);
        return;
    }
    if (s.rooms.size() >= proto::max_rooms_per_session) {
        refuse({s.peer, s.key}, proto::error_code::too_many_rooms,
               "you are in " + std::to_string(proto::max_rooms_per_session) +
                   " rooms already, the most a session may be in",
               out);
        return;
    }
    room* r = room_to_enter(m.room);
    if (!r) {
        refuse({s.peer, s.key}, proto::error_code::too_many_rooms, rooms_full(m.room), out);
        return;
    }
    enter(s, *r, out);
}

void core::on_part(session& s, const proto::part& m, outbox& out) {
    const room* r = find_room(m.room);
    if (!r || !r->has(s.id)) {
        refuse({s.peer, s.key}, proto::error_code::not_in_room,
               "you are not in #" + proto::printable(m.room), out);
        return;
    }
    leave(s, m.room, proto::leave_reason::parted, out);
}

void core::on_list_rooms(const session& s, outbox& out) {
    proto::room_list list;
    for (const auto& [name, r] : rooms_)
        if (!r.empty())
            list.rooms.push_back({name, static_cast<std::uint32_t>(r.size())});
    reply(s.peer, list, out);
}

void core::end_session(session& s, proto::leave_reason reason, outbox& out) {
    if (s.lagging_since)
        --counters_.lagging;
    const std::uint64_t id = s.id;
    liveness_.forget(id);
    // Copied: leaving a room takes it off the session's list.
    const std::vector<std::string> rooms = s.rooms;
    for (const std::string& name : rooms)
        leave(s, name, reason, out);
    if (rooms.empty())
        out.log.push_back({log_level::info, "leave" + field("name", proto::printable(s.name)) +
                                                field("reason", proto::reason_name(reason))});
    sessions_.remove(id);
    --joined_;
}

std::vector<proto::room_head> core::heads_due() {
    // Bounded, so a broker with many rooms does not send them all every heartbeat: a room that
    // changed is listed once after it changed, and every room now and then.
    constexpr std::size_t rooms_in_turn = 16;
    std::vector<proto::room_head> heads;
    for (const std::string& name : changed_rooms_)
        if (const room* r = find_room(name))
            heads.push_back(r->head());
    auto next = rooms_.upper_bound(heads_cursor_);
    for (std::size_t n = 0; n < std::min(rooms_in_turn, rooms_.size()); ++n) {
        if (next == rooms_.end())
            next = rooms_.begin();
        if (!changed_rooms_.contains(next->first))
            heads.push_back(next->second.head());
        heads_cursor_ = next->first;
        ++next;
    }
    changed_rooms_.clear();
    return heads;
}

void core::tick(time_point now, outbox& out) {
    now_ = now;
    while (const auto id = liveness_.expired(now, expiry_timeout())) {
        session& s = sessions_.at(*id);
        remember_expired(s.peer);
        ++counters_.expired;
        end_session(s, proto::leave_reason::timed_out, out);
    }
    if (started_ == time_point{})
        started_ = now;
    if (now >= next_stats_) {
        if (next_stats_ != time_point{})
            publish_stats(now, out);
        next_stats_ = now + cfg_.stats_interval;
    }
    if (now >= next_heartbeat_) {
        publish(proto::heartbeat{epoch_, static_cast<std::uint32_t>(joined_),
                                 static_cast<std::uint32_t>(cfg_.heartbeat_interval.count()),
                                 heads_due()},
                out);
        next_heartbeat_ = now + cfg_.heartbeat_interval;
    }

    // Copy the ids: forgetting a session changes the probing set.
    const std::vector<std::uint64_t> probing(sessions_.probing().begin(),
                                             sessions_.probing().end());
    for (const std::uint64_t id : probing) {
        session& s = sessions_.at(id);
        if (now - s.probing_since >= cfg_.join_timeout) {
            // A resumed session stays until liveness decides; a new join is forgotten.
            if (s.joined) {
                out.log.push_back({log_level::warn,
                                   "resume-unconfirmed" + field("name", proto::printable(s.name))});
                sessions_.confirm(s);
            } else {
                out.log.push_back(
                    {log_level::warn, "join-abandoned" + field("name", proto::printable(s.name))});
                sessions_.remove(id);
            }
        } else if (now >= s.next_probe) {
            publish_probe(s, now, out);
        }
    }
}

std::vector<std::string> core::reconfigure(const config& next) {
    std::vector<std::string> changed;
    const auto take = [&](auto& current, const auto& wanted, const char* name,
                          const char* note = "") {
        if (current == wanted)
            return;
        changed.push_back(std::string{name} + " " + std::to_string(current) + " -> " +
                          std::to_string(wanted) + note);
        current = wanted;
    };
    // Sessions keep the rate their WELCOME announced: a client pacing itself as it was told
    // must not be refused for it.
    take(cfg_.rate_per_second, next.rate_per_second, "rate",
         " (for sessions that join from now on)");
    take(cfg_.rate_burst, next.rate_burst, "burst", " (for sessions that join from now on)");
    take(cfg_.max_clients, next.max_clients, "max-clients");
    take(cfg_.max_rooms, next.max_rooms, "max-rooms");
    if (cfg_.history.lines != next.history.lines) {
        take(cfg_.history.lines, next.history.lines, "history-size");
        for (auto& [name, r] : rooms_)
            r.keep(cfg_.history);
    }
    take(cfg_.max_errors, next.max_errors, "max-errors");
    if (cfg_.stats_interval != next.stats_interval) {
        changed.push_back("stats-interval " + std::to_string(cfg_.stats_interval.count()) +
                          " ms -> " + std::to_string(next.stats_interval.count()) + " ms");
        cfg_.stats_interval = next.stats_interval;
        next_stats_ = std::min(next_stats_, now_ + cfg_.stats_interval);
    }
    if (cfg_.logging != next.logging) {
        changed.push_back("log-level " + std::string{log_level_name(cfg_.logging)} + " -> " +
                          std::string{log_level_name(next.logging)});
        cfg_.logging = next.logging;
    }
    if (cfg_.bound_names != next.bound_names) {
        changed.push_back("names bound to keys: " + std::to_string(next.bound_names.size()));
        cfg_.bound_names = next.bound_names;
    }
    return changed;
}

void core::end_sessions_not_allowed(
    const std::function<std::optional<std::string_view>(std::string_view key)>& bound_name_of,
    outbox& out) {
    for (const std::uint64_t id : sessions_.ids()) {
        session& s = sessions_.at(id);
        if (s.key.empty())
            continue;
        const auto bound = bound_name_of(s.key);
        const std::string folded = proto::fold_name(s.name);
        std::string why;
        if (!bound)
            why = "your key was removed from the broker's allowlist";
        else if (!s.relay_key.empty() && !bound_name_of(s.relay_key))
            why = relay_removed;
        else if (!bound->empty() && *bound != folded)
            why = "your key may now only join as '" + std::string{*bound} + "'";
        else if (bound->empty() && cfg_.bound_names.contains(folded))
            why = "the name '" + s.name + "' now belongs to another key";
        else
            continue;
        if (!s.joined) {
            sessions_.remove(id); // nobody was told of the join
            continue;
        }
        tell_session_ended(s.peer, proto::error_code::evicted, why, out);
        ++counters_.evicted;
        end_session(s, proto::leave_reason::key_revoked, out);
    }
}

void core::excuse_pause(std::chrono::nanoseconds pause, outbox& out) {
    liveness_.excuse(pause);
    // That time does not count as any client's silence.
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(pause).count();
    out.log.push_back(
        {log_level::warn, "pause-excused" + field("ms", static_cast<std::uint64_t>(ms))});
}

time_point core::next_deadline() const {
    time_point next =
        std::min({next_heartbeat_, next_stats_, liveness_.next_expiry(expiry_timeout())});
    for (const std::uint64_t id : sessions_.probing()) {
        const session& s = sessions_.at(id);
        next = std::min(next, std::min(s.next_probe, s.probing_since + cfg_.join_timeout));
    }
    return next;
}

void core::shut_down(outbox& out) {
    publish(proto::shutdown{epoch_}, out);
    out.log.push_back({log_level::info, "stopped" + summary()});
}

void core::reply(std::string_view peer, const proto::reply& r, outbox& out) {
    const auto* a = std::get_if<proto::ack>(&r);
    send_reply(peer, proto::encode(r), out, a ? std::optional{*a} : std::nullopt);
}

void core::send_reply(std::string_view peer, proto::frame_list frames, outbox& out,
                      std::optional<proto::ack> ack) {
    counters_.bytes_out += frame_bytes(frames);
    out.replies.push_back({std::string{peer}, std::move(frames), ack});
}

void core::publish(const proto::event& e, outbox& out) {
    out.publications.push_back(proto::encode(e));
    counters_.bytes_out += frame_bytes(out.publications.back());
}

void core::refuse(const sender& from, proto::error_code code, std::string reason, outbox& out,
                  std::uint64_t message_id, bool peer_speaks_v1) {
    ++counters_.rejected[code];
    session* s = sessions_.find_by_peer(from.peer);
    // ERRORs are capped per peer, so a peer sending garbage cannot use the broker to multiply
    // its traffic; what is over the cap is only counted.
    if ((s ? s->error_cap : stranger_error_cap(from.peer)).take(now_)) {
        proto::error e{code, message_id, std::move(reason)};
        if (peer_speaks_v1)
            send_reply(from.peer, proto::encode_v1_error(e), out);
        else
            reply(from.peer, e, out);
    } else
        ++counters_.errors_suppressed;
    // Going over the rate has its own remedy (over_rate).
    if (s && code != proto::error_code::rate_limited)
        charge_error(*s, from.key, out);
}

void core::charge_error(session& s, std::string_view key, outbox& out) {
    // Only the session's own connection, with the key that joined, spends its budget. A pending
    // session needs none: it is forgotten within join_timeout unless confirmed.
    if (cfg_.max_errors == 0 || !s.joined || s.key != key)
        return;
    if (s.error_count == 0 || now_ - s.errors_since >= cfg_.error_window) {
        s.error_count = 0;
        s.errors_since = now_;
    }
    if (++s.error_count < cfg_.max_errors)
        return;
    tell_session_ended(s.peer, proto::error_code::evicted,
                       "you sent " + std::to_string(cfg_.max_errors) + " invalid messages within " +
                           std::to_string(cfg_.error_window.count() / 1000) +
                           " s and were disconnected",
                       out);
    ++counters_.evicted;
    end_session(s, proto::leave_reason::too_many_errors, out);
}

void core::tell_session_ended(std::string_view peer, proto::error_code code, std::string reason,
                              outbox& out) {
    // Not capped: it comes once for each end of a session (an eviction, or a takeover, which
    // needs a HELLO with the session's secret), so it multiplies nothing, and a flooder that has
    // reached its ERROR cap must still learn why its session ended rather than reconnect.
    ++counters_.rejected[code];
    reply(peer, proto::error{code, 0, std::move(reason)}, out);
}

proto::token_bucket& core::stranger_error_cap(std::string_view peer) {
    const auto it = stranger_errors_.find(peer);
    if (it != stranger_errors_.end())
        return it->second;
    // Peers without a session get a budget too, from a bounded table: the oldest is forgotten
    // first, so a swarm of strangers cannot grow it.
    if (stranger_order_.size() >= max_remembered_strangers) {
        stranger_errors_.erase(stranger_order_.front());
        stranger_order_.pop_front();
    }
    stranger_order_.emplace_back(peer);
    return stranger_errors_
        .emplace(std::string{peer}, proto::token_bucket(errors_per_second, errors_per_second))
        .first->second;
}

void core::publish_stats(time_point now, outbox& out) {
    proto::stats st;
    st.epoch = epoch_;
    st.uptime_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count());
    st.online = static_cast<std::uint32_t>(joined_);
    st.peak_online = static_cast<std::uint32_t>(counters_.peak_online);
    st.rooms = static_cast<std::uint32_t>(std::count_if(
        rooms_.begin(), rooms_.end(), [](const auto& r) { return !r.second.empty(); }));
    st.events_published = counters_.events;
    st.lines_in = counters_.lines_in;
    st.bytes_in = counters_.bytes_in;
    st.bytes_out = counters_.bytes_out;
    st.expired = counters_.expired;
    st.evicted = counters_.evicted;
    st.lagging = static_cast<std::uint32_t>(counters_.lagging);
    for (const auto& [code, count] : counters_.rejected)
        st.rejected.push_back({code, count});
    publish(st, out);
    // Heartbeats move the byte counts of even an idle broker: what happened is told by the rest.
    std::string happened = std::to_string(counters_.events) + " " +
                           std::to_string(counters_.expired) + " " +
                           std::to_string(counters_.evicted) + " " +
                           std::to_string(counters_.errors_suppressed) + " " + rejected_text();
    if (happened != happened_logged_) {
        out.log.push_back({log_level::info, "stats" + summary()});
        happened_logged_ = std::move(happened);
    }
}

std::string core::rejected_text() const {
    if (counters_.rejected.empty())
        return "none";
    std::string text;
    for (const auto& [code, count] : counters_.rejected)
        text += (text.empty() ? "" : ",") + std::string{proto::error_name(code)} + ":" +
                std::to_string(count);
    return text;
}

std::string core::summary() const {
    return field("online", joined_) + field("peak_online", counters_.peak_online) +
           field("events", counters_.events) + field("lines_in", counters_.lines_in) +
           field("bytes_in", counters_.bytes_in) + field("bytes_out", counters_.bytes_out) +
           field("expired", counters_.expired) + field("evicted", counters_.evicted) +
           field("errors_not_sent", counters_.errors_suppressed) +
           field("rejected", rejected_text());
}

std::chrono::nanoseconds core::expiry_timeout() const {
    return proto::silence_limit(cfg_.heartbeat_interval, cfg_.liveness);
}

void core::remember_expired(const std::string& peer) {
    if (recently_expired_.insert(peer).second)
        expired_order_.push_back(peer);
    if (expired_order_.size() > max_remembered_expired) {
        recently_expired_.erase(expired_order_.front());
        expired_order_.pop_front();
    }
}

void core::publish_probe(session& s, time_point now, outbox& out) {
    publish(proto::probe{epoch_, s.id}, out);
    s.next_probe = now + cfg_.probe_interval;
}

} // namespace zchat::broker
