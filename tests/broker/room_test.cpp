// A room with no sockets and no clock: members come and go, lines are said, and every event it
// builds carries the room's next sequence number and, for JOIN and LEAVE, its next roster
// version and the count after the change.
#include "broker/room.hpp"

#include <gtest/gtest.h>

namespace zchat::broker {
namespace {

constexpr std::uint64_t epoch = 42;
using names = std::vector<std::string>;

TEST(Room, EventsAreNumberedInOrderAndCarryTheCountAfterTheChange) {
    room r("lobby", epoch);
    EXPECT_EQ(r.name(), "lobby");
    EXPECT_EQ(r.seq(), 0u);

    EXPECT_EQ(r.enter(7, "alice"), (proto::joined{epoch, 1, "alice", 7, 1, 1}));
    EXPECT_EQ(r.enter(9, "bob"), (proto::joined{epoch, 2, "bob", 9, 2, 2}));
    EXPECT_EQ(r.say(9, 5, "hi"), (proto::line{epoch, 3, "bob", 9, 5, "hi"}));
    EXPECT_EQ(r.leave(7, proto::leave_reason::timed_out),
              (proto::left{epoch, 4, "alice", 7, 1, 3, proto::leave_reason::timed_out}));

    EXPECT_EQ(r.seq(), 4u);
    EXPECT_EQ(r.roster_version(), 3u); // lines do not change who is here
    EXPECT_EQ(r.size(), 1u);
    EXPECT_TRUE(r.has(9));
    EXPECT_FALSE(r.has(7));
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
    r.leave(1, proto::leave_reason::quit);
    EXPECT_EQ(r.size(), 0u);
    EXPECT_TRUE(r.names().empty());
    EXPECT_EQ(r.enter(2, "alice"), (proto::joined{epoch, 3, "alice", 2, 1, 3}));
}

} // namespace
} // namespace zchat::broker
