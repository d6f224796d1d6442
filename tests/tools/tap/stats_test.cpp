// The tap's --stats aggregation: per-period counts and rates on an injected clock, the online
// count from heartbeats, and the exit summary's totals.
#include "tools/tap/stats.hpp"

#include "tests/tools/tap/support.hpp"

#include <gtest/gtest.h>

namespace zchat::tap {
namespace {

using namespace std::chrono_literals;
using test::arrived;
using test::at;

note event_at(proto::event e, std::int64_t ms, std::size_t bytes) {
    return note{at(ms), arrived(std::move(e), bytes)};
}

constexpr std::size_t line_index = 0;
constexpr std::size_t heartbeat_index = 3;

TEST(TapStats, CountsShownEventsPerPeriodAndReportsRates) {
    stats_aggregator s(1s, at(0).steady);
    for (int i = 0; i < 4; ++i)
        s.add(event_at(test::line_at(7, static_cast<std::uint64_t>(i + 1)), 100 + i, 50), true);
    s.add(event_at(test::heartbeat_at(7, {{"lobby", 4, 3}}, 3), 500, 40), true);
    s.add({at(600), gap{"lobby", "chat", 7, 5, 6}}, true);
    EXPECT_FALSE(s.tick(at(999).steady));
    const auto r = s.tick(at(1000).steady);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->counts.by_kind[line_index], 4u);
    EXPECT_EQ(r->counts.by_kind[heartbeat_index], 1u);
    EXPECT_EQ(r->counts.events(), 5u);
    EXPECT_EQ(r->counts.bytes, 240u);
    EXPECT_EQ(r->counts.missed, 2u);
    EXPECT_DOUBLE_EQ(r->events_per_second(), 5.0);
    EXPECT_DOUBLE_EQ(r->events_per_second(line_index), 4.0);
    EXPECT_DOUBLE_EQ(r->bytes_per_second(), 240.0);
    EXPECT_EQ(r->online, 3u);
    EXPECT_EQ(s.next_tick(), at(2000).steady);
    // The next period starts empty.
    const auto r2 = s.tick(at(2000).steady);
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->counts.events(), 0u);
    EXPECT_EQ(r2->online, 3u);
}

TEST(TapStats, HiddenEventsAreNotCountedButHeartbeatsStillGiveTheOnlineCount) {
    stats_aggregator s(500ms, at(0).steady);
    s.add(event_at(test::heartbeat_at(7, {}, 9), 10, 40), false);
    s.add(event_at(test::line_at(7, 1), 20, 50), false);
    const auto r = s.tick(at(500).steady);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->counts.events(), 0u);
    EXPECT_EQ(r->counts.bytes, 0u);
    EXPECT_EQ(r->online, 9u);
    EXPECT_DOUBLE_EQ(r->events_per_second(), 0.0);
}

TEST(TapStats, SummaryTotalsEveryPeriodAndThePartialOne) {
    stats_aggregator s(1s, at(0).steady);
    std::uint64_t seq = 0;
    for (std::int64_t t = 0; t < 2500; t += 100)
        s.add(event_at(test::line_at(7, ++seq), t, 10), true);
    s.add({at(1200), restart{7, 8}}, true);
    s.add({at(1300), alert{}}, true);
    const std::string_view frames[] = {"chat/", "x"};
    s.add({at(1400), std::get<undecodable>(read_message(frames).at(0))}, true);
    ASSERT_TRUE(s.tick(at(1000).steady));
    ASSERT_TRUE(s.tick(at(2000).steady));
    const auto sum = s.summary(at(2500).steady);
    EXPECT_EQ(sum.counts.by_kind[line_index], 25u);
    EXPECT_EQ(sum.counts.by_kind[counted_kinds.size() - 1], 1u); // undecodable
    EXPECT_EQ(sum.counts.events(), 26u);
    EXPECT_EQ(sum.counts.bytes, 256u);
    EXPECT_EQ(sum.counts.restarts, 1u);
    EXPECT_EQ(sum.counts.alerts, 1u);
    EXPECT_DOUBLE_EQ(sum.length.count(), 2.5);
}

} // namespace
} // namespace zchat::tap
