// The broker's decisions: what to answer, what to publish and what to log for each message a
// client sends and for the passing of time. Pure logic: no sockets, no threads, no clock reads
// (time is an argument), so every rule is tested by scripting messages and reading the outbox.
#pragma once

#include "broker/liveness.hpp"
#include "broker/outbox.hpp"
#include "broker/room.hpp"
#include "broker/session_table.hpp"
#include "proto/codec.hpp"
#include "proto/defaults.hpp"
#include "proto/token_bucket.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <unordered_set>

namespace zchat::broker {

struct config {
    std::size_t max_name_chars = 32;
    std::size_t max_text_bytes = 4096;
    std::size_t max_clients = 10000;
    // Rooms the broker keeps, with members or not: an empty room keeps its sequence numbers
    // until its place is needed for a new one.
    std::size_t max_rooms = 1000;
    // What each room keeps of its chat for FETCH (`--history-size` sets the lines).
    history_limits history;
    std::chrono::milliseconds heartbeat_interval = proto::default_heartbeat_interval;
    std::uint32_t liveness = proto::default_liveness;
    // How often a pending session's probe is repeated, and how long the broker waits for the
    // client's SUB to confirm before it forgets the pending session.
    std::chrono::milliseconds probe_interval{100};
    std::chrono::milliseconds join_timeout{5000};
    // A client that reports being more than this many lines behind in one of its rooms for
    // liveness x heartbeat interval is evicted as too slow. The server sets the PUB socket's
    // high-water mark to the same number, though that counts every event a subscriber takes, in
    // all its rooms: a subscriber can lose events to it before it counts as lagging, and sees
    // the loss as gaps.
    std::uint64_t max_lag = 10000;
    // How often the broker publishes its counters (STATS).
    std::chrono::milliseconds stats_interval{5000};
    // Each session may send rate_per_second messages on average, in bursts of up to rate_burst
    // (0: no limit); one still over the limit after flood_grace is disconnected.
    std::uint32_t rate_per_second = 20;
    std::uint32_t rate_burst = 40;
    std::chrono::milliseconds flood_grace{5000};
    // A joined session that causes this many protocol errors (refused messages, rate limit
    // aside) within error_window is ended (0: no limit).
    std::uint32_t max_errors = 100;
    std::chrono::milliseconds error_window{10000};
    // Names (case folded) that belong to a client key on the CURVE allowlist: only a peer that
    // authenticated with that key may join under one.
    std::unordered_set<std::string> bound_names;
    // The log's level: below debug the core does not even compose an entry per chat line.
    log_level logging = log_level::info;
};

// Who sent a message, under CURVE with an allowlist (without one, all empty): the key the ZAP
// handler accepted for the connection (Z85), the name that key is bound to (case folded; empty
// for a key bound to none), and whether the key has since been removed from the allowlist.
struct credential {
    std::string_view key;
    std::string_view bound_name;
    bool revoked = false;
    // Set when the envelope is one its connection may not send (PROTOCOL.md, section 2a: under
    // CURVE only a relay's key relays, and always with its client's key): the command is refused
    // with E_MALFORMED for this reason.
    const char* refusal = nullptr;
    // Through relays: the key of the relay connected to the broker, and whether it has since
    // been removed from the allowlist (then nothing it carries is heard).
    std::string_view relay_key{};
    bool relay_revoked = false;
};

class core {
public:
    // epoch identifies this broker run on the wire; make_secret supplies session secrets (the
    // server passes a cryptographic source, tests a predictable one).
    core(config cfg, std::uint64_t epoch, std::function<proto::session_secret()> make_secret);

