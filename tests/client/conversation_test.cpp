#include "client/conversation.hpp"

#include "proto/codec.hpp"
#include "proto/defaults.hpp"

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
    std::vector<printed> out;
    EXPECT_FALSE(c.answer(proto::probe{epoch, 10, me}, out));
    c.welcome(welcome_for_me());
    EXPECT_FALSE(c.answer(proto::probe{epoch, 10, me + 1}, out));
    const auto ready = c.answer(proto::probe{epoch, 10, me}, out);
    ASSERT_TRUE(ready);
    EXPECT_EQ(*ready, (proto::ready{secret, 10}));
    EXPECT_TRUE(out.empty()); // a fresh join waits for its own JOIN

    c.on_event(proto::joined{epoch, 11, "alice", me, 1, 1}, out);
    EXPECT_FALSE(c.answer(proto::probe{epoch, 11, me}, out));
}

TEST(Conversation, OnlyTheFirstWelcomeOfAnAttemptCounts) {
    conversation c;
    EXPECT_TRUE(c.welcome(welcome_for_me()));
    proto::welcome other = welcome_for_me();
    other.session_id = me + 1;
    EXPECT_FALSE(c.welcome(other));
    EXPECT_EQ(c.session().session_id, me);
    std::vector<printed> out;
    c.connection_lost(out);
    EXPECT_FALSE(c.welcome(other)); // lost: a new attempt must start first
    c.start_attempt();
    EXPECT_TRUE(c.welcome(other));
    EXPECT_EQ(c.session().session_id, me + 1);
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

TEST(Conversation, AnAckOfSeveralConfirmsTheLinesAcceptedJustBeforeItInOrder) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.compose("one");
    const proto::say two = c.compose("two");
    c.compose("three");
    const proto::say four = c.compose("four");
    // "two" is refused, so the ACK of three lines ending with "four" covers one, three, four.
    c.on_reply(proto::error{proto::error_code::too_long, two.message_id, "long"}, out);
    out.clear();
    c.on_reply(proto::ack{four.message_id, 14, 3}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::own, "[You] one"},
                                         {style::own, "[You] three"},
                                         {style::own, "[You] four"}}));
    EXPECT_EQ(c.unacknowledged(), 0u);
}

TEST(Conversation, AnAckOfOneLeavesTheEarlierLinesWaiting) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.compose("one");
    const proto::say two = c.compose("two");
    out.clear();
    c.on_reply(proto::ack{two.message_id, 12, 1}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::own, "[You] two"}}));
    EXPECT_EQ(c.unacknowledged(), 1u);
}

TEST(Conversation, MessageIdsAreDistinct) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    EXPECT_NE(c.compose("a").message_id, c.compose("b").message_id);
}

TEST(Conversation, RefusedLineIsReportedAsNotSentAndCountedAsUndelivered) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    const proto::say say = c.compose("x");
    c.on_reply(proto::error{proto::error_code::too_long, say.message_id, "text is too long"}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (printed{style::error, "! Not sent: text is too long (E_TOO_LONG)"}));
    EXPECT_EQ(c.undelivered(), 1u);
    EXPECT_EQ(c.unacknowledged(), 0u);
}

TEST(Conversation, ErrorAboutNoLineIsReportedPlainly) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_reply(proto::error{proto::error_code::malformed, 0, "missing frame"}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "! missing frame (E_MALFORMED)");
    EXPECT_EQ(c.undelivered(), 0u);
    EXPECT_EQ(c.state(), link::joined);
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

TEST(Conversation, ShutdownLosesTheSession) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::shutdown{epoch, 11}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (printed{style::error, "! The chat server shut down; reconnecting..."}));
    EXPECT_EQ(c.state(), link::lost);
}

// ---- Losing the session and joining again ----

