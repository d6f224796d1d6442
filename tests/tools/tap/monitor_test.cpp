// The tap's monitor: each room's chat and presence sequences followed on their own, gaps (from
// the events and from the heartbeats' room heads), restarts, sequence numbers going backwards,
// the broker's heartbeat going missing (on an injected clock) and coming back, and a room's
// online counts that disagree with its joins and leaves. No sockets, no sleeps.
#include "tools/tap/monitor.hpp"

#include "tests/tools/tap/support.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string_view>

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

// A monitor that receives every message under the topics for which `whole` says so.
monitor receiving(std::function<bool(std::string_view)> whole) {
    return monitor(monitor_options{std::move(whole), 3});
}

TEST(TapMonitor, ConsecutiveEventsPassThroughWithoutNotes) {
    monitor m;
    // The lobby's chat and presence are numbered apart: LINE 1 and JOIN 1 are both in order.
    const auto notes =
        feed(m, {heartbeat_at(epoch_a), line_at(epoch_a, 1), join_at(epoch_a, 1, 1),
                 heartbeat_at(epoch_a, {{"lobby", 1, 1}}, 1), leave_at(epoch_a, 2, 0)});
    EXPECT_EQ(kinds(notes), (kind_list{"heartbeat", "line", "join", "heartbeat", "leave"}));
    EXPECT_EQ(m.missed(), 0u);
    EXPECT_EQ(m.alerts(), 0u);
}

// A relay's counters come in the relay's own epoch: no restart, and no sign of the broker's life.
TEST(TapMonitor, ARelaysCountersAreShownAndSayNothingOfTheBroker) {
    monitor m;
    proto::relay_stats counters;
    counters.epoch = epoch_b;
    counters.relay = "tcp://127.0.0.1:6555";
    const auto notes = feed(m, {heartbeat_at(epoch_a), counters, line_at(epoch_a, 1)});
    EXPECT_EQ(kinds(notes), (kind_list{"heartbeat", "relay", "line"}));
    EXPECT_EQ(m.restarts(), 0u);
    EXPECT_EQ(m.alerts(), 0u);
    // Relay counters alone, a second after the broker's last heartbeat (every 1000 ms): the
    // broker is missed all the same.
    m.observe(arrived(counters), at(1500));
    EXPECT_EQ(all_of<alert>(m.check(at(3002))).size(), 1u);
}

TEST(TapMonitor, MissedSequencedEventsAreAGapBeforeTheEventThatShowsIt) {
    monitor m;
    const auto notes = feed(m, {line_at(epoch_a, 1), line_at(epoch_a, 2), line_at(epoch_a, 5)});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "line", "gap", "line"}));
    const auto gaps = all_of<gap>(notes);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].room, "lobby");
    EXPECT_EQ(gaps[0].stream, "chat");
    EXPECT_EQ(gaps[0].first, 3u);
    EXPECT_EQ(gaps[0].last, 4u);
    EXPECT_EQ(gaps[0].epoch, epoch_a);
    EXPECT_EQ(m.missed(), 2u);
}

TEST(TapMonitor, MissedJoinsAndLeavesAreAGapInThePresenceStream) {
    monitor m;
    const auto notes =
        feed(m, {join_at(epoch_a, 1, 1), line_at(epoch_a, 1), leave_at(epoch_a, 3, 1)});
    EXPECT_EQ(kinds(notes), (kind_list{"join", "line", "gap", "leave"}));
    const auto gaps = all_of<gap>(notes);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].room, "lobby");
    EXPECT_EQ(gaps[0].stream, "presence");
    EXPECT_EQ(gaps[0].first, 2u);
    EXPECT_EQ(gaps[0].last, 2u);
    EXPECT_EQ(m.missed(), 1u);
}

TEST(TapMonitor, AHeartbeatRevealsLossesInAQuietRoom) {
    monitor m;
    const auto notes = feed(m, {line_at(epoch_a, 2), heartbeat_at(epoch_a, {{"lobby", 2, 0}}),
                                heartbeat_at(epoch_a, {{"lobby", 4, 0}})});
    const auto gaps = all_of<gap>(notes);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].stream, "chat");
    EXPECT_EQ(gaps[0].first, 3u);
    EXPECT_EQ(gaps[0].last, 4u);
    EXPECT_EQ(m.missed(), 2u);
}

