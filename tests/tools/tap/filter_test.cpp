// The tap's topic filters: shorthands, what is shown, what is subscribed, and whether the
// subscription receives every sequenced topic (which decides whether gaps are counted).
#include "tools/tap/filter.hpp"

#include <gtest/gtest.h>

namespace zchat::tap {
namespace {

using strings = std::vector<std::string>;

TEST(TapFilter, ShorthandsFollowTheProtocolsTopicLayout) {
    EXPECT_EQ(topic_prefix("chat"), "chat/");
    EXPECT_EQ(topic_prefix("presence"), "presence/");
    EXPECT_EQ(topic_prefix("sys"), "sys/");
    EXPECT_EQ(topic_prefix("probe"), "probe/");
    EXPECT_EQ(topic_prefix("heartbeat"), "sys/heartbeat/");
    EXPECT_EQ(topic_prefix("stats"), "sys/stats/");
    EXPECT_EQ(topic_prefix("shutdown"), "sys/shutdown/");
    EXPECT_EQ(topic_prefix("line"), "chat/");
    EXPECT_EQ(topic_prefix("join"), "presence/");
    EXPECT_EQ(topic_prefix("chat/lobby/"), "chat/lobby/");
    EXPECT_EQ(topic_prefix("probe/7/"), "probe/7/");
}

TEST(TapFilter, ShowsEverythingByDefault) {
    const filter f({}, {}, false);
    for (const auto* t : {"chat/lobby/", "presence/lobby/", "sys/heartbeat/", "probe/3/", "x"})
        EXPECT_TRUE(f.shows(t)) << t;
    EXPECT_EQ(f.subscriptions(), strings{""});
}

TEST(TapFilter, TopicSelectsByPrefixAndChatDoesNotSelectChatter) {
    const filter f({"chat"}, {}, false);
    EXPECT_TRUE(f.shows("chat/lobby/"));
    EXPECT_FALSE(f.shows("chatter/"));
    EXPECT_FALSE(f.shows("presence/lobby/"));
    EXPECT_FALSE(f.shows("sys/heartbeat/"));
    // Heartbeats are always received, for the liveness check, though not shown.
    EXPECT_EQ(f.subscriptions(), (strings{"chat/", "sys/heartbeat/"}));
}

TEST(TapFilter, ExcludeAndNoHeartbeatsHideASubset) {
    const filter f({}, {"probe", "sys/stats/"}, true);
    EXPECT_TRUE(f.shows("chat/lobby/"));
    EXPECT_TRUE(f.shows("sys/shutdown/"));
    EXPECT_FALSE(f.shows("probe/12/"));
    EXPECT_FALSE(f.shows("sys/stats/"));
    EXPECT_FALSE(f.shows("sys/heartbeat/"));
    EXPECT_EQ(f.subscriptions(), strings{""});
}

TEST(TapFilter, SubscriptionsDropPrefixesCoveredByShorterOnes) {
    const filter f({"sys/stats/", "sys", "chat/lobby/", "chat/"}, {}, false);
    EXPECT_EQ(f.subscriptions(), (strings{"sys/", "chat/"}));
}

TEST(TapFilter, ReceivesAllOnlyWhenNoTopicNarrowsIt) {
    EXPECT_TRUE(filter({}, {"chat"}, false).receives_all("chat/"));
    EXPECT_TRUE(filter({"chat", "presence"}, {}, false).receives_all("presence/"));
    EXPECT_FALSE(filter({"chat/lobby/"}, {}, false).receives_all("chat/"));
    EXPECT_FALSE(filter({"chat"}, {}, false).receives_all("presence/"));
}

// --room ops adds the room's two topics: the tap then receives all of #ops, and of no other room.
TEST(TapFilter, ARoomsTopicsAreReceivedWholeAndNoOtherRooms) {
    const filter f({"chat/ops/", "presence/ops/"}, {}, false);
    EXPECT_TRUE(f.receives_all("chat/ops/"));
    EXPECT_TRUE(f.receives_all("presence/ops/"));
    EXPECT_FALSE(f.receives_all("chat/lobby/"));
    EXPECT_FALSE(f.receives_all("chat/"));
    EXPECT_TRUE(f.shows("chat/ops/"));
    EXPECT_FALSE(f.shows("chat/opsx/"));
    EXPECT_FALSE(f.shows("presence/lobby/"));
    EXPECT_EQ(f.subscriptions(), (strings{"chat/ops/", "presence/ops/", "sys/heartbeat/"}));
    EXPECT_TRUE(filter({"chat", "presence"}, {}, false).receives_all("chat/ops/"));
}

} // namespace
} // namespace zchat::tap
