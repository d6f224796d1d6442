// The one sequence tracker: what each event means for the stream it belongs to.
#include "proto/sequence_tracker.hpp"

#include <gtest/gtest.h>

namespace zchat::proto {
namespace {

using kind = sequence_verdict::kind;
constexpr bool sequenced = true;
constexpr bool repeats_latest = false;

TEST(SequenceTracker, CountingStartsAtTheFirstEventWhateverItsNumber) {
    sequence_tracker t;
    EXPECT_FALSE(t.epoch());
    EXPECT_EQ(t.follow(7, 40, sequenced).what, kind::first); // the slow joiner: not a gap
    EXPECT_EQ(t.epoch(), 7u);
    EXPECT_EQ(t.latest(), 40u);
    EXPECT_EQ(t.follow(7, 41, sequenced).what, kind::in_order);
    EXPECT_EQ(t.follow(7, 41, repeats_latest).what, kind::in_order); // a heartbeat
    EXPECT_EQ(t.latest(), 41u);
}

TEST(SequenceTracker, AGapNamesTheNumbersMissed) {
    sequence_tracker t;
    t.follow(7, 10, sequenced);
    const sequence_verdict v = t.follow(7, 14, sequenced);
    EXPECT_EQ(v.what, kind::gap);
    EXPECT_EQ(v.first_missed, 11u);
    EXPECT_EQ(v.last_missed, 13u);
    EXPECT_EQ(v.missed(), 3u);
    EXPECT_EQ(t.latest(), 14u);
    // A heartbeat carrying a later latest number means those events were missed too.
    const sequence_verdict hb = t.follow(7, 16, repeats_latest);
    EXPECT_EQ(hb.what, kind::gap);
    EXPECT_EQ(hb.first_missed, 15u);
    EXPECT_EQ(hb.last_missed, 16u);
}

TEST(SequenceTracker, ANumberAlreadySeenIsBackwardsAndChangesNothing) {
    sequence_tracker t;
    t.follow(7, 10, sequenced);
    const sequence_verdict dup = t.follow(7, 10, sequenced);
    EXPECT_EQ(dup.what, kind::backwards);
    EXPECT_EQ(dup.latest, 10u);
    EXPECT_EQ(dup.missed(), 0u);
    EXPECT_EQ(t.follow(7, 9, repeats_latest).what, kind::backwards);
    EXPECT_EQ(t.latest(), 10u);
    EXPECT_EQ(t.follow(7, 11, sequenced).what, kind::in_order);
}

TEST(SequenceTracker, ANewEpochIsARestartNotAGap) {
    sequence_tracker t;
    t.follow(7, 500, sequenced);
    const sequence_verdict v = t.follow(8, 3, sequenced);
    EXPECT_EQ(v.what, kind::restart);
    EXPECT_EQ(v.previous_epoch, 7u);
    EXPECT_EQ(v.missed(), 0u);
    EXPECT_EQ(t.epoch(), 8u);
    EXPECT_EQ(t.latest(), 3u);
    EXPECT_EQ(t.follow(8, 4, sequenced).what, kind::in_order);
}

} // namespace
} // namespace zchat::proto
