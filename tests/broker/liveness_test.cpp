// The liveness queue with an injected clock: no sleeps.
#include "broker/liveness.hpp"

#include <gtest/gtest.h>

namespace zchat::broker {
namespace {

using namespace std::chrono_literals;

const time_point t0 = time_point{} + 1h;
constexpr auto timeout = 3s;

TEST(LivenessQueue, ExpiresExactlyAtTheBoundAndNotBefore) {
    liveness_queue q;
    q.track(1, t0);
    EXPECT_EQ(q.next_expiry(timeout), t0 + 3s);
    EXPECT_FALSE(q.expired(t0 + 3s - 1ns, timeout));
    EXPECT_EQ(q.expired(t0 + 3s, timeout), 1u);
}

TEST(LivenessQueue, SignOfLifeResetsTheBound) {
    liveness_queue q;
    q.track(1, t0);
    q.heard(1, t0 + 2s);
    EXPECT_FALSE(q.expired(t0 + 4s, timeout));
    EXPECT_EQ(q.expired(t0 + 5s, timeout), 1u);
}

TEST(LivenessQueue, AnExcusedPauseMovesEveryBoundByItAndKeepsTheOrder) {
    liveness_queue q;
    q.track(1, t0);
    q.track(2, t0 + 1s);
    q.excuse(10s);
    EXPECT_EQ(q.next_expiry(timeout), t0 + 13s);
    EXPECT_FALSE(q.expired(t0 + 13s - 1ns, timeout));
    EXPECT_EQ(q.expired(t0 + 13s, timeout), 1u);
    q.forget(1);
    EXPECT_FALSE(q.expired(t0 + 14s - 1ns, timeout));
    EXPECT_EQ(q.expired(t0 + 14s, timeout), 2u);
}

TEST(LivenessQueue, SessionsExpireInTheOrderTheyFellSilent) {
    liveness_queue q;
    for (std::uint64_t id = 1; id <= 1000; ++id)
        q.track(id, t0 + std::chrono::milliseconds(id));
    q.heard(1, t0 + 2s); // the first one spoke up again: it is now the last to expire
    std::vector<std::uint64_t> order;
    while (const auto id = q.expired(t0 + 1h, timeout)) {
        order.push_back(*id);
        q.forget(*id);
    }
    ASSERT_EQ(order.size(), 1000u);
    EXPECT_EQ(order.front(), 2u);
    EXPECT_EQ(order[998], 1000u);
    EXPECT_EQ(order.back(), 1u);
    EXPECT_EQ(q.size(), 0u);
    EXPECT_EQ(q.next_expiry(timeout), time_point::max());
}

TEST(LivenessQueue, UnknownIdsAreIgnoredAndTrackingTwiceKeepsOneEntry) {
    liveness_queue q;
    q.heard(7, t0);
    q.forget(7);
    EXPECT_EQ(q.size(), 0u);
    q.track(7, t0);
    q.track(7, t0 + 1s);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.next_expiry(timeout), t0 + 4s);
}

} // namespace
} // namespace zchat::broker
