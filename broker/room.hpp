// One chat room: who is in it, how what happens in it is numbered, and the events that say so.
// Pure: no sockets, no clock. The core decides who may do what; a room records it and builds
// the event that tells the subscribers (as Asio's chat example has its chat_room).
//
// A room numbers its events in two sequences, one per topic, so that a subscriber of either can
// tell a lost event from none: every LINE takes the next chat sequence number, and every JOIN and
// LEAVE the next presence sequence number, which is also the room's roster version.
#pragma once

#include "proto/message.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace zchat::broker {

class room {
public:
    // `epoch` is the broker run's, stamped on every event the room builds. Both sequences start
    // at `generation` in their high bits (proto::room_generation).
    room(std::string name, std::uint64_t epoch, std::uint64_t generation = 0);

    const std::string& name() const { return name_; }

    // Adds session `id` under `member_name`; returns the JOIN that announces it. The session must
    // not be a member.
    proto::joined enter(std::uint64_t id, const std::string& member_name);
    // Removes member `id`; returns the LEAVE that announces it, with `reason`.
    proto::left leave(std::uint64_t id, proto::leave_reason reason);
    // A line that member `id` said (or, for an action, did); returns the LINE that carries it.
    proto::line say(std::uint64_t id, std::uint64_t message_id, std::string text,
                    proto::line_kind kind = proto::line_kind::text);

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
    std::string name_;
    std::uint64_t epoch_;
    std::uint64_t seq_;
    std::uint64_t roster_version_;
    std::unordered_map<std::uint64_t, std::string> members_; // session id -> name
};

} // namespace zchat::broker
