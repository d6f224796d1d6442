#include "proto/token_bucket.hpp"

#include <gtest/gtest.h>

namespace zchat::proto {
namespace {

using namespace std::chrono_literals;
const token_bucket::time_point t0 = token_bucket::time_point{} + 1h;

TEST(TokenBucket, AllowsTheBurstAtOnceThenTheRate) {
    token_bucket b(20, 40);
    int taken = 0;
    while (b.take(t0))
        ++taken;
    EXPECT_EQ(taken, 40);
    EXPECT_FALSE(b.take(t0 + 49ms));
    EXPECT_TRUE(b.take(t0 + 50ms));
    EXPECT_FALSE(b.take(t0 + 51ms));
}

TEST(TokenBucket, RefillsNoFurtherThanTheBurst) {
    token_bucket b(10, 3);
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(b.take(t0));
    int taken = 0;
    while (b.take(t0 + 1h))
        ++taken;
    EXPECT_EQ(taken, 3);
}

TEST(TokenBucket, SaysWhenTheNextTokenComes) {
    token_bucket b(4, 1);
    EXPECT_EQ(b.next_token(t0), t0);
    EXPECT_TRUE(b.take(t0));
    EXPECT_EQ(b.next_token(t0), t0 + 250ms);
    EXPECT_EQ(b.next_token(t0 + 100ms), t0 + 250ms);
    EXPECT_TRUE(b.take(b.next_token(t0)));
}

TEST(TokenBucket, RateZeroIsUnlimited) {
    token_bucket b(0, 0);
    for (int i = 0; i < 100000; ++i)
        ASSERT_TRUE(b.take(t0));
    EXPECT_EQ(b.next_token(t0), t0);
}

TEST(TokenBucket, TimeGoingBackwardsGivesNothingAway) {
    token_bucket b(1, 1);
    EXPECT_TRUE(b.take(t0 + 10s));
    EXPECT_FALSE(b.take(t0));
    EXPECT_FALSE(b.take(t0 + 10s));
    EXPECT_TRUE(b.take(t0 + 11s));
}

} // namespace
} // namespace zchat::proto