    // Handles one message from the peer with the given routing id (frames without that id).
    // A peer whose key is bound to a name may join under that name only, a session takes
    // commands only from peers with the key that joined it, and a revoked key is not heard.
    void handle(std::string_view peer, std::span<const std::string_view> frames, time_point now,
                outbox& out, const credential& who = {});
    // After a reload of the allowlist: ends every session whose key may no longer hold it, as
    // `bound_name_of` (the key's bound name, case folded, "" for none; nothing for a key no
    // longer listed) and the bound names now configured tell: a key removed, a key now bound to
    // another name, or a name now bound to another key. Each is told E_EVICTED and leaves with
    // reason key_revoked; joins under way are forgotten.
    void end_sessions_not_allowed(
        const std::function<std::optional<std::string_view>(std::string_view key)>& bound_name_of,
        outbox& out);
    // Does what is due at `now`: expires sessions silent for liveness x heartbeat interval,
    // publishes the broker heartbeat, repeats probes, forgets joins that never confirmed.
    void tick(time_point now, outbox& out);
    // The broker itself did not run for `pause` (its loop woke that much later than it asked
    // to: SIGSTOP, a suspended VM, a debugger), so nobody could be heard meanwhile: that time is
    // not counted as any session's silence, rather than expiring everyone for a silence the
    // broker caused. Sessions that really left still expire, that much later.
    void excuse_pause(std::chrono::nanoseconds pause, outbox& out);
    // Takes the settings that may change while the broker runs (rate and burst for sessions
    // that join from now on, max clients, max errors, the stats interval, the log level, the
    // names bound to keys); the others in `next` are ignored. Returns what changed, worded for
    // the log.
    std::vector<std::string> reconfigure(const config& next);
    // When tick next has something to do.
    time_point next_deadline() const;
    // Announces that the broker is going away, and logs its totals.
    void shut_down(outbox& out);
    // The broker's counters as log fields: " events=12 lines_in=3 ... rejected=E_NOT_JOINED:1".
    std::string summary() const;

    std::uint64_t epoch() const { return epoch_; }
    std::chrono::milliseconds heartbeat_interval() const { return cfg_.heartbeat_interval; }
    // Joined sessions, in all rooms.
    std::size_t online() const { return joined_; }
    // Sessions joined or joining.
    std::size_t session_count() const { return sessions_.size(); }

private:
    void on_hello(std::string_view peer, const proto::hello& m, const credential& who,
                  time_point now, outbox& out);
    void on_ready(session& s, time_point now, outbox& out);
    void resume(session& s, std::string_view peer, time_point now, outbox& out);
    void check_lag(session& s, const std::vector<proto::room_position>& positions, time_point now,
                   outbox& out);
    void over_rate(session& s, std::uint64_t message_id, outbox& out);
    // Whether room `name` exists or could be opened now (an empty room making way if need be),
    // and the refusal when it could not.
    bool can_open(std::string_view name) const;
    std::string rooms_full(std::string_view name) const;
    // The ERROR cap of a peer without a session, from a bounded table.
    proto::token_bucket& stranger_error_cap(std::string_view peer);
    // Counts a protocol error against a joined session, if it came from the key that joined it,
    // and ends the session when it has caused max_errors of them within error_window.
    void charge_error(session& s, std::string_view key, outbox& out);
    // The WELCOME, counting the members of `room`.
    void welcome(const session& s, std::string_view room, outbox& out);
    void on_say(session& s, const proto::say& m, outbox& out);
    void on_who(session& s, const proto::who& m, outbox& out);
    void on_private_say(session& s, const proto::private_say& m, outbox& out);
    void on_join(session& s, const proto::join& m, outbox& out);
    void on_part(session& s, const proto::part& m, outbox& out);
    void on_list_rooms(const session& s, outbox& out);
    void on_fetch(const session& s, const proto::fetch& m, outbox& out);
    // The room of that name, if the broker keeps it.
    room* find_room(std::string_view name);
    // The room to enter: the one kept under that name, or a new one, in the place of an empty
    // room if the broker keeps max_rooms already. Nothing if every room kept has members.
    room* room_to_enter(std::string_view name);
    // Puts a joined session in a room, tells the room, and answers ROOM.
    void enter(session& s, room& r, outbox& out);
    // Takes a session out of one of its rooms and tells the room why.
    void leave(session& s, std::string_view room_name, proto::leave_reason reason, outbox& out);
    // Removes a joined session and tells each of its rooms why it left.
    void end_session(session& s, proto::leave_reason reason, outbox& out);
    // The HEARTBEAT's room heads: the rooms that changed since the last one, then some others
    // in turn.
    std::vector<proto::room_head> heads_due();
    std::chrono::nanoseconds expiry_timeout() const;
    void remember_expired(const std::string& peer);