// While the lobby chats on, #ops falls quiet after a loss: only the heads of the next HEARTBEAT
// can show it, in its chat and in its presence, and they leave the lobby's streams alone.
TEST(TapMonitor, HeadsInAHeartbeatRevealALossInAQuietRoomAndNoOther) {
    monitor m;
    const auto notes =
        feed(m, {join_at(epoch_a, 1, 1, "carol", "ops"), line_at(epoch_a, 1, "carol", "hi", "ops"),
                 line_at(epoch_a, 7), line_at(epoch_a, 8),
                 heartbeat_at(epoch_a, {{"lobby", 8, 3}, {"ops", 3, 2}}), line_at(epoch_a, 9),
                 heartbeat_at(epoch_a, {{"lobby", 9, 3}, {"ops", 3, 2}})});
    EXPECT_EQ(kinds(notes), (kind_list{"join", "line", "line", "line", "gap", "gap", "heartbeat",
                                       "line", "heartbeat"}));
    const auto gaps = all_of<gap>(notes);
    ASSERT_EQ(gaps.size(), 2u);
    EXPECT_EQ(gaps[0].room, "ops");
    EXPECT_EQ(gaps[0].stream, "chat");
    EXPECT_EQ(gaps[0].first, 2u);
    EXPECT_EQ(gaps[0].last, 3u);
    EXPECT_EQ(gaps[1].room, "ops");
    EXPECT_EQ(gaps[1].stream, "presence");
    EXPECT_EQ(gaps[1].first, 2u);
    EXPECT_EQ(gaps[1].last, 2u);
    EXPECT_EQ(m.missed(), 3u);
    EXPECT_EQ(m.alerts(), 0u);
}

// Each room's two streams are followed on their own: #ops's numbers neither continue nor break
// the lobby's, a gap in one room's chat is that room's alone, and chat and presence numbers
// that happen to be equal or far apart are no alert.
TEST(TapMonitor, TwoRoomsAreFollowedIndependently) {
    monitor m;
    const auto ops_line = [](std::uint64_t seq) {
        return line_at(epoch_a, seq, "carol", "x", "ops");
    };
    const auto notes = feed(
        m, {line_at(epoch_a, 10), ops_line(1), line_at(epoch_a, 11), ops_line(2),
            join_at(epoch_a, 4, 3), join_at(epoch_a, 1, 1, "dave", "ops", 2), ops_line(5),
            line_at(epoch_a, 12), leave_at(epoch_a, 5, 2), leave_at(epoch_a, 2, 0, "dave", "ops")});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "line", "line", "line", "join", "join", "gap",
                                       "line", "line", "leave", "leave"}));
    const auto gaps = all_of<gap>(notes);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].room, "ops");
    EXPECT_EQ(gaps[0].stream, "chat");
    EXPECT_EQ(gaps[0].first, 3u);
    EXPECT_EQ(gaps[0].last, 4u);
    EXPECT_EQ(m.missed(), 2u);
    EXPECT_EQ(m.alerts(), 0u);
}

TEST(TapMonitor, CountingStartsAtTheFirstEventSeenInEachStream) {
    monitor m;
    const auto notes =
        feed(m, {heartbeat_at(epoch_a, {{"lobby", 500, 40}}), line_at(epoch_a, 501),
                 line_at(epoch_a, 70, "carol", "x", "ops"), join_at(epoch_a, 41, 2)});
    EXPECT_EQ(kinds(notes), (kind_list{"heartbeat", "line", "line", "join"}));
    EXPECT_EQ(m.missed(), 0u);
}

TEST(TapMonitor, ANewEpochIsARestartNotAGapAndCountingStartsAgainInEveryRoom) {
    monitor m;
    const auto notes = feed(m, {line_at(epoch_a, 40), line_at(epoch_a, 9, "carol", "x", "ops"),
                                heartbeat_at(epoch_b, {{"lobby", 0, 0}}), line_at(epoch_b, 3),
                                line_at(epoch_b, 2, "carol", "x", "ops")});
    // The new epoch's heads cannot start a count; each room's first event does.
    EXPECT_EQ(kinds(notes), (kind_list{"line", "line", "restart", "heartbeat", "line", "line"}));
    const auto restarts = all_of<restart>(notes);
    ASSERT_EQ(restarts.size(), 1u);
    EXPECT_EQ(restarts[0].previous_epoch, epoch_a);
    EXPECT_EQ(restarts[0].epoch, epoch_b);
    EXPECT_EQ(m.restarts(), 1u);
    EXPECT_EQ(m.missed(), 0u);
    EXPECT_EQ(m.alerts(), 0u);
}

