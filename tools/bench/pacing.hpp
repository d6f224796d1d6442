// The send schedule of the bench's publishers: when each chat line is *meant* to be sent.
//
// R lines per second are spread over P publishers round-robin: line i of the whole run is due
// at start + i / R and belongs to publisher i mod P. A publisher that falls behind (because the
// broker stalls it, or the generator is busy) sends its overdue lines as soon as it can, and
// every latency is measured from the intended time, not from when the line actually left: a
// stall then shows up as latency instead of as a slower sender (the coordinated-omission
// mistake wrk2 fixed). Pure arithmetic: the schedule never depends on when lines were sent.
#pragma once

#include <chrono>
#include <cstdint>

namespace zchat::bench {

class pacing {
public:
    using nanoseconds = std::chrono::nanoseconds;

    // rate in lines per second (> 0) for all publishers together, publishers > 0; times are
    // offsets on any clock (the bench uses steady_clock nanoseconds).
    pacing(nanoseconds start, double rate, std::uint32_t publishers);

    // When publisher p's line k (k = 0, 1, ...) is due.
    nanoseconds intended(std::uint32_t publisher, std::uint64_t k) const;
    // How many of publisher p's lines are due at `now` (intended time <= now).
    std::uint64_t due(std::uint32_t publisher, nanoseconds now) const;
    // How many lines all publishers together have due by `now`.
    std::uint64_t due_total(nanoseconds now) const;

    double rate() const { return rate_; }
    std::uint32_t publishers() const { return publishers_; }

private:
    nanoseconds start_;
    double rate_;
    std::uint32_t publishers_;
};

} // namespace zchat::bench
