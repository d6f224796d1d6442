// One chat room: who is in it, how what happens in it is numbered, the events that say so, and
// its latest lines for FETCH. Pure: no sockets, no clock (time is an argument). The core decides
// who may do what; a room records it and builds the event that tells the subscribers (as Asio's
// chat example has its chat_room, with its recent messages).
//
// A room numbers its events in two sequences, one per topic, so that a subscriber of either can
// tell a lost event from none: every LINE takes the next chat sequence number, and every JOIN and
// LEAVE the next presence sequence number, which is also the room's roster version.
#pragma once

#include "broker/liveness.hpp" // time_point
#include "proto/message.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace zchat::broker {

// How much of its chat a room keeps: its latest `lines` lines, fewer when they would take more
// than `bytes` in all, counted as a HISTORY reply carries them (proto::history_line_bytes), so
// that a room's memory stays bounded whatever the line count allowed and the lines kept fit
// one reply. {0, ...} keeps none.
struct history_limits {
    std::size_t lines = 200;
    std::size_t bytes = 64 * 1024;
};

class room {
public:
    // `epoch` is the broker run's, stamped on every event the room builds. Both sequences start
    // at `generation` in their high bits (proto::room_generation).
    room(std::string name, std::uint64_t epoch, std::uint64_t generation = 0,
         history_limits keep = {});

    const std::string& name() const { return name_; }

    // Adds session `id` under `member_name`; returns the JOIN that announces it. The session must
    // not be a member.
    proto::joined enter(std::uint64_t id, const std::string& member_name);
    // Removes member `id`; returns the LEAVE that announces it, with `reason`.
    proto::left leave(std::uint64_t id, proto::leave_reason reason);
    // A line that member `id` said (or, for an action, did) at `now`; returns the LINE that
    // carries it, and keeps the line in the room's history.
    proto::line say(std::uint64_t id, std::uint64_t message_id, std::string text,
                    proto::line_kind kind, time_point now);
    // The lines kept that are numbered first to last, in order, with their age at `now`. Takes
    // time in the number of lines returned, whatever the range.
    std::vector<proto::history_line> history(std::uint64_t first, std::uint64_t last,
                                             time_point now) const;
    // Keeps at most this from now on, forgetting the oldest lines at once if need be.
    void keep(history_limits limits);
    // Lines kept, and the bytes they count for (history_limits).
    std::size_t kept_lines() const { return kept_.size(); }
    std::size_t kept_bytes() const { return kept_bytes_; }

    bool has(std::uint64_t id) const { return members_.contains(id); }
    std::size_t size() const { return members_.size(); }
    bool empty() const { return members_.empty(); }
    // The chat sequence number of the room's latest LINE (where the room started, before the
    // first).
    std::uint64_t seq() const { return seq_; }
    // The presence sequence number of its latest JOIN or LEAVE (likewise).
    std::uint64_t roster_version() const { return roster_version_; }
    // Where both stand.
    proto::room_head head() const { return {name_, seq_, roster_version_}; }
    // The members' names in ASCII-case-insensitive order.
    std::vector<std::string> names() const;

private:
    struct kept_line {
        time_point at;
        proto::history_line line;
    };
    // Forgets the oldest lines until what is kept fits the limits.
    void trim();

    std::string name_;
    std::uint64_t epoch_;
    std::uint64_t seq_;
    std::uint64_t roster_version_;
    std::unordered_map<std::uint64_t, std::string> members_; // session id -> name
    history_limits limits_;
    // The latest lines, oldest first: their seqs run without a hole up to seq_.
    std::deque<kept_line> kept_;
    std::size_t kept_bytes_ = 0;
};

} // namespace zchat::broker
