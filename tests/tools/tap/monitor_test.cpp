// The tap's monitor: gaps, restarts, sequence numbers going backwards, the broker's heartbeat
// going missing (on an injected clock) and coming back, and online counts that disagree with
// the joins and leaves seen. No sockets, no sleeps.
#include "tools/tap/monitor.hpp"

#include "tests/tools/tap/support.hpp"

#include <gtest/gtest.h>

namespace zchat::tap {
namespace {

using test::arrived;
using test::at;
using test::heartbeat_at;
using test::join_at;
using test::leave_at;
using test::line_at;

constexpr std::uint64_t epoch_a = 0xAAAA;
constexpr std::uint64_t epoch_b = 0xBBBB;

std::vector<std::string_view> kinds(const std::vector<note>& notes) {
    std::vector<std::string_view> out;
    for (const auto& n : notes)
        out.push_back(kind_of(n.body));
    return out;
}

template <class T>
std::vector<T> all_of(const std::vector<note>& notes) {
    std::vector<T> out;
    for (const auto& n : notes)
        if (const auto* x = std::get_if<T>(&n.body))
            out.push_back(*x);
    return out;
}

using kind_list = std::vector<std::string_view>;

// Feeds events one a millisecond and returns every note.
std::vector<note> feed(monitor& m, const std::vector<proto::event>& events, std::int64_t t0 = 0) {
    std::vector<note> out;
    for (const auto& e : events) {
        auto notes = m.observe(arrived(e), at(t0++));
        out.insert(out.end(), notes.begin(), notes.end());
    }
    return out;
}

TEST(TapMonitor, ConsecutiveEventsPassThroughWithoutNotes) {
    monitor m;
    const auto notes =
        feed(m, {heartbeat_at(epoch_a, 0), line_at(epoch_a, 1), join_at(epoch_a, 2, 1, 1),
                 heartbeat_at(epoch_a, 2, 1, 1), leave_at(epoch_a, 3, 0, 2)});
    EXPECT_EQ(kinds(notes), (kind_list{"heartbeat", "line", "join", "heartbeat", "leave"}));
    EXPECT_EQ(m.missed(), 0u);
    EXPECT_EQ(m.alerts(), 0u);
}

TEST(TapMonitor, MissedSequencedEventsAreAGapBeforeTheEventThatShowsIt) {
    monitor m;
    const auto notes = feed(m, {line_at(epoch_a, 1), line_at(epoch_a, 2), line_at(epoch_a, 5)});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "line", "gap", "line"}));
    const auto gaps = all_of<gap>(notes);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].first, 3u);
    EXPECT_EQ(gaps[0].last, 4u);
    EXPECT_EQ(gaps[0].epoch, epoch_a);
    EXPECT_EQ(m.missed(), 2u);
}

TEST(TapMonitor, AHeartbeatRevealsLossesInAQuietRoom) {
    monitor m;
    const auto notes =
        feed(m, {line_at(epoch_a, 2), heartbeat_at(epoch_a, 2), heartbeat_at(epoch_a, 4)});
    const auto gaps = all_of<gap>(notes);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].first, 3u);
    EXPECT_EQ(gaps[0].last, 4u);
    EXPECT_EQ(m.missed(), 2u);
}

TEST(TapMonitor, CountingStartsAtTheFirstEventSeen) {
    monitor m;
    const auto notes = feed(m, {heartbeat_at(epoch_a, 500), line_at(epoch_a, 501)});
    EXPECT_EQ(kinds(notes), (kind_list{"heartbeat", "line"}));
    EXPECT_EQ(m.missed(), 0u);
}

TEST(TapMonitor, ANewEpochIsARestartNotAGap) {
    monitor m;
    const auto notes =
        feed(m, {line_at(epoch_a, 40), heartbeat_at(epoch_b, 0), line_at(epoch_b, 3)});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "restart", "heartbeat", "gap", "line"}));
    const auto restarts = all_of<restart>(notes);
    ASSERT_EQ(restarts.size(), 1u);
    EXPECT_EQ(restarts[0].previous_epoch, epoch_a);
    EXPECT_EQ(restarts[0].epoch, epoch_b);
    EXPECT_EQ(m.restarts(), 1u);
    EXPECT_EQ(m.missed(), 2u); // seq 1 and 2 of the new epoch
    EXPECT_EQ(m.alerts(), 0u);
}

