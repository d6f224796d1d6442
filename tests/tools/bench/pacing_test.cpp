#include "tools/bench/pacing.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace zchat::bench {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(Pacing, LinesAreSpreadRoundRobinOverPublishers) {
    const pacing p(seconds(10), 1000, 2);
    EXPECT_EQ(p.intended(0, 0), seconds(10));
    EXPECT_EQ(p.intended(1, 0), seconds(10) + milliseconds(1));
    EXPECT_EQ(p.intended(0, 1), seconds(10) + milliseconds(2));
    EXPECT_EQ(p.intended(1, 1), seconds(10) + milliseconds(3));
}

TEST(Pacing, NothingIsDueBeforeTheStartAndTheFirstLineIsDueAtIt) {
    const pacing p(seconds(1), 100, 3);
    EXPECT_EQ(p.due_total(seconds(1) - nanoseconds(1)), 0u);
    EXPECT_EQ(p.due_total(seconds(1)), 1u);
    EXPECT_EQ(p.due(0, seconds(1)), 1u);
    EXPECT_EQ(p.due(1, seconds(1)), 0u);
    EXPECT_EQ(p.due(1, seconds(1) + milliseconds(10)), 1u);
    EXPECT_EQ(p.due(1, seconds(1) + milliseconds(10) - nanoseconds(1)), 0u);
}

TEST(Pacing, DueCountsAgreeWithIntendedTimesEverywhere) {
    const pacing p(nanoseconds(123), 7777.7, 5);
    std::mt19937_64 random(1);
    for (int i = 0; i < 2000; ++i) {
        const nanoseconds now(static_cast<std::int64_t>(random() % 2'000'000'000));
        std::uint64_t sum = 0;
        for (std::uint32_t pub = 0; pub < 5; ++pub) {
            const std::uint64_t due = p.due(pub, now);
            sum += due;
            if (due > 0) {
                EXPECT_LE(p.intended(pub, due - 1), now);
            }
            EXPECT_GT(p.intended(pub, due), now);
        }
        EXPECT_EQ(sum, p.due_total(now));
    }
}

TEST(Pacing, IntendedTimesDoNotDependOnWhenLinesWereSent) {
    // A sender that stalls for half a second sends its backlog at once afterwards; each line
    // keeps its intended time, so the stall shows as latency, not as a slower rate.
    const pacing p(seconds(0), 1000, 1);
    std::vector<nanoseconds> intended_when_sent;
    std::uint64_t sent = 0;
    for (const auto now : {milliseconds(10), milliseconds(510), milliseconds(520)}) {
        for (; sent < p.due(0, now); ++sent)
            intended_when_sent.push_back(p.intended(0, sent));
    }
    ASSERT_EQ(sent, 521u);
    for (std::uint64_t k = 0; k < sent; ++k)
        EXPECT_EQ(intended_when_sent[k], milliseconds(k)) << k;
    // Lines sent at 510 ms that were due at 11..510 ms carry up to 499 ms of latency.
    EXPECT_EQ(milliseconds(510) - intended_when_sent[11], milliseconds(499));
}

TEST(Pacing, LongRunsDoNotDrift) {
    const pacing p(seconds(0), 3, 1);
    EXPECT_EQ(p.intended(0, 3'000'000), seconds(1'000'000));
    EXPECT_EQ(p.due(0, seconds(1'000'000)), 3'000'001u);
}

TEST(Bursts, LinesFurtherApartThanAQuantumEachLeaveWhenDue) {
    bursts b(microseconds(100));
    EXPECT_EQ(b.leaves(milliseconds(1)), milliseconds(1));
    EXPECT_FALSE(b.take(microseconds(999), milliseconds(1)));
    EXPECT_TRUE(b.take(milliseconds(1), milliseconds(1)));
    EXPECT_EQ(b.leaves(milliseconds(2)), milliseconds(2));
    EXPECT_TRUE(b.take(milliseconds(2), milliseconds(2)));
}

TEST(Bursts, LinesDueWithinAQuantumOfTheLastBurstWaitForTheNext) {
    bursts b(microseconds(100));
    ASSERT_TRUE(b.take(microseconds(1000), microseconds(1000)));
    // Due 10 us later: leaves a quantum after the last burst's first line was due.
    EXPECT_EQ(b.leaves(microseconds(1010)), microseconds(1100));
    EXPECT_FALSE(b.take(microseconds(1050), microseconds(1010)));
    EXPECT_TRUE(b.take(microseconds(1100), microseconds(1010)));
    // Counted from due times: a burst that left late does not push the next one back.
    EXPECT_EQ(b.leaves(microseconds(1020)), microseconds(1110));
}

} // namespace
} // namespace zchat::bench