TEST(TapMonitor, SeqGoingBackwardsWithinAnEpochIsAnAlert) {
    monitor m;
    const auto notes = feed(
        m, {line_at(epoch_a, 5), line_at(epoch_a, 3), heartbeat_at(epoch_a, {{"lobby", 4, 0}})});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "alert", "line", "alert", "heartbeat"}));
    const auto alerts = all_of<alert>(notes);
    ASSERT_EQ(alerts.size(), 2u);
    EXPECT_EQ(alerts[0].kind, alert_kind::seq_backwards);
    EXPECT_EQ(alerts[0].room, "lobby");
    EXPECT_EQ(alerts[0].seq, 3u);
    EXPECT_EQ(alerts[0].previous_seq, 5u);
    EXPECT_EQ(alerts[0].message, "line with chat seq 3 in #lobby after seq 5 in the same epoch");
    EXPECT_EQ(alerts[1].seq, 4u);
    EXPECT_EQ(alerts[1].message,
              "heartbeat with chat seq 4 in #lobby after seq 5 in the same epoch");
    EXPECT_EQ(m.alerts(), 2u);
    EXPECT_EQ(m.missed(), 0u);
}

// A room the broker forgot while it was empty and opened again numbers its events in a later
// generation (the high 32 bits): counting starts again there, with no alert and no gap, even for
// a tap that saw neither the room empty nor its new first JOIN.
TEST(TapMonitor, ARoomOpenedAgainInALaterGenerationCountsFromTheStart) {
    constexpr std::uint64_t g1 = std::uint64_t{1} << 32;
    monitor m(monitor_options{[](std::string_view topic) { return topic.starts_with("chat/"); }});
    const auto notes =
        feed(m, {line_at(epoch_a, 6, "bob", "hi", "ops"), line_at(epoch_a, 7, "bob", "hi", "ops"),
                 line_at(epoch_a, g1 + 2, "carol", "again", "ops"),
                 heartbeat_at(epoch_a, {{"ops", g1 + 2, g1 + 1}}),
                 line_at(epoch_a, g1 + 4, "carol", "x", "ops"),
                 line_at(epoch_a, 5, "bob", "old", "ops")});
    EXPECT_EQ(kinds(notes),
              (kind_list{"line", "line", "line", "heartbeat", "gap", "line", "alert", "line"}));
    const auto gaps = all_of<gap>(notes);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].first, g1 + 3);
    EXPECT_EQ(m.alerts(), 1u); // only the line from the generation before
}

// An emptied room is let go, so a tap follows no more rooms than have members: heads cannot
// start a room's count, its next event does.
TEST(TapMonitor, ARoomThatEmptiesIsLetGoAndItsHeadsIgnoredUntilItHasEventsAgain) {
    monitor m;
    const auto notes =
        feed(m, {join_at(epoch_a, 1, 1, "bob", "ops"), leave_at(epoch_a, 2, 0, "bob", "ops"),
                 heartbeat_at(epoch_a, {{"ops", 9, 9}}), join_at(epoch_a, 3, 1, "bob", "ops"),
                 heartbeat_at(epoch_a, {{"ops", 9, 5}})});
    EXPECT_EQ(kinds(notes), (kind_list{"join", "leave", "heartbeat", "join", "gap", "heartbeat"}));
    EXPECT_EQ(m.missed(), 2u);
    EXPECT_EQ(m.alerts(), 0u);
}

TEST(TapMonitor, ARepeatedSequencedSeqIsAnAlertButAHeartbeatMayRepeatIt) {
    monitor m;
    const auto notes = feed(
        m, {line_at(epoch_a, 5), heartbeat_at(epoch_a, {{"lobby", 5, 0}}), line_at(epoch_a, 5)});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "heartbeat", "alert", "line"}));
}

TEST(TapMonitor, NoGapsWhenTheSubscriptionLeavesSequencedTopicsOut) {
    monitor m = receiving([](std::string_view) { return false; });
    const auto notes = feed(m, {line_at(epoch_a, 1), line_at(epoch_a, 4),
                                heartbeat_at(epoch_a, {{"lobby", 9, 0}}), line_at(epoch_a, 2)});
    EXPECT_EQ(kinds(notes), (kind_list{"line", "line", "heartbeat", "alert", "line"}));
    EXPECT_EQ(m.missed(), 0u);
}

// A tap watching #ops alone (its chat and presence topics whole) still hears the lobby's
// heads in every HEARTBEAT, and may hear some of its events through other subscriptions; only
// #ops's jumps are losses.
TEST(TapMonitor, GapsAreJudgedOnlyInTheRoomsWhoseTopicsArriveWhole) {
    monitor m = receiving(
        [](std::string_view topic) { return topic == "chat/ops/" || topic == "presence/ops/"; });
    const auto notes =
        feed(m, {line_at(epoch_a, 1), line_at(epoch_a, 1, "carol", "x", "ops"), line_at(epoch_a, 6),
                 heartbeat_at(epoch_a, {{"lobby", 9, 4}, {"ops", 3, 0}})});
    const auto gaps = all_of<gap>(notes);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].room, "ops");
    EXPECT_EQ(gaps[0].first, 2u);
    EXPECT_EQ(gaps[0].last, 3u);
    EXPECT_EQ(m.missed(), 2u);
}