TEST(TapMonitor, SeqGoingBackwardsWithinAnEpochIsAnAlert) {
    monitor m;
    const auto notes =
        feed(m, {line_at(epoch_a, 5), line_at(epoch_a, 3), heartbeat_at(epoch_a, 4)});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "alert", "line", "alert", "heartbeat"}));
    const auto alerts = all_of<alert>(notes);
    ASSERT_EQ(alerts.size(), 2u);
    EXPECT_EQ(alerts[0].kind, alert_kind::seq_backwards);
    EXPECT_EQ(alerts[0].seq, 3u);
    EXPECT_EQ(alerts[0].previous_seq, 5u);
    EXPECT_EQ(alerts[0].message, "line with seq 3 after seq 5 in the same epoch");
    EXPECT_EQ(m.alerts(), 2u);
    EXPECT_EQ(m.missed(), 0u);
}

TEST(TapMonitor, ARepeatedSequencedSeqIsAnAlertButAHeartbeatMayRepeatIt) {
    monitor m;
    const auto notes =
        feed(m, {line_at(epoch_a, 5), heartbeat_at(epoch_a, 5), line_at(epoch_a, 5)});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "heartbeat", "alert", "line"}));
}

TEST(TapMonitor, NoGapsWhenTheSubscriptionLeavesSequencedTopicsOut) {
    monitor m(monitor_options{false, false, 3});
    const auto notes = feed(m, {line_at(epoch_a, 1), line_at(epoch_a, 4), heartbeat_at(epoch_a, 9),
                                line_at(epoch_a, 2)});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "line", "heartbeat", "alert", "line"}));
    EXPECT_EQ(m.missed(), 0u);
}

TEST(TapMonitor, MissingHeartbeatIsFlaggedOnceAfterLivenessIntervals) {
    monitor m;
    EXPECT_FALSE(m.next_check());
    m.observe(arrived(heartbeat_at(epoch_a, 0, 0, 0, 1000)), at(0));
    ASSERT_TRUE(m.next_check());
    EXPECT_EQ(*m.next_check(), at(3000).steady);
    EXPECT_TRUE(m.check(at(2999)).empty());
    // Any event is a sign of life, not only heartbeats.
    m.observe(arrived(line_at(epoch_a, 1)), at(2000));
    EXPECT_TRUE(m.check(at(4999)).empty());
    const auto notes = m.check(at(5000));
    const auto alerts = all_of<alert>(notes);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].kind, alert_kind::heartbeat_missing);
    EXPECT_EQ(alerts[0].silent_ms, 3000u);
    EXPECT_EQ(alerts[0].interval_ms, 1000u);
    EXPECT_EQ(alerts[0].message, "no event for 3000 ms (heartbeat every 1000 ms): broker gone?");
    EXPECT_TRUE(m.check(at(9000)).empty());
    EXPECT_FALSE(m.next_check());
}

TEST(TapMonitor, NothingIsFlaggedBeforeTheFirstHeartbeat) {
    monitor m;
    EXPECT_TRUE(m.check(at(3'600'000)).empty());
    m.observe(arrived(line_at(epoch_a, 1)), at(0));
    EXPECT_FALSE(m.next_check());
    EXPECT_TRUE(m.check(at(3'600'000)).empty());
}

TEST(TapMonitor, EventsAfterASilenceSayTheBrokerIsBackAndRecogniseANewEpoch) {
    monitor m;
    m.observe(arrived(heartbeat_at(epoch_a, 7, 0, 0, 100)), at(0));
    ASSERT_EQ(m.check(at(300)).size(), 1u);
    auto notes = m.observe(arrived(heartbeat_at(epoch_b, 0, 0, 0, 100)), at(1300));
    EXPECT_EQ(kinds(notes), (kind_list{"back", "restart", "heartbeat"}));
    const auto backs = all_of<back>(notes);
    EXPECT_EQ(backs[0].silent_ms, 1300u);
    EXPECT_TRUE(backs[0].new_epoch);
    EXPECT_EQ(backs[0].epoch, epoch_b);
    EXPECT_EQ(m.missed(), 0u);
    // Watching again.
    EXPECT_EQ(*m.next_check(), at(1600).steady);
}

TEST(TapMonitor, TheSameBrokerBackAfterABlipIsNoRestart) {
    monitor m;
    m.observe(arrived(heartbeat_at(epoch_a, 7, 0, 0, 100)), at(0));
    ASSERT_EQ(m.check(at(300)).size(), 1u);
    const auto notes = m.observe(arrived(heartbeat_at(epoch_a, 7, 0, 0, 100)), at(500));
    EXPECT_EQ(kinds(notes), (kind_list{"back", "heartbeat"}));
    EXPECT_FALSE(all_of<back>(notes)[0].new_epoch);
}

