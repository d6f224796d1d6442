#include "client/conversation.hpp"

#include "proto/codec.hpp"

#include <gtest/gtest.h>

namespace zchat::client {
namespace {

constexpr std::uint64_t epoch = 77;
constexpr std::uint64_t me = 5;
const proto::session_secret secret{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

proto::welcome welcome_for_me() {
    return proto::welcome{"alice", me, secret, epoch, 10, 1, 1000, 3, 32, 4096};
}

// A conversation that has joined: WELCOME received and its own JOIN seen.
conversation joined_conversation(std::vector<printed>& out) {
    conversation c;
    c.welcome(welcome_for_me());
    c.on_event(proto::joined{epoch, 11, "alice", me, 2, 1}, out);
    return c;
}

TEST(Conversation, AnswersOnlyItsOwnProbeAndOnlyUntilJoined) {
    conversation c;
    EXPECT_FALSE(c.answer(proto::probe{epoch, 10, me}));
    c.welcome(welcome_for_me());
    EXPECT_FALSE(c.answer(proto::probe{epoch, 10, me + 1}));
    const auto ready = c.answer(proto::probe{epoch, 10, me});
    ASSERT_TRUE(ready);
    EXPECT_EQ(*ready, (proto::ready{secret, 10}));

    std::vector<printed> out;
    c.on_event(proto::joined{epoch, 11, "alice", me, 1, 1}, out);
    EXPECT_FALSE(c.answer(proto::probe{epoch, 11, me}));
}

TEST(Conversation, OwnJoinPrintsConnectedWithTheCount) {
    std::vector<printed> out;
    joined_conversation(out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0],
              (printed{style::presence, "> Connected to the chat server (2 users online)"}));
}

TEST(Conversation, EventsBeforeItsOwnJoinAreNotPrinted) {
    conversation c;
    c.welcome(welcome_for_me());
    std::vector<printed> out;
    c.on_event(proto::line{epoch, 11, "bob", 9, 1, "too early"}, out);
    c.on_event(proto::joined{epoch, 12, "carol", 10, 2, 1}, out);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(c.joined());
}

TEST(Conversation, OthersArePrintedAsTheOriginalPrintedThem) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::joined{epoch, 12, "bob", 9, 2, 2}, out);
    c.on_event(proto::line{epoch, 13, "bob", 9, 1, "World"}, out);
    c.on_event(proto::left{epoch, 14, "bob", 9, 1, 3, proto::leave_reason::quit}, out);
    c.on_event(proto::left{epoch, 15, "carol", 10, 0, 4, proto::leave_reason::timed_out}, out);
    const std::vector<printed> expected{
        {style::presence, "> New user bob entered (2 users online)"},
        {style::chat, "[bob] World"},
        {style::presence, "< The user bob left (1 user online)"},
        {style::presence, "< The user carol left (timed out) (0 users online)"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.last_seq(), 15u);
}

TEST(Conversation, OwnLineIsPrintedOnceOnAcknowledgementAndNeverFromTheEcho) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    const proto::say say = c.compose("Hello");
    EXPECT_EQ(say.secret, secret);
    EXPECT_EQ(say.text, "Hello");
    EXPECT_EQ(c.unacknowledged(), 1u);

    c.on_event(proto::line{epoch, 12, "alice", me, say.message_id, "Hello"}, out);
    EXPECT_TRUE(out.empty());
    c.on_reply(proto::ack{say.message_id, 12}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (printed{style::own, "[You] Hello"}));
    EXPECT_EQ(c.unacknowledged(), 0u);
}

TEST(Conversation, MessageIdsAreDistinct) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    EXPECT_NE(c.compose("a").message_id, c.compose("b").message_id);
}

TEST(Conversation, RefusedLineIsReportedAsNotSentAndCounted) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    const proto::say say = c.compose("x");
    c.on_reply(proto::error{proto::error_code::too_long, say.message_id, "text is too long"}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (printed{style::error, "! Not sent: text is too long (E_TOO_LONG)"}));
    EXPECT_EQ(c.refused(), 1u);
    EXPECT_EQ(c.unacknowledged(), 0u);
}

TEST(Conversation, ErrorAboutNoLineIsReportedPlainly) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_reply(proto::error{proto::error_code::not_joined, 0, "you have not joined the chat"}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "! you have not joined the chat (E_NOT_JOINED)");
    EXPECT_EQ(c.refused(), 0u);
}

TEST(Conversation, RosterListsNames) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_reply(proto::roster{3, {"alice", "bob"}}, out);
    c.on_reply(proto::roster{3, {}}, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].text, "Online (2): alice, bob");
    EXPECT_EQ(out[1].text, "Online (0):");
}

TEST(Conversation, HostileBytesArePrintedHarmlessly) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::line{epoch, 12, "m\x1b[2Jallory", 9, 1, "hi\n[bob] fake\x1b]0;t\x07"}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text.find('\x1b'), std::string::npos);
    EXPECT_EQ(out[0].text.find('\n'), std::string::npos);
    EXPECT_EQ(out[0].text.find('\x07'), std::string::npos);
}

TEST(Conversation, ShutdownIsAnnounced) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::shutdown{epoch, 12}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (printed{style::error, "! The chat server shut down"}));
}

TEST(Conversation, UnansweredCountsLinesAndRosterRequestsUntilAnswered) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    const proto::say say = c.compose("x");
    EXPECT_EQ(c.ask_roster(), proto::who{secret});
    EXPECT_EQ(c.unanswered(), 2u);
    c.on_reply(proto::ack{say.message_id, 12}, out);
    EXPECT_EQ(c.unanswered(), 1u);
    c.on_reply(proto::roster{1, {"alice"}}, out);
    EXPECT_EQ(c.unanswered(), 0u);
}

} // namespace
} // namespace zchat::client
