// Who has been silent longest. Every session's sign of life moves it to the back of one list,
// so noting a message is O(1), finding the next session to expire is O(1), and an idle session
// costs nothing between checks, however many there are.
//
// Pure bookkeeping with time as an argument; the broker core decides what expiry means.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>

namespace zchat::broker {

using time_point = std::chrono::steady_clock::time_point;

class liveness_queue {
public:
    // Starts watching a session, as if it had just been heard from.
    void track(std::uint64_t id, time_point now);
    // Notes a sign of life from a watched session; unwatched ids are ignored.
    void heard(std::uint64_t id, time_point now);
    // Stops watching a session.
    void forget(std::uint64_t id);
    // Moves every watched session's last sign of life `pause` later: a time in which nobody
    // could be heard is not counted as anybody's silence.
    void excuse(std::chrono::nanoseconds pause);

    // The session silent the longest, if it has been silent for at least `timeout`.
    std::optional<std::uint64_t> expired(time_point now, std::chrono::nanoseconds timeout) const;
    // When the session silent the longest will have been silent for `timeout`; max() if none.
    time_point next_expiry(std::chrono::nanoseconds timeout) const;

    std::size_t size() const { return order_.size(); }

private:
    struct entry {
        std::uint64_t id;
        time_point last_heard;
    };
    std::list<entry> order_; // least recently heard first
    std::unordered_map<std::uint64_t, std::list<entry>::iterator> where_;
};

} // namespace zchat::broker
