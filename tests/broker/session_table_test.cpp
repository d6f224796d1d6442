// Direct tests of the session table: the bookkeeping of who is pending, who is joined, and the
// three ways of finding a session (routing id, session id, folded name). No protocol decisions
// are tested here; core_test.cpp covers those.
#include "broker/session_table.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace zchat::broker {
namespace {

using namespace std::chrono_literals;
using names = std::vector<std::string>;

const time_point t0 = time_point{} + 1h;

proto::session_secret secret_number(std::uint8_t n) {
    proto::session_secret s{};
    s.fill(0x5A);
    s[0] = n;
    return s;
}

TEST(SessionTable, AddedSessionIsPendingAndFindableByPeerAndId) {
    session_table table;
    session& s = table.add("peer-1", "Bob", 7, secret_number(1), t0);

    EXPECT_EQ(s.id, 7u);
    EXPECT_EQ(s.name, "Bob");
    EXPECT_EQ(s.peer, "peer-1");
    EXPECT_EQ(s.secret, secret_number(1));
    EXPECT_FALSE(s.joined);
    EXPECT_EQ(s.probing_since, t0);
    EXPECT_EQ(s.next_probe, t0);

    EXPECT_EQ(table.find_by_peer("peer-1"), &s);
    EXPECT_EQ(&table.at(7), &s);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.probing(), (std::set<std::uint64_t>{7}));
}

TEST(SessionTable, UnknownPeerIsNotFound) {
    session_table table;
    table.add("peer-1", "bob", 1, secret_number(1), t0);
    EXPECT_EQ(table.find_by_peer("peer-2"), nullptr);
    EXPECT_EQ(table.find_by_peer(""), nullptr);
    EXPECT_EQ(table.find_by_peer("peer-1 "), nullptr);
}

TEST(SessionTable, NameIsTakenUnderAsciiCaseFoldingOnly) {
    session_table table;
    table.add("peer-1", "Bob", 1, secret_number(1), t0);
    table.add("peer-2", "Émile", 2, secret_number(2), t0);

    EXPECT_TRUE(table.name_taken("Bob"));
    EXPECT_TRUE(table.name_taken("bob"));
    EXPECT_TRUE(table.name_taken("BOB"));
    EXPECT_FALSE(table.name_taken("bobby"));
    EXPECT_FALSE(table.name_taken("Bo"));
    EXPECT_TRUE(table.name_taken("Émile"));
    EXPECT_TRUE(table.name_taken("ÉMILE"));
    // Only ASCII letters fold: É and é are different names.
    EXPECT_FALSE(table.name_taken("émile"));
    EXPECT_FALSE(table.name_taken("éMILE"));
}

TEST(SessionTable, MarkJoinedMovesTheSessionOutOfPendingAndCountsIt) {
    session_table table;
    session& bob = table.add("peer-1", "bob", 1, secret_number(1), t0);
    table.add("peer-2", "alice", 2, secret_number(2), t0);

    table.mark_joined(bob);

    EXPECT_TRUE(bob.joined);
    EXPECT_EQ(table.size(), 2u);
    EXPECT_EQ(table.probing(), (std::set<std::uint64_t>{2}));
}

TEST(SessionTable, PendingSetListsOldestFirst) {
    session_table table;
    for (std::uint64_t id = 1; id <= 5; ++id)
        table.add("peer-" + std::to_string(id), "user" + std::to_string(id), id,
                  secret_number(static_cast<std::uint8_t>(id)), t0 + id * 1ms);
    table.mark_joined(table.at(3));

    const std::vector<std::uint64_t> pending(table.probing().begin(), table.probing().end());
    EXPECT_EQ(pending, (std::vector<std::uint64_t>{1, 2, 4, 5}));
}

TEST(SessionTable, RemovingAJoinedSessionFreesItsNameAndPeer) {
    session_table table;
    session& bob = table.add("peer-1", "Bob", 1, secret_number(1), t0);
    table.mark_joined(bob);
    table.add("peer-2", "alice", 2, secret_number(2), t0);

    table.remove(1);

    EXPECT_EQ(table.find_by_peer("peer-1"), nullptr);
    EXPECT_FALSE(table.name_taken("bob"));
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.probing(), (std::set<std::uint64_t>{2}));
}

TEST(SessionTable, RemovingAPendingSessionTakesItOutOfPending) {
    session_table table;
    table.add("peer-1", "bob", 1, secret_number(1), t0);
    session& alice = table.add("peer-2", "alice", 2, secret_number(2), t0);
    table.mark_joined(alice);

    table.remove(1);

    EXPECT_TRUE(table.probing().empty());
    EXPECT_FALSE(table.name_taken("bob"));
    EXPECT_EQ(table.find_by_peer("peer-1"), nullptr);
    EXPECT_EQ(table.size(), 1u);
}

TEST(SessionTable, RemovedNameAndPeerCanBeAddedAgain) {
    session_table table;
    table.mark_joined(table.add("peer-1", "bob", 1, secret_number(1), t0));
    table.remove(1);

    session& again = table.add("peer-1", "BOB", 2, secret_number(2), t0 + 1s);

    EXPECT_EQ(table.find_by_peer("peer-1"), &again);
    EXPECT_EQ(again.id, 2u);
    EXPECT_EQ(again.name, "BOB");
    EXPECT_TRUE(table.name_taken("bob"));
    EXPECT_EQ(table.probing(), (std::set<std::uint64_t>{2}));
}

TEST(SessionTable, ReferencesStayValidWhileOtherSessionsComeAndGo) {
    session_table table;
    session& first = table.add("peer-0", "first", 1000, secret_number(1), t0);
    for (std::uint64_t id = 1; id <= 200; ++id)
        table.add("peer-" + std::to_string(id), "user" + std::to_string(id), id, secret_number(2),
                  t0);
    for (std::uint64_t id = 1; id <= 200; id += 2)
        table.remove(id);

    EXPECT_EQ(table.find_by_peer("peer-0"), &first);
    EXPECT_EQ(first.name, "first");
    EXPECT_EQ(table.size(), 101u);
    EXPECT_EQ(table.probing().size(), 101u);
}

} // namespace
} // namespace zchat::broker
