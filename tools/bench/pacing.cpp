#include "tools/bench/pacing.hpp"

#include <cassert>
#include <cmath>

namespace zchat::bench {

pacing::pacing(nanoseconds start, double rate, std::uint32_t publishers)
    : start_(start), rate_(rate), publishers_(publishers) {
    assert(rate > 0 && publishers > 0);
}

pacing::nanoseconds pacing::intended(std::uint32_t publisher, std::uint64_t k) const {
    // Computed from the line's global index, never accumulated, so rounding cannot drift.
    const double index = static_cast<double>(k) * publishers_ + publisher;
    return start_ + nanoseconds(static_cast<std::int64_t>(std::llround(index * 1e9 / rate_)));
}

std::uint64_t pacing::due_total(nanoseconds now) const {
    if (now < start_)
        return 0;
    const double elapsed = static_cast<double>((now - start_).count());
    auto n = static_cast<std::uint64_t>(std::floor(elapsed * rate_ / 1e9)) + 1;
    // Rounding in intended() may put a boundary line a nanosecond either way: settle it exactly.
    while (n > 0 && start_ + nanoseconds(static_cast<std::int64_t>(
                                 std::llround(static_cast<double>(n - 1) * 1e9 / rate_))) >
                        now)
        --n;
    while (start_ + nanoseconds(static_cast<std::int64_t>(
                        std::llround(static_cast<double>(n) * 1e9 / rate_))) <=
           now)
        ++n;
    return n;
}

std::uint64_t pacing::due(std::uint32_t publisher, nanoseconds now) const {
    const std::uint64_t total = due_total(now);
    // Global lines 0 .. total-1; publisher p owns p, p+P, p+2P, ...
    if (total <= publisher)
        return 0;
    return (total - publisher - 1) / publishers_ + 1;
}

} // namespace zchat::bench
