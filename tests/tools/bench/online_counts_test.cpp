#include "tools/bench/online_counts.hpp"

#include <gtest/gtest.h>

namespace zchat::bench {
namespace {

TEST(OnlineCounts, NothingSeenIsNothingKnownAndSettled) {
    const online_counts counts;
    EXPECT_FALSE(counts.initial());
    EXPECT_FALSE(counts.latest());
    EXPECT_TRUE(counts.settled());
}

// Two rooms' events arrive interleaved on one SUB; each room's count goes its own way.
TEST(OnlineCounts, EachRoomIsCheckedAgainstItsOwnPreviousCount) {
    online_counts counts;
    EXPECT_TRUE(counts.record("bench-0", 3, +1)); // bench-0 had 2 before
    EXPECT_TRUE(counts.record("bench-1", 1, +1)); // bench-1 had none
    EXPECT_TRUE(counts.record("bench-0", 4, +1));
    EXPECT_TRUE(counts.record("bench-1", 0, -1));
    EXPECT_TRUE(counts.record("bench-0", 3, -1));
    EXPECT_EQ(counts.initial(), 2);
    EXPECT_EQ(counts.latest(), 3);
    EXPECT_FALSE(counts.settled());
    EXPECT_TRUE(counts.record("bench-0", 2, -1));
    EXPECT_TRUE(counts.settled());
}

TEST(OnlineCounts, ACountThatSkipsIsCaughtInItsRoomOnly) {
    online_counts counts;
    counts.record("bench-0", 5, +1);
    counts.record("bench-1", 1, +1);
    // Right after bench-0's count (5 + 1), wrong after bench-1's (1 + 1).
    EXPECT_FALSE(counts.record("bench-1", 6, +1));
    // The wrong count is now bench-1's latest, and the next is checked against it.
    EXPECT_TRUE(counts.record("bench-1", 5, -1));
    EXPECT_TRUE(counts.record("bench-0", 6, +1));
}

} // namespace
} // namespace zchat::bench
