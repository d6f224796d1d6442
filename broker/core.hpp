// The broker's decisions: what to answer, what to publish and what to log for each message a
// client sends and for the passing of time. Pure logic: no sockets, no threads, no clock reads
// (time is an argument), so every rule is tested by scripting messages and reading the outbox.
#pragma once

#include "broker/outbox.hpp"
#include "broker/session_table.hpp"
#include "proto/codec.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

namespace zchat::broker {

struct config {
    std::size_t max_name_chars = 32;
    std::size_t max_text_bytes = 4096;
    std::size_t max_clients = 10000;
    std::chrono::milliseconds heartbeat_interval{1000};
    std::uint32_t liveness = 3;
    // How often a pending session's probe is repeated, and how long the broker waits for the
    // client's SUB to confirm before it forgets the pending session.
    std::chrono::milliseconds probe_interval{100};
    std::chrono::milliseconds join_timeout{5000};
};

class core {
public:
    // epoch identifies this broker run on the wire; make_secret supplies session secrets (the
    // server passes a cryptographic source, tests a predictable one).
    core(config cfg, std::uint64_t epoch, std::function<proto::session_secret()> make_secret);

    // Handles one message from the peer with the given routing id (frames without that id).
    void handle(std::string_view peer, std::span<const std::string_view> frames, time_point now,
                outbox& out);
    // Does what is due at `now`: repeats probes, forgets pending sessions that never confirmed.
    void tick(time_point now, outbox& out);
    // When tick next has something to do.
    time_point next_deadline() const;
    // Announces that the broker is going away.
    void shut_down(outbox& out);

    std::uint64_t epoch() const { return epoch_; }
    std::uint64_t seq() const { return seq_; }
    std::size_t online() const { return sessions_.joined_count(); }

private:
    void on_hello(std::string_view peer, const proto::hello& m, time_point now, outbox& out);
    void on_ready(session& s, outbox& out);
    void on_say(session& s, const proto::say& m, outbox& out);
    void on_who(std::string_view peer, outbox& out);
    void on_bye(session& s, outbox& out);

    void reply(std::string_view peer, const proto::reply& r, outbox& out);
    void refuse(std::string_view peer, proto::error_code code, std::string reason, outbox& out,
                std::uint64_t message_id = 0);
    void publish_probe(session& s, time_point now, outbox& out);

    config cfg_;
    std::uint64_t epoch_;
    std::function<proto::session_secret()> make_secret_;
    session_table sessions_;
    std::uint64_t seq_ = 0;
    std::uint64_t roster_version_ = 0;
    std::uint64_t next_session_id_ = 1;
};

} // namespace zchat::broker