TEST(Conversation, SilenceLosesTheSessionAndReportsUnconfirmedLines) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.compose("in flight");
    out.clear();
    c.connection_lost(out);
    const std::vector<printed> expected{
        {style::error, "! Connection to the chat server lost; reconnecting..."},
        {style::error, "! Not confirmed before the connection was lost, so it may not have been "
                       "delivered: in flight"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.state(), link::lost);
    EXPECT_EQ(c.unanswered(), 0u);
    EXPECT_EQ(c.undelivered(), 1u);
    out.clear();
    c.connection_lost(out);
    EXPECT_TRUE(out.empty()); // said once
}

TEST(Conversation, FreshJoinAfterALossPrintsReconnected) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.connection_lost(out);
    out.clear();
    c.start_attempt();
    EXPECT_EQ(c.ticket(), (proto::resume_ticket{me, secret}));
    proto::welcome fresh = welcome_for_me();
    fresh.epoch = epoch + 1; // the broker restarted: a new session
    fresh.session_id = 1;
    c.welcome(fresh);
    EXPECT_TRUE(c.answer(proto::probe{epoch + 1, 0, 1}, out));
    EXPECT_TRUE(out.empty());
    c.on_event(proto::joined{epoch + 1, 1, "alice", 1, 1, 1}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "> Reconnected to the chat server (1 user online)");
    EXPECT_TRUE(c.joined());
}

TEST(Conversation, ResumedSessionIsJoinedAgainFromItsProbe) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.connection_lost(out);
    out.clear();
    c.start_attempt();
    proto::welcome again = welcome_for_me();
    again.online = 3;
    c.welcome(again);
    EXPECT_TRUE(c.answer(proto::probe{epoch, 11, me}, out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "> Reconnected to the chat server (3 users online)");
    EXPECT_TRUE(c.joined());
}

TEST(Conversation, OwnTimedOutLeaveLosesTheSession) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::left{epoch, 12, "alice", me, 0, 2, proto::leave_reason::timed_out}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "! The chat server ended this session (timed out); reconnecting...");
    EXPECT_EQ(c.state(), link::lost);
}

TEST(Conversation, OwnLeaveForAnotherReasonNamesTheReasonInWords) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::left{epoch, 12, "alice", me, 0, 2, proto::leave_reason::too_many_errors},
               out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text,
              "! The chat server ended this session (too many errors); reconnecting...");
}

TEST(Conversation, NotJoinedErrorLosesTheSession) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_reply(proto::error{proto::error_code::not_joined, 0, "your session expired"}, out);
    EXPECT_EQ(c.state(), link::lost);
}

TEST(Conversation, LineRefusedForWantOfASessionIsNamedAsPossiblyUndelivered) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    const proto::say say = c.compose("typed while away");
    c.on_reply(proto::error{proto::error_code::not_joined, say.message_id, "not joined"}, out);
    const std::vector<printed> expected{
        {style::error, "! The chat server no longer knows this session; reconnecting..."},
        {style::error, "! Not confirmed before the connection was lost, so it may not have been "
                       "delivered: typed while away"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.undelivered(), 1u);
    EXPECT_EQ(c.unacknowledged(), 0u);
}

TEST(Conversation, HeartbeatFromANewEpochLosesTheSession) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::heartbeat{epoch, 11, 2, 1, 1000}, out);
    EXPECT_TRUE(c.joined());
    c.on_event(proto::heartbeat{epoch + 1, 0, 0, 0, 1000}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "! The chat server restarted; reconnecting...");
}

TEST(Conversation, EvictionOrTakeoverEndsTheSessionForGood) {
    for (const auto code : {proto::error_code::evicted, proto::error_code::session_replaced}) {
        std::vector<printed> out;
        conversation c = joined_conversation(out);
        out.clear();
        c.on_reply(proto::error{code, 0, "bye now"}, out);
        EXPECT_EQ(c.state(), link::ended);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].text,
                  "! Disconnected: bye now (" + std::string{proto::error_name(code)} + ")");
        c.start_attempt();
        EXPECT_EQ(c.state(), link::ended);
    }
}

// ---- Missed events ----

