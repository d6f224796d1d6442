// Who is connected: every session, pending or joined, findable by routing id, by session id
// and by folded name. Pure bookkeeping: no sockets, no clocks read, no protocol decisions.
#pragma once

#include "proto/message.hpp"
#include "proto/string_hash.hpp"
#include "proto/token_bucket.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace zchat::broker {

using time_point = std::chrono::steady_clock::time_point;

struct session {
    std::uint64_t id = 0;
    std::string name;
    std::string peer; // current ROUTER routing id
    proto::session_secret secret{};
    bool joined = false; // false until the client's SUB first confirms
    // The CURVE key that joined (Z85), as the server passes it on ("" without an allowlist):
    // every later command must come with the same.
    std::string key;
    // Through relays under CURVE: the key of the relay connected to the broker that carries the
    // session ("" for a direct connection); a reload that removes it ends the session.
    std::string relay_key;
    // While the broker waits for the SUB to confirm (a new join, or a resumed session on a
    // new connection): since when, and when to probe next.
    time_point probing_since{};
    time_point next_probe{};
    // The room its HELLO named, entered when the SUB confirms; then the rooms it is in, in the
    // order it entered them.
    std::string first_room;
    std::vector<std::string> rooms;
    // Since when the client has reported being too far behind in a room (nothing while it keeps
    // up).
    std::optional<time_point> lagging_since;
    // The session's message rate, the ERRORs it may still be sent, and whether it is flooding.
    proto::token_bucket rate{0, 0};
    proto::token_bucket error_cap{10, 10};
    std::optional<time_point> flooding_since;
    time_point last_refused{};
    // The protocol errors the session has caused since errors_since (see config::max_errors).
    std::uint32_t error_count = 0;
    time_point errors_since{};
};

class session_table {
public:
    // Adds a pending session. The name must not be taken and the peer must have no session.
    session& add(std::string peer, std::string name, std::uint64_t id,
                 const proto::session_secret& secret, time_point now);
    void remove(std::uint64_t id);
    // Marks a pending session joined: its SUB confirmed, so it stops being probed.
    void mark_joined(session& s);
    // Moves a session to another connection (a client that reconnected), to be probed again.
    void move_to(session& s, std::string peer, time_point now);
    // Stops probing a session that was already joined: its new connection is confirmed.
    void confirm(session& s);

    session* find_by_peer(std::string_view peer);
    session* find_by_id(std::uint64_t id);
    bool name_taken(std::string_view name) const;
    // The session under `name`, compared under ASCII case folding, pending or joined.
    session* find_by_name(std::string_view name);

    std::size_t size() const { return by_id_.size(); }
    // Every session's id, oldest first.
    std::vector<std::uint64_t> ids() const;
    // Ids of sessions waiting for their SUB to confirm.
    const std::set<std::uint64_t>& probing() const { return probing_; }
    session& at(std::uint64_t id) { return by_id_.at(id); }
    const session& at(std::uint64_t id) const { return by_id_.at(id); }

private:
    using index =
        std::unordered_map<std::string, std::uint64_t, proto::string_hash, std::equal_to<>>;

    std::unordered_map<std::uint64_t, session> by_id_;
    index by_peer_;
    index by_name_; // folded name
    std::set<std::uint64_t> probing_;
};

} // namespace zchat::broker
