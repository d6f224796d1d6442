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

// A room opened again numbers in a later generation (the high 32 bits): counting starts again
// there, not a gap; a number from an earlier generation is backwards.
TEST(SequenceTracker, ALaterRoomGenerationIsAReopeningNotAGap) {
    constexpr std::uint64_t generation_3 = std::uint64_t{3} << room_generation_shift;
    sequence_tracker t;
    t.follow(7, 40, sequenced);
    const sequence_verdict v = t.follow(7, generation_3 + 2, sequenced);
    EXPECT_EQ(v.what, kind::reopened);
    EXPECT_EQ(v.missed(), 0u);
    EXPECT_EQ(t.latest(), generation_3 + 2);
    EXPECT_EQ(t.follow(7, generation_3 + 4, sequenced).missed(), 1u);
    EXPECT_EQ(t.follow(7, 41, sequenced).what, kind::backwards);
    EXPECT_EQ(t.follow(7, generation_3 + 4, repeats_latest).what, kind::in_order);
}

TEST(SequenceTracker, FollowsOneStreamSoEachRoomsChatAndPresenceTakeATrackerEach) {
    // A room numbers its LINEs and its JOINs and LEAVEs apart, each from 1: interleaved, the
    // two streams are each in order, though their numbers go back and forth between them.
    sequence_tracker chat;
    sequence_tracker presence;
    EXPECT_EQ(presence.follow(7, 1, sequenced).what, kind::first);    // JOIN 1
    EXPECT_EQ(chat.follow(7, 1, sequenced).what, kind::first);        // LINE 1
    EXPECT_EQ(chat.follow(7, 2, sequenced).what, kind::in_order);     // LINE 2
    EXPECT_EQ(presence.follow(7, 2, sequenced).what, kind::in_order); // LEAVE 2
    EXPECT_EQ(chat.follow(7, 3, sequenced).what, kind::in_order);     // LINE 3
    // A HEARTBEAT's head for the room: where each stream stands, checked against each tracker.
    EXPECT_EQ(chat.follow(7, 3, repeats_latest).what, kind::in_order);
    EXPECT_EQ(presence.follow(7, 4, repeats_latest).what, kind::gap); // a JOIN missed
    // One tracker fed both streams would take the room's first LINE, after its first JOIN, for
    // a duplicate.
    sequence_tracker mixed;
    mixed.follow(7, 1, sequenced);
    EXPECT_EQ(mixed.follow(7, 1, sequenced).what, kind::backwards);
}

} // namespace
} // namespace zchat::proto
