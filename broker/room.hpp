// One chat room: who is in it, how what happens in it is numbered, and the events that say so.
// Pure: no sockets, no clock. The core decides who may do what; a room records it and builds
// the event that tells the subscribers (as Asio's chat example has its chat_room).
//
// Every event of a room takes the room's next sequence number, and every change of its members
// the next roster version, so a subscriber of the room can tell a lost event from none.
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
    // `epoch` is the broker run's, stamped on every event the room builds.
    room(std::string name, std::uint64_t epoch);

    const std::string& name() const { return name_; }

    // Adds session `id` under `member_name`; returns the JOIN that announces it. The session must
    // not be a member.
    proto::joined enter(std::uint64_t id, const std::string& member_name);
    // Removes member `id`; returns the LEAVE that announces it, with `reason`.
    proto::left leave(std::uint64_t id, proto::leave_reason reason);
    // A line that member `id` said; returns the LINE that carries it.
    proto::line say(std::uint64_t id, std::uint64_t message_id, std::string text);

    bool has(std::uint64_t id) const { return members_.contains(id); }
    std::size_t size() const { return members_.size(); }
    // The sequence number of the room's latest event (0 before the first).
    std::uint64_t seq() const { return seq_; }
    // Bumped by every JOIN and LEAVE (0 before the first).
    std::uint64_t roster_version() const { return roster_version_; }
    // The members' names in ASCII-case-insensitive order.
    std::vector<std::string> names() const;

private:
    std::string name_;
    std::uint64_t epoch_;
    std::uint64_t seq_ = 0;
    std::uint64_t roster_version_ = 0;
    std::unordered_map<std::uint64_t, std::string> members_; // session id -> name
};

} // namespace zchat::broker
