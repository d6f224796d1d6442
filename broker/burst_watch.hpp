// Tells the broker loop when a burst of sends is over, so that it can hand back to the operating
// system the memory the burst left free (see server::run). Pure: the loop reports what it sent
// and the time, and asks.
#pragma once

#include <chrono>
#include <cstdint>

namespace zchat::broker {

class burst_watch {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using duration = std::chrono::steady_clock::duration;

    // A check interval in which at least `messages_per_second` a second were sent is busy.
    burst_watch(std::uint64_t messages_per_second, duration check_interval, time_point start)
        : messages_per_second_(messages_per_second), check_interval_(check_interval),
          last_check_(start) {}

    void sent(std::uint64_t messages) { sent_ += messages; }

    // True at the first check that finds an interval quiet after one or more busy ones, once per
    // burst. Checks come at most once per check interval; calls in between return false.
    bool burst_ended(time_point now);

private:
    std::uint64_t messages_per_second_;
    duration check_interval_;
    time_point last_check_;
    std::uint64_t sent_ = 0; // since last_check_
    bool in_burst_ = false;
};

} // namespace zchat::broker
