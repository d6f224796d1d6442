#include "broker/core.hpp"

#include "proto/printable.hpp"
#include "proto/validate.hpp"

namespace zchat::broker {
namespace {

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

std::string users_online(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " user online" : " users online");
}

} // namespace

core::core(config cfg, std::uint64_t epoch, std::function<proto::session_secret()> make_secret)
    : cfg_(cfg), epoch_(epoch), make_secret_(std::move(make_secret)) {}

void core::handle(std::string_view peer, std::span<const std::string_view> frames, time_point now,
                  outbox& out) {
    auto decoded = proto::decode_command(frames);
    if (const auto* bad = std::get_if<proto::decode_error>(&decoded)) {
        refuse(peer, bad->code, bad->reason, out);
        return;
    }
    const auto& command = std::get<proto::command>(decoded);
    if (const auto* hello = std::get_if<proto::hello>(&command)) {
        on_hello(peer, *hello, now, out);
        return;
    }

    // Every other command acts on the sender's own session, proven by the secret it was given.
    // Every other command acts on the sender's own session, proven by the secret it was given.
    session* s = sessions_.find_by_peer(peer);
    if (!s || s->secret != *presented_secret(command)) {
        refuse(peer, proto::error_code::not_joined, "you have not joined the chat", out);
        return;
    }
    if (std::holds_alternative<proto::ready>(command)) {
        // Several probes may be in flight, so several READYs may come: the first one joins.
        if (!s->joined)
            on_ready(*s, out);
        return;
    }
    if (std::holds_alternative<proto::ping>(command))
        return;
    if (!s->joined) {
        refuse(peer, proto::error_code::not_joined, "your join is not complete yet", out);
        return;
    }
    if (const auto* say = std::get_if<proto::say>(&command))
        on_say(*s, *say, out);
    else if (std::holds_alternative<proto::who>(command))
        on_who(peer, out);
    else
        on_bye(*s, out);
}

void core::on_hello(std::string_view peer, const proto::hello& m, time_point now, outbox& out) {
    if (sessions_.find_by_peer(peer)) {
        refuse(peer, proto::error_code::already_joined, "this connection has already joined", out);
        return;
    }
    if (auto bad = proto::check_name(m.name, cfg_.max_name_chars)) {
        refuse(peer, bad->code, bad->reason, out);
        return;
    }
    if (sessions_.name_taken(m.name)) {
        refuse(peer, proto::error_code::name_taken, "the name '" + m.name + "' is already in use",
               out);
        return;
    }
    if (sessions_.size() >= cfg_.max_clients) {
        refuse(peer, proto::error_code::server_full,
               "the server is full (" + std::to_string(cfg_.max_clients) + " clients)", out);
        return;
    }
    session& s = sessions_.add(std::string{peer}, m.name, next_session_id_++, make_secret_(), now);
    reply(peer,
          proto::welcome{s.name, s.id, s.secret, epoch_, seq_,
                         static_cast<std::uint32_t>(sessions_.joined_count()),
                         static_cast<std::uint32_t>(cfg_.heartbeat_interval.count()), cfg_.liveness,
                         static_cast<std::uint32_t>(cfg_.max_name_chars),
                         static_cast<std::uint32_t>(cfg_.max_text_bytes)},
          out);
    publish_probe(s, now, out);
}

void core::on_ready(session& s, outbox& out) {
    sessions_.mark_joined(s);
    ++roster_version_;
    const auto online = static_cast<std::uint32_t>(sessions_.joined_count());
    out.publications.push_back(
        proto::encode(proto::joined{epoch_, ++seq_, s.name, s.id, online, roster_version_}));
    out.log.push_back("> New user " + proto::printable(s.name) + " entered (" +
                      users_online(online) + ")");
}

void core::on_say(session& s, const proto::say& m, outbox& out) {
    if (auto bad = proto::check_text(m.text, cfg_.max_text_bytes)) {
        refuse(s.peer, bad->code, bad->reason, out, m.message_id);
        return;
    }
    out.publications.push_back(
        proto::encode(proto::line{epoch_, ++seq_, s.name, s.id, m.message_id, m.text}));
    reply(s.peer, proto::ack{m.message_id, seq_}, out);
    out.log.push_back("[" + proto::printable(s.name) + "] " + proto::printable(m.text));
}

void core::on_who(std::string_view peer, outbox& out) {
    reply(peer, proto::roster{roster_version_, sessions_.joined_names()}, out);
}

void core::on_bye(session& s, outbox& out) {
    const std::string name = s.name;
    const std::uint64_t id = s.id;
    sessions_.remove(id);
    ++roster_version_;
    const auto online = static_cast<std::uint32_t>(sessions_.joined_count());
    out.publications.push_back(proto::encode(
        proto::left{epoch_, ++seq_, name, id, online, roster_version_, proto::leave_reason::quit}));
    out.log.push_back("< The user " + proto::printable(name) + " left (" + users_online(online) +
                      ")");
}

void core::tick(time_point now, outbox& out) {
    // Copy the ids: forgetting a session changes the pending set.
    const std::vector<std::uint64_t> pending(sessions_.pending().begin(),
                                             sessions_.pending().end());
    for (const std::uint64_t id : pending) {
        session& s = sessions_.at(id);
        if (now - s.started >= cfg_.join_timeout) {
            out.log.push_back("! Join of " + proto::printable(s.name) +
                              " abandoned: its subscriber never confirmed");
            sessions_.remove(id);
        } else if (now >= s.next_probe) {
            publish_probe(s, now, out);
        }
    }
}

time_point core::next_deadline() const {
    time_point next = time_point::max();
    for (const std::uint64_t id : sessions_.pending()) {
        const session& s = sessions_.at(id);
        next = std::min(next, std::min(s.next_probe, s.started + cfg_.join_timeout));
    }
    return next;
}

void core::shut_down(outbox& out) {
    out.publications.push_back(proto::encode(proto::shutdown{epoch_, seq_}));
}

void core::reply(std::string_view peer, const proto::reply& r, outbox& out) {
    out.replies.push_back({std::string{peer}, proto::encode(r)});
}

void core::refuse(std::string_view peer, proto::error_code code, std::string reason, outbox& out,
                  std::uint64_t message_id) {
    reply(peer, proto::error{code, message_id, std::move(reason)}, out);
}

void core::publish_probe(session& s, time_point now, outbox& out) {
    out.publications.push_back(proto::encode(proto::probe{epoch_, seq_, s.id}));
    s.next_probe = now + cfg_.probe_interval;
}

} // namespace zchat::broker