TEST(Conversation, GapInTheSequenceIsReportedOnceWithTheCount) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::line{epoch, 12, "bob", 9, 1, "a"}, out);
    c.on_event(proto::line{epoch, 16, "bob", 9, 2, "b"}, out);
    const std::vector<printed> expected{
        {style::chat, "[bob] a"},
        {style::error, "! Missed 3 events from the chat server"},
        {style::chat, "[bob] b"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.last_seq(), 16u);
}

TEST(Conversation, HeartbeatRevealsEventsLostAtTheTail) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::heartbeat{epoch, 11, 2, 1, 1000}, out);
    EXPECT_TRUE(out.empty());
    c.on_event(proto::heartbeat{epoch, 12, 2, 1, 1000}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "! Missed 1 event from the chat server");
}

TEST(Conversation, NewEpochIsNotAGap) {
    conversation c;
    std::vector<printed> out;
    c.welcome(welcome_for_me());
    c.on_event(proto::heartbeat{epoch, 500, 0, 0, 1000}, out);
    c.on_event(proto::heartbeat{epoch + 1, 3, 0, 0, 1000}, out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(c.last_seq(), 3u);
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

TEST(Conversation, FollowsTheSequenceFromHeadersAsFromWholeEvents) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.follow(proto::event_header{proto::event_kind::line, epoch, 12, "a"}, out);
    c.follow(proto::event_header{proto::event_kind::line, epoch, 16, "b"}, out);
    c.follow(proto::event_header{proto::event_kind::heartbeat, epoch, 18, ""}, out);
    const std::vector<printed> expected{
        {style::error, "! Missed 3 events from the chat server"},
        {style::error, "! Missed 2 events from the chat server"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.last_seq(), 18u);
    EXPECT_EQ(c.missed(), 5u);
}

TEST(Conversation, FollowsNoHeaderBeforeItsWelcome) {
    conversation c;
    std::vector<printed> out;
    c.follow(proto::event_header{proto::event_kind::line, epoch, 12, "a"}, out);
    c.welcome(welcome_for_me());
    c.follow(proto::event_header{proto::event_kind::line, epoch, 20, "b"}, out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(c.last_seq(), 20u);
    EXPECT_EQ(c.missed(), 0u);
}

// ---- Narration ----

// One script, played to a narrating and to a quiet conversation.
struct script_outcome {
    std::optional<proto::ready> ready;
    std::vector<printed> out;
    std::uint64_t last_seq = 0;
    std::uint64_t missed = 0;
    std::size_t unacknowledged = 0;
    std::size_t undelivered = 0;
    link state_after_join = link::joining;
    link final_state = link::joining;
};

script_outcome play(conversation& c) {
    script_outcome r;
    c.welcome(welcome_for_me());
    r.ready = c.answer(proto::probe{epoch, 10, me}, r.out);
    c.on_event(proto::joined{epoch, 11, "alice", me, 2, 1}, r.out);
    r.state_after_join = c.state();
    c.on_event(proto::joined{epoch, 12, "bob", 9, 3, 2}, r.out);
    c.on_event(proto::line{epoch, 15, "bob", 9, 1, "hi"}, r.out);
    const proto::say first = c.compose("one");
    const proto::say second = c.compose("two");
    c.compose("three");
    c.on_reply(proto::ack{first.message_id, 16}, r.out);
    c.on_reply(proto::error{proto::error_code::too_long, second.message_id, "long"}, r.out);
    c.ask_roster();
    c.on_reply(proto::roster{2, {"alice", "bob"}}, r.out);
    c.on_event(proto::left{epoch, 17, "bob", 9, 1, 3, proto::leave_reason::quit}, r.out);
    r.last_seq = c.last_seq();
    r.missed = c.missed();
    r.unacknowledged = c.unacknowledged();
    c.on_event(proto::shutdown{epoch, 17}, r.out);
    r.undelivered = c.undelivered();
    r.final_state = c.state();
    return r;
}

TEST(Conversation, AQuietOneDecidesAsANarratingOneAndPrintsNothing) {
    conversation narrating;
    conversation quiet(narration::off);
    const script_outcome told = play(narrating);
    const script_outcome silent = play(quiet);
    EXPECT_EQ(told.out.size(), 11u);
    EXPECT_TRUE(silent.out.empty());
    EXPECT_EQ(silent.ready, told.ready);
    EXPECT_EQ(silent.state_after_join, link::joined);
    EXPECT_EQ(silent.state_after_join, told.state_after_join);
    EXPECT_EQ(silent.last_seq, 17u);
    EXPECT_EQ(silent.last_seq, told.last_seq);
    EXPECT_EQ(silent.missed, 3u);
    EXPECT_EQ(silent.missed, told.missed);
    EXPECT_EQ(silent.unacknowledged, 1u);
    EXPECT_EQ(silent.unacknowledged, told.unacknowledged);
    EXPECT_EQ(silent.undelivered, 2u);
    EXPECT_EQ(silent.undelivered, told.undelivered);
    EXPECT_EQ(silent.final_state, link::lost);
    EXPECT_EQ(silent.final_state, told.final_state);
}

// ---- Heartbeats, on a scripted clock ----

using std::chrono::milliseconds;
const conversation::clock::time_point t0{std::chrono::seconds(100)};

TEST(ConversationHeartbeat, NoPingIsDueBeforeAWelcome) {
    conversation c;
    c.sent(t0);
    EXPECT_EQ(c.ping_due_at(), std::nullopt);
    EXPECT_FALSE(c.ping_due(t0 + std::chrono::hours(1)));
}

TEST(ConversationHeartbeat, APingIsDueOneIntervalAfterTheLastCommandSent) {
    conversation c;
    c.welcome(welcome_for_me()); // a heartbeat every 1000 ms
    c.sent(t0);
    EXPECT_EQ(c.ping_due_at(), t0 + milliseconds(1000));
    EXPECT_FALSE(c.ping_due(t0 + milliseconds(999)));
    EXPECT_TRUE(c.ping_due(t0 + milliseconds(1000)));
    // Anything sent in between is a sign of life too, and puts the PING off.
    c.sent(t0 + milliseconds(600));
    EXPECT_FALSE(c.ping_due(t0 + milliseconds(1599)));
    EXPECT_TRUE(c.ping_due(t0 + milliseconds(1600)));
}

TEST(ConversationHeartbeat, APingCarriesTheSecretAndTheLastSeqSeen) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.on_event(proto::line{epoch, 14, "bob", 9, 1, "hi"}, out);
    EXPECT_EQ(c.ping(), (proto::ping{secret, 14}));
}

TEST(ConversationHeartbeat, NoPingIsDueOnceTheSessionIsLost) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.sent(t0);
    c.connection_lost(out);
    EXPECT_EQ(c.ping_due_at(), std::nullopt);
    EXPECT_FALSE(c.ping_due(t0 + std::chrono::hours(1)));
}

TEST(ConversationHeartbeat, TheBrokerIsGivenLivenessIntervalsOfSilence) {
    conversation c;
    c.welcome(welcome_for_me());
    EXPECT_EQ(c.heartbeat_interval(), milliseconds(1000));
    EXPECT_EQ(c.silence_limit(), milliseconds(3000));
}

TEST(ConversationHeartbeat, ABrokerAnnouncingNoIntervalGetsTheDefaultOne) {
    proto::welcome w = welcome_for_me();
    w.heartbeat_ms = 0;
    w.liveness = 0;
    conversation c;
    c.welcome(w);
    c.sent(t0);
    EXPECT_EQ(c.heartbeat_interval(), proto::default_heartbeat_interval);
    EXPECT_EQ(c.silence_limit(), proto::default_heartbeat_interval);
    EXPECT_EQ(c.ping_due_at(), t0 + proto::default_heartbeat_interval);
}

} // namespace
} // namespace zchat::client