TEST(TapMonitor, AShutdownExplainsTheSilence) {
    monitor m;
    m.observe(arrived(heartbeat_at(epoch_a, 0, 0, 0, 100)), at(0));
    m.observe(arrived(proto::shutdown{epoch_a, 0}), at(10));
    const auto alerts = all_of<alert>(m.check(at(310)));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].message,
              "no event for 300 ms (heartbeat every 100 ms): the broker has shut down");
}

TEST(TapMonitor, JoinsAndLeavesMustMoveTheOnlineCountByOne) {
    monitor m;
    const auto notes = feed(m, {heartbeat_at(epoch_a, 0, 2, 2), join_at(epoch_a, 1, 3, 3),
                                join_at(epoch_a, 2, 5, 4), leave_at(epoch_a, 3, 4, 5),
                                leave_at(epoch_a, 4, 4, 6)});
    const auto alerts = all_of<alert>(notes);
    ASSERT_EQ(alerts.size(), 2u);
    EXPECT_EQ(alerts[0].kind, alert_kind::online_mismatch);
    EXPECT_EQ(alerts[0].online, 5u);
    EXPECT_EQ(alerts[0].expected_online, 4u);
    EXPECT_EQ(alerts[0].roster_version, 4u);
    EXPECT_EQ(alerts[0].message, "join says 5 online, expected 4 from roster version 3");
    EXPECT_EQ(alerts[1].online, 4u);
    EXPECT_EQ(alerts[1].expected_online, 3u);
}

TEST(TapMonitor, AHeartbeatMustAgreeAtTheSameRosterVersion) {
    monitor m;
    const auto notes = feed(m, {join_at(epoch_a, 1, 1, 1), heartbeat_at(epoch_a, 1, 2, 1),
                                heartbeat_at(epoch_a, 1, 2, 1)});
    const auto alerts = all_of<alert>(notes);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].expected_online, 1u);
    EXPECT_EQ(alerts[0].online, 2u);
}

TEST(TapMonitor, AnUnknownRosterVersionResynchronisesWithoutAlert) {
    monitor m;
    // The tap starts mid-run (roster version 7 unknown before) and, with only chat/ received,
    // sees the roster jump between heartbeats.
    const auto notes = feed(m, {join_at(epoch_a, 10, 4, 7), heartbeat_at(epoch_a, 12, 2, 9),
                                heartbeat_at(epoch_a, 12, 2, 9)});
    EXPECT_TRUE(all_of<alert>(notes).empty());
}

TEST(TapMonitor, StatsOnlineIsCheckedOnlyWhenEveryPresenceEventIsSeen) {
    const proto::stats stats_two{epoch_a, 1, 1000, 2, 2, 1, 0, 0, 0, 0, 0, 0, {}};
    monitor complete;
    auto notes = feed(complete, {join_at(epoch_a, 1, 1, 1), stats_two});
    ASSERT_EQ(all_of<alert>(notes).size(), 1u);
    EXPECT_EQ(all_of<alert>(notes)[0].message,
              "stats says 2 online, expected 1 at roster version 1");

    monitor partial(monitor_options{false, false, 3});
    notes = feed(partial, {join_at(epoch_a, 1, 1, 1), stats_two});
    EXPECT_TRUE(all_of<alert>(notes).empty());
}

TEST(TapMonitor, AfterAGapTheRosterIsRelearnedNotBlamed) {
    monitor m;
    // seq 2 (a JOIN to 2 online, roster 2) is lost.
    const auto notes = feed(m, {join_at(epoch_a, 1, 1, 1), heartbeat_at(epoch_a, 2, 2, 2),
                                proto::stats{epoch_a, 2, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0, {}}});
    EXPECT_EQ(m.missed(), 1u);
    EXPECT_TRUE(all_of<alert>(notes).empty());
}

TEST(TapMonitor, UndecodableFramesAreCountedAndPassedOn) {
    monitor m;
    const std::string_view frames[] = {"chat/lobby/", "nonsense"};
    const auto notes = m.observe(read_message(frames).at(0), at(0));
    EXPECT_EQ(kinds(notes), (kind_list{"undecodable"}));
    EXPECT_EQ(m.undecodable_count(), 1u);
}

} // namespace
} // namespace zchat::tap
