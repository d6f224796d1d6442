// A room with no sockets and no clock: members come and go, lines are said, and every event it
// builds carries the room's name and its number in one of the room's two sequences: LINEs in the
// chat sequence, JOINs and LEAVEs in the presence sequence (the roster version), with the count
// after the change. Its history keeps the latest lines within its limits, without a hole.
#include "broker/room.hpp"

#include <gtest/gtest.h>

namespace zchat::broker {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t epoch = 42;
using names = std::vector<std::string>;
const time_point t0 = time_point{} + 1h;
constexpr auto text = proto::line_kind::text;

// The seqs of the history lines.
std::vector<std::uint64_t> seqs(const std::vector<proto::history_line>& lines) {
    std::vector<std::uint64_t> result;
    for (const auto& l : lines)
        result.push_back(l.seq);
    return result;
}

// A room with alice in it who has said lines "1" .. "n", one a second from t0.
room room_with_lines(int n, history_limits keep = {}) {
    room r("lobby", epoch, 0, keep);
    r.enter(1, "alice");
    for (int i = 1; i <= n; ++i)
        r.say(1, static_cast<std::uint64_t>(i), std::to_string(i), text, t0 + i * 1s);
    return r;
}

TEST(Room, ChatAndPresenceAreNumberedInSequencesOfTheirOwn) {
    room r("lobby", epoch);
    EXPECT_EQ(r.name(), "lobby");
    EXPECT_EQ(r.seq(), 0u);
    EXPECT_EQ(r.roster_version(), 0u);
    EXPECT_TRUE(r.empty());

    EXPECT_EQ(r.enter(7, "alice"), (proto::joined{epoch, 1, "lobby", "alice", 7, 1, 0}));
    EXPECT_EQ(r.enter(9, "bob"), (proto::joined{epoch, 2, "lobby", "bob", 9, 2, 0}));
    EXPECT_EQ(r.say(9, 5, "hi", text, t0), (proto::line{epoch, 1, "lobby", "bob", 9, 5, "hi"}));
    EXPECT_EQ(r.say(7, 6, "hello", text, t0),
              (proto::line{epoch, 2, "lobby", "alice", 7, 6, "hello"}));
    EXPECT_EQ(r.leave(7, proto::leave_reason::timed_out),
              (proto::left{epoch, 3, "lobby", "alice", 7, 1, proto::leave_reason::timed_out}));
    // A JOIN tells where the chat stands, so a newcomer knows which LINEs came after it.
    EXPECT_EQ(r.enter(11, "carol"), (proto::joined{epoch, 4, "lobby", "carol", 11, 2, 2}));

    EXPECT_EQ(r.seq(), 2u);            // lines only
    EXPECT_EQ(r.roster_version(), 4u); // joins and leaves only
    EXPECT_EQ(r.head(), (proto::room_head{"lobby", 2, 4}));
    EXPECT_EQ(r.size(), 2u);
    EXPECT_FALSE(r.empty());
    EXPECT_TRUE(r.has(9));
    EXPECT_FALSE(r.has(7));
}

TEST(Room, TwoRoomsNumberTheirEventsApart) {
    room a("a", epoch);
    room b("b", epoch);
    a.enter(1, "alice");
    b.enter(1, "alice");
    EXPECT_EQ(a.say(1, 1, "in a", text, t0).seq, 1u);
    EXPECT_EQ(b.say(1, 2, "in b", text, t0), (proto::line{epoch, 1, "b", "alice", 1, 2, "in b"}));
    EXPECT_EQ(a.say(1, 3, "again", text, t0).seq, 2u);
    EXPECT_EQ(b.head(), (proto::room_head{"b", 1, 1}));
}

TEST(Room, NamesAreSortedIgnoringAsciiCase) {
    room r("lobby", epoch);
    std::uint64_t id = 0;
    for (const char* name : {"carol", "Émile", "Bob", "zed", "alice"})
        r.enter(++id, name);
    // Non-ASCII letters compare by their UTF-8 bytes, after every ASCII letter.
    EXPECT_EQ(r.names(), (names{"alice", "Bob", "carol", "zed", "Émile"}));
    r.leave(3, proto::leave_reason::quit);
    EXPECT_EQ(r.names(), (names{"alice", "carol", "zed", "Émile"}));
}

TEST(Room, AMemberWhoLeftAndCameBackIsNumberedAfresh) {
    room r("lobby", epoch);
    r.enter(1, "alice");
    r.leave(1, proto::leave_reason::parted);
    EXPECT_EQ(r.size(), 0u);
    EXPECT_TRUE(r.empty());
    EXPECT_TRUE(r.names().empty());
    EXPECT_EQ(r.enter(2, "alice"), (proto::joined{epoch, 3, "lobby", "alice", 2, 1, 0}));
}

TEST(RoomHistory, KeepsTheLatestLinesWithTheirAgeAndWhatTheLineCarried) {
    room r("lobby", epoch, 0, {3, 1000});
    r.enter(7, "alice");
    r.say(7, 1, "one", text, t0);
    r.say(7, 2, "two", proto::line_kind::action, t0 + 1s);
    r.say(7, 3, "three", text, t0 + 2s);
    r.say(7, 4, "four", text, t0 + 3s);
    EXPECT_EQ(r.kept_lines(), 3u);
    // Each counts as a HISTORY reply carries it: 37 bytes of fixed fields, "alice", its text.
    EXPECT_EQ(r.kept_bytes(), 3 * (37 + 5) + 12u);
    EXPECT_EQ(r.history(1, 4, t0 + 3500ms),
              (std::vector<proto::history_line>{
                  {2, 2500, "alice", 7, 2, proto::line_kind::action, "two"},
                  {3, 1500, "alice", 7, 3, text, "three"},
                  {4, 500, "alice", 7, 4, text, "four"},
              }));
}

TEST(RoomHistory, ReturnsOnlyWhatIsKeptWithinTheRangeInOrder) {
    const room r = room_with_lines(10, {5, 1000});
    const auto now = t0 + 20s;
    using seq_list = std::vector<std::uint64_t>;
    EXPECT_EQ(seqs(r.history(7, 8, now)), (seq_list{7, 8}));
    EXPECT_EQ(seqs(r.history(1, 7, now)), (seq_list{6, 7}));
    EXPECT_EQ(seqs(r.history(9, 100, now)), (seq_list{9, 10}));
    EXPECT_EQ(seqs(r.history(1, 5, now)), seq_list{});
    EXPECT_EQ(seqs(r.history(11, 20, now)), seq_list{});
    EXPECT_EQ(seqs(r.history(8, 7, now)), seq_list{});
    // The widest range there is costs what the five kept lines cost.
    EXPECT_EQ(seqs(r.history(0, UINT64_MAX, now)), (seq_list{6, 7, 8, 9, 10}));
}

TEST(RoomHistory, KeepsFewerLinesWhenTheyWouldPassItsByteLimit) {
    // A line of four letters from alice counts 37 + 5 + 4 = 46 bytes: two fit in 100.
    room r("lobby", epoch, 0, {100, 100});
    r.enter(1, "alice");
    r.say(1, 1, "aaaa", text, t0);
    r.say(1, 2, "bbbb", text, t0);
    r.say(1, 3, "cccc", text, t0);
    EXPECT_EQ(seqs(r.history(1, 3, t0)), (std::vector<std::uint64_t>{2, 3}));
    EXPECT_EQ(r.kept_bytes(), 92u);
    // A line longer than the whole limit cannot be kept, and the lines before it are no longer
    // the latest: the history starts again after it.
    r.say(1, 4, std::string(59, 'x'), text, t0);
    EXPECT_EQ(r.kept_lines(), 0u);
    r.say(1, 5, "e", text, t0);
    EXPECT_EQ(seqs(r.history(1, 5, t0)), (std::vector<std::uint64_t>{5}));
}

TEST(RoomHistory, ASmallerLimitForgetsTheOldestAtOnceAndZeroKeepsNothing) {
    room r = room_with_lines(10);
    EXPECT_EQ(r.kept_lines(), 10u);
    r.keep({4, 1000});
    EXPECT_EQ(seqs(r.history(1, 10, t0)), (std::vector<std::uint64_t>{7, 8, 9, 10}));
    r.keep({0, 1000});
    EXPECT_EQ(r.kept_lines(), 0u);
    EXPECT_EQ(r.kept_bytes(), 0u);
    r.say(1, 11, "not kept", text, t0);
    EXPECT_TRUE(r.history(1, 11, t0).empty());
    // A larger limit lets it grow again from the next line.
    r.keep({4, 1000});
    r.say(1, 12, "kept", text, t0);
    EXPECT_EQ(seqs(r.history(1, 12, t0)), (std::vector<std::uint64_t>{12}));
}

TEST(RoomHistory, AnAgeTooLargeForItsFieldIsItsLargestValue) {
    const room r = room_with_lines(1);
    EXPECT_EQ(r.history(1, 1, t0 + 24h * 100).at(0).age_ms, UINT32_MAX);
}

} // namespace
} // namespace zchat::broker
