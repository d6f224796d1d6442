// The send schedule of the bench's publishers: when each chat line is *meant* to be sent, and
// how lines due close together leave in bursts.
//
// R lines per second are spread over P publishers round-robin: line i of the whole run is due
// at start + i / R and belongs to publisher i mod P. A publisher that falls behind (because the
// broker stalls it, or the generator is busy) sends its overdue lines as soon as it can, and
// every latency is measured from the intended time, not from when the line actually left: a
// stall then shows up as latency instead of as a slower sender (the coordinated-omission
// mistake wrk2 fixed). Pure arithmetic: the schedule never depends on when lines were sent.
#pragma once

#include <algorithm>
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

// Lines leave in bursts: a burst leaves no sooner than a quantum after the last one's first line
// was due, with every line due by then, so a line waits up to a quantum. Lines reach a loaded
// broker in bursts anyway, and a sender that woke for each line would spend its CPU on wakeups
// (at 300,000 lines/s, every 3 us) and become the limit itself. Counted from when lines were
// due, not sent, so that lateness does not add up from burst to burst; lines due further apart
// than a quantum each leave on time.
class bursts {
public:
    using nanoseconds = std::chrono::nanoseconds;

    explicit bursts(nanoseconds quantum) : quantum_(quantum) {}

    // When the burst whose first line is due at `first_due` may leave.
    nanoseconds leaves(nanoseconds first_due) const {
        return std::max(first_due, last_due_ + quantum_);
    }
    // Whether that burst may leave at `now`; if so, it is taken as the last one.
    bool take(nanoseconds now, nanoseconds first_due) {
        if (now < leaves(first_due))
            return false;
        last_due_ = first_due;
        return true;
    }

private:
    nanoseconds quantum_;
    nanoseconds last_due_ = nanoseconds::min() / 2; // no burst yet: the first leaves when due
};

} // namespace zchat::bench