TEST(TapMonitor, MissingHeartbeatIsFlaggedOnceAfterLivenessIntervals) {
    monitor m;
    EXPECT_FALSE(m.next_check());
    m.observe(arrived(heartbeat_at(epoch_a, {}, 0, 1000)), at(0));
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
    m.observe(arrived(heartbeat_at(epoch_a, {{"lobby", 7, 1}}, 0, 100)), at(0));
    ASSERT_EQ(m.check(at(300)).size(), 1u);
    auto notes = m.observe(arrived(heartbeat_at(epoch_b, {}, 0, 100)), at(1300));
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
    m.observe(arrived(heartbeat_at(epoch_a, {{"lobby", 7, 1}}, 0, 100)), at(0));
    ASSERT_EQ(m.check(at(300)).size(), 1u);
    const auto notes =
        m.observe(arrived(heartbeat_at(epoch_a, {{"lobby", 7, 1}}, 0, 100)), at(500));
    EXPECT_EQ(kinds(notes), (kind_list{"back", "heartbeat"}));
    EXPECT_FALSE(all_of<back>(notes)[0].new_epoch);
}

TEST(TapMonitor, AShutdownExplainsTheSilence) {
    monitor m;
    m.observe(arrived(heartbeat_at(epoch_a, {}, 0, 100)), at(0));
    m.observe(arrived(proto::shutdown{epoch_a}), at(10));
    const auto alerts = all_of<alert>(m.check(at(310)));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].message,
              "no event for 300 ms (heartbeat every 100 ms): the broker has shut down");
}

TEST(TapMonitor, JoinsAndLeavesMustMoveTheirRoomsOnlineCountByOne) {
    monitor m;
    const auto notes = feed(m, {join_at(epoch_a, 3, 3), join_at(epoch_a, 4, 5),
                                join_at(epoch_a, 1, 1, "carol", "ops"), leave_at(epoch_a, 5, 4),
                                leave_at(epoch_a, 6, 4), leave_at(epoch_a, 2, 0, "carol", "ops")});
    const auto alerts = all_of<alert>(notes);
    ASSERT_EQ(alerts.size(), 2u);
    EXPECT_EQ(alerts[0].kind, alert_kind::online_mismatch);
    EXPECT_EQ(alerts[0].room, "lobby");
    EXPECT_EQ(alerts[0].online, 5u);
    EXPECT_EQ(alerts[0].expected_online, 4u);
    EXPECT_EQ(alerts[0].roster_version, 4u);
    EXPECT_EQ(alerts[0].message, "join says 5 online in #lobby, expected 4 from roster version 3");
    EXPECT_EQ(alerts[1].online, 4u);
    EXPECT_EQ(alerts[1].expected_online, 3u);
}

// HEARTBEAT and STATS count the sessions of every room, a session in several rooms once: no
// room's roster can check them.
TEST(TapMonitor, BrokerWideOnlineCountsAreNotCheckedAgainstARoom) {
    monitor m;
    const proto::stats one_online{epoch_a, 1000, 1, 1, 2, 2, 0, 0, 0, 0, 0, 0, {}};
    const auto notes =
        feed(m, {join_at(epoch_a, 1, 1, "carol"), join_at(epoch_a, 1, 1, "carol", "ops"),
                 heartbeat_at(epoch_a, {{"lobby", 0, 1}, {"ops", 0, 1}}, 1), one_online,
                 heartbeat_at(epoch_a, {{"lobby", 0, 1}, {"ops", 0, 1}}, 7)});
    EXPECT_TRUE(all_of<alert>(notes).empty());
}

TEST(TapMonitor, AnUnknownRosterVersionResynchronisesWithoutAlert) {
    monitor m = receiving([](std::string_view topic) { return topic.starts_with("chat/"); });
    // Without every presence event, the roster may jump between the ones that arrive.
    const auto notes =
        feed(m, {join_at(epoch_a, 7, 4), join_at(epoch_a, 10, 2),
                 heartbeat_at(epoch_a, {{"lobby", 0, 12}}), leave_at(epoch_a, 13, 1)});
    EXPECT_TRUE(all_of<alert>(notes).empty());
    EXPECT_EQ(m.missed(), 0u);
}

TEST(TapMonitor, AfterAGapTheRosterIsRelearnedNotBlamed) {
    monitor m;
    // Presence seq 2 (a JOIN to 2 online) is lost; the heads show it, and the next JOIN's count
    // is taken as it comes.
    const auto notes = feed(m, {join_at(epoch_a, 1, 1), heartbeat_at(epoch_a, {{"lobby", 0, 2}}, 2),
                                join_at(epoch_a, 3, 3), leave_at(epoch_a, 4, 2)});
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
