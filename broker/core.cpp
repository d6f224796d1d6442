#include "broker/core.hpp"

#include "proto/printable.hpp"
#include "proto/validate.hpp"
#include "proto/wording.hpp"

namespace zchat::broker {
namespace {

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
    : cfg_(cfg), epoch_(epoch), make_secret_(std::move(make_secret)), lobby_("lobby", epoch) {}

void core::handle(std::string_view peer, std::span<const std::string_view> frames, time_point now,
                  outbox& out, const credential& who) {
    now_ = now;
    const sender from{peer, who.key};
    for (const std::string_view f : frames)
        counters_.bytes_in += f.size();
    if (who.revoked) {
        // The connection outlives its key's removal (a connection cannot be closed from here);
        // what it sends is not heard.
        refuse(from, proto::error_code::evicted, "your key was removed from the broker's allowlist",
               out);
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
    const std::uint64_t message_id = say ? say->message_id : 0;
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
    // Every message but READY and BYE (one each per connection) is charged to the session's
    // rate; what is over it is refused, and flooding on ends the session.
    const bool charged = !std::holds_alternative<proto::ready>(command) &&
                         !std::holds_alternative<proto::bye>(command);
    if (charged && !s->rate.take(now)) {
        over_rate(*s, command, message_id, out);
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
            check_lag(*s, ping->last_seq, now, out);
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
    else if (std::holds_alternative<proto::who>(command))
        on_who(peer, out);
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
    const session* own = sessions_.find_by_peer(peer);
    if (m.resume) {
        // A client back on a new connection takes its session over if it proves it is the same
        // client; a ticket this broker does not know (it restarted, or the session expired)
        // is a fresh join under the same name.
        session* s = sessions_.find_by_id(m.resume->session_id);
        if (s && s->joined && s->secret == m.resume->secret &&
            proto::fold_name(s->name) == folded && (!own || own == s)) {
            resume(*s, peer, now, out);
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
    session& s = sessions_.add(std::string{peer}, m.name, next_session_id_++, make_secret_(), now);
    s.key = who.key;
    s.rate = proto::token_bucket(cfg_.rate_per_second, cfg_.rate_burst);
    welcome(s, out);
    publish_probe(s, now, out);
}

void core::resume(session& s, std::string_view peer, time_point now, outbox& out) {
    if (s.peer != peer) {
        tell_session_ended(s.peer, proto::error_code::session_replaced,
                           "your session was taken over by a new connection", out);
        sessions_.move_to(s, std::string{peer}, now);
    }
    liveness_.heard(s.id, now);
    s.lagging_since.reset();
    out.log.push_back({log_level::info, "resume" + field("name", proto::printable(s.name))});
    welcome(s, out);
    publish_probe(s, now, out);
}

void core::welcome(const session& s, outbox& out) {
    reply(s.peer,
          proto::welcome{s.name, s.id, s.secret, epoch_, lobby_.seq(),
                         static_cast<std::uint32_t>(lobby_.size()),
                         static_cast<std::uint32_t>(cfg_.heartbeat_interval.count()), cfg_.liveness,
                         static_cast<std::uint32_t>(cfg_.max_name_chars),
                         static_cast<std::uint32_t>(cfg_.max_text_bytes), cfg_.rate_per_second,
                         cfg_.rate_burst},
          out);
}

void core::check_lag(session& s, std::uint64_t reported_seq, time_point now, outbox& out) {
    s.reported_seq = reported_seq;
    const std::uint64_t seq = lobby_.seq();
    const std::uint64_t behind = seq > reported_seq ? seq - reported_seq : 0;
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
    const proto::joined joined = lobby_.enter(s.id, s.name);
    counters_.peak_online = std::max(counters_.peak_online, lobby_.size());
    publish(joined, out);
    out.log.push_back({log_level::info, "join" + field("name", proto::printable(s.name)) +
                                            field("online", joined.online)});
}

void core::over_rate(session& s, const proto::command& c, std::uint64_t message_id, outbox& out) {
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
    // Heartbeats over the rate are dropped without a word; they cost nothing more.
    if (std::holds_alternative<proto::ping>(c))
        ++counters_.rejected[proto::error_code::rate_limited];
    else
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
    ++counters_.lines_in;
    // Chat text is the users' own: logged only when asked for, and then not composed for
    // nothing.
    if (logs(cfg_.logging, log_level::debug))
        out.log.push_back({log_level::debug, "say" + field("name", proto::printable(s.name)) +
                                                 field("text", proto::printable(m.text))});
    const proto::line line = lobby_.say(s.id, m.message_id, m.text);
    publish(line, out);
    reply(s.peer, proto::ack{m.message_id, line.seq}, out);
}

void core::on_who(std::string_view peer, outbox& out) {
    reply(peer, proto::roster{lobby_.roster_version(), lobby_.names()}, out);
}

void core::end_session(session& s, proto::leave_reason reason, outbox& out) {
    if (s.lagging_since)
        --counters_.lagging;
    const std::uint64_t id = s.id;
    liveness_.forget(id);
    sessions_.remove(id);
    const proto::left left = lobby_.leave(id, reason);
    publish(left, out);
    out.log.push_back({log_level::info, "leave" + field("name", proto::printable(left.name)) +
                                            field("online", left.online) +
                                            field("reason", proto::reason_name(reason))});
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
        publish(proto::heartbeat{epoch_, lobby_.seq(), static_cast<std::uint32_t>(lobby_.size()),
                                 lobby_.roster_version(),
                                 static_cast<std::uint32_t>(cfg_.heartbeat_interval.count())},
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
    publish(proto::shutdown{epoch_, lobby_.seq()}, out);
    out.log.push_back({log_level::info, "stopped" + summary()});
}

void core::reply(std::string_view peer, const proto::reply& r, outbox& out) {
    send_reply(peer, proto::encode(r), out);
}

void core::send_reply(std::string_view peer, proto::frame_list frames, outbox& out) {
    counters_.bytes_out += frame_bytes(frames);
    out.replies.push_back({std::string{peer}, std::move(frames)});
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
    st.seq = lobby_.seq();
    st.uptime_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count());
    st.online = static_cast<std::uint32_t>(lobby_.size());
    st.peak_online = static_cast<std::uint32_t>(counters_.peak_online);
    st.events_published = lobby_.seq();
    st.lines_in = counters_.lines_in;
    st.bytes_in = counters_.bytes_in;
    st.bytes_out = counters_.bytes_out;
    st.expired = counters_.expired;
    st.evicted = counters_.evicted;
    st.lagging = static_cast<std::uint32_t>(counters_.lagging);
    st.rejected.assign(counters_.rejected.begin(), counters_.rejected.end());
    publish(st, out);
    // Heartbeats move the byte counts of even an idle broker: what happened is told by the rest.
    std::string happened = std::to_string(lobby_.seq()) + " " + std::to_string(counters_.expired) +
                           " " + std::to_string(counters_.evicted) + " " +
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
    return field("online", lobby_.size()) + field("peak_online", counters_.peak_online) +
           field("events", lobby_.seq()) + field("lines_in", counters_.lines_in) +
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
    publish(proto::probe{epoch_, lobby_.seq(), s.id}, out);
    s.next_probe = now + cfg_.probe_interval;
}

} // namespace zchat::broker