    void reply(std::string_view peer, const proto::reply& r, outbox& out);
    // Who sent the message being refused: its connection and its CURVE key.
    struct sender {
        std::string_view peer;
        std::string_view key;
    };
    // Sends the ERROR (within the peer's ERROR cap) and charges the error to the peer's session.
    // That may end the session: a caller holding a session& or a `peer` that views session::peer
    // must not use them afterwards. A peer that spoke protocol version 1 is answered in v1's
    // frames, which it can read (PROTOCOL.md, section 16).
    void refuse(const sender& from, proto::error_code code, std::string reason, outbox& out,
                std::uint64_t message_id = 0, bool peer_speaks_v1 = false);
    // The ERROR that ends a session (E_EVICTED, E_SESSION_REPLACED), sent whatever the cap.
    void tell_session_ended(std::string_view peer, proto::error_code code, std::string reason,
                            outbox& out);
    void send_reply(std::string_view peer, proto::frame_list frames, outbox& out,
                    std::optional<proto::ack> ack = std::nullopt);
    void publish_probe(session& s, time_point now, outbox& out);
    void publish(const proto::event& e, outbox& out);
    // Publishes STATS, and logs the counters if they changed since they were last logged.
    void publish_stats(time_point now, outbox& out);

    config cfg_;
    std::uint64_t epoch_;
    std::function<proto::session_secret()> make_secret_;
    session_table sessions_;
    std::size_t joined_ = 0; // sessions joined (confirmed), in any number of rooms
    // Every room kept, by name; in name order, as ROOMS lists them.
    std::map<std::string, room, std::less<>> rooms_;
    // Rooms whose sequences moved since the last HEARTBEAT, and the last room a HEARTBEAT
    // listed in turn.
    std::set<std::string, std::less<>> changed_rooms_;
    std::string heads_cursor_;
    // Empty rooms forgotten to make way for others in this epoch: the generation of a room
    // opened now.
    std::uint64_t rooms_forgotten_ = 0;
    std::uint64_t next_session_id_ = 1;
    liveness_queue liveness_;
    // What STATS reports.
    struct counters {
        std::uint64_t events = 0; // sequenced events published, in all rooms
        std::uint64_t lines_in = 0;
        std::uint64_t bytes_in = 0;
        std::uint64_t bytes_out = 0;
        std::uint64_t expired = 0;
        std::uint64_t evicted = 0;
        std::size_t peak_online = 0;
        std::size_t lagging = 0;
        std::uint64_t errors_suppressed = 0;
        std::map<proto::error_code, std::uint64_t> rejected;
    } counters_;
    // What had happened (events, expiries, evictions, refusals) when the counters were last
    // logged with a STATS, so that an idle broker logs nothing.
    std::string happened_logged_;
    // "E_X:3,E_Y:1", or "none".
    std::string rejected_text() const;
    time_point now_{};            // of the call being handled
    time_point started_{};        // set by the first tick
    time_point next_stats_{};     // the first tick schedules the first STATS
    time_point next_heartbeat_{}; // the first tick publishes one at once
    // Routing ids of sessions that expired, so their next heartbeat is told to rejoin. Bounded:
    // the oldest is forgotten first.
    static constexpr std::size_t max_remembered_expired = 10000;
    std::unordered_set<std::string> recently_expired_;
    std::deque<std::string> expired_order_;
    // ERROR budgets of peers without a session, bounded like the expired peers above.
    static constexpr double errors_per_second = 10;
    static constexpr std::size_t max_remembered_strangers = 4096;
    std::unordered_map<std::string, proto::token_bucket, proto::string_hash, std::equal_to<>>
        stranger_errors_;
    std::deque<std::string> stranger_order_;
};

} // namespace zchat::broker
