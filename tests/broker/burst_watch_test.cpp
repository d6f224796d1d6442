// When the broker trims its heap: once, at the first quiet interval after a burst of sends.
#include "broker/burst_watch.hpp"

#include <gtest/gtest.h>

namespace zchat::broker {
namespace {

using namespace std::chrono_literals;
const burst_watch::time_point t0 = burst_watch::time_point{} + 1h;

TEST(BurstWatch, EndsOnceAtTheFirstQuietIntervalAfterABusyOne) {
    burst_watch w(32, 1s, t0);
    w.sent(32);
    EXPECT_FALSE(w.burst_ended(t0 + 1s)); // busy: the burst goes on
    w.sent(500);
    EXPECT_FALSE(w.burst_ended(t0 + 2s));
    w.sent(31);
    EXPECT_TRUE(w.burst_ended(t0 + 3s));  // quiet
    EXPECT_FALSE(w.burst_ended(t0 + 4s)); // still quiet: already reported
}

TEST(BurstWatch, QuietTrafficNeverMakesABurst) {
    burst_watch w(32, 1s, t0);
    for (int second = 1; second <= 10; ++second) {
        w.sent(31);
        EXPECT_FALSE(w.burst_ended(t0 + second * 1s));
    }
}

TEST(BurstWatch, ChecksComeAtMostOncePerIntervalAndARateOverALongerOneCounts) {
    burst_watch w(32, 1s, t0);
    w.sent(100);
    EXPECT_FALSE(w.burst_ended(t0 + 500ms)); // too early: not a check, the count stays
    w.sent(20);
    EXPECT_FALSE(w.burst_ended(t0 + 3s)); // 120 in 3 s: busy
    EXPECT_TRUE(w.burst_ended(t0 + 6s));  // nothing in 3 s
}

} // namespace
} // namespace zchat::broker
