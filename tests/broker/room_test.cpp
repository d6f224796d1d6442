// A room with no sockets and no clock: members come and go, lines are said, and every event it
// builds carries the room's name and its number in one of the room's two sequences: LINEs in the
// chat sequence, JOINs and LEAVEs in the presence sequence (the roster version), with the count
// after the change.
#include "broker/room.hpp"

#include <gtest/gtest.h>

namespace zchat::broker {
namespace {

constexpr std::uint64_t epoch = 42;
using names = std::vector<std::string>;

TEST(Room, ChatAndPresenceAreNumberedInSequencesOfTheirOwn) {
    room r("lobby", epoch);
    EXPECT_EQ(r.name(), "lobby");
    EXPECT_EQ(r.seq(), 0u);
    EXPECT_EQ(r.roster_version(), 0u);
    EXPECT_TRUE(r.empty());

    EXPECT_EQ(r.enter(7, "alice"), (proto::joined{epoch, 1, "lobby", "alice", 7, 1, 0}));
    EXPECT_EQ(r.enter(9, "bob"), (proto::joined{epoch, 2, "lobby", "bob", 9, 2, 0}));
    EXPECT_EQ(r.say(9, 5, "hi"), (proto::line{epoch, 1, "lobby", "bob", 9, 5, "hi"}));
    EXPECT_EQ(r.say(7, 6, "hello"), (proto::line{epoch, 2, "lobby", "alice", 7, 6, "hello"}));
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
    EXPECT_EQ(a.say(1, 1, "in a").seq, 1u);
    EXPECT_EQ(b.say(1, 2, "in b"), (proto::line{epoch, 1, "b", "alice", 1, 2, "in b"}));
    EXPECT_EQ(a.say(1, 3, "again").seq, 2u);
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

} // namespace
} // namespace zchat::broker
