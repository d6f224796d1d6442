#include "client/conversation.hpp"

#include "proto/codec.hpp"
#include "proto/defaults.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace zchat::client {

// So that a failed comparison shows the lines, not their bytes.
void PrintTo(const printed& p, std::ostream* os) {
    *os << "{style " << static_cast<int>(p.look) << ", \"" << p.text << "\"";
    if (!p.speaker.empty())
        *os << ", speaker " << p.speaker << (p.mentions_you ? ", mentions you" : "");
    *os << "}";
}

namespace {

constexpr std::uint64_t epoch = 77;
constexpr std::uint64_t me = 5;
const proto::session_secret secret{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

proto::welcome welcome_for_me(std::string room = "lobby") {
    return proto::welcome{"alice", me, secret, epoch, std::move(room), 1, 1000, 3, 32,
                          4096,    0,  0,      32};
}

// Our own JOIN of `room`, the room's presence sequence at `seq`, its chat at `chat_seq`.
proto::joined own_join(std::string room, std::uint64_t seq, std::uint32_t online,
                       std::uint64_t chat_seq = 0) {
    return proto::joined{epoch, seq, std::move(room), "alice", me, online, chat_seq};
}

proto::line line_in(std::string room, std::uint64_t seq, std::string text,
                    std::string sender = "bob", std::uint64_t session_id = 9) {
    return proto::line{epoch,      seq, std::move(room), std::move(sender),
                       session_id, 1,   std::move(text)};
}

// A conversation that has joined #lobby: WELCOME received and its own JOIN seen, the first
// presence event of the room, before any chat.
conversation joined_conversation(std::vector<printed>& out) {
    conversation c("lobby");
    c.welcome(welcome_for_me());
    c.on_event(own_join("lobby", 1, 2), out);
    return c;
}

// A conversation in #lobby and then #ops (the current room), with `out` cleared.
conversation in_two_rooms(std::vector<printed>& out) {
    conversation c = joined_conversation(out);
    c.open_room("ops", out);
    c.join("ops");
    c.on_reply(proto::room_entered{"ops", 0, 1, 1}, out);
    out.clear();
    return c;
}

TEST(Conversation, AnswersOnlyItsOwnProbeAndOnlyUntilJoined) {
    conversation c("lobby");
    std::vector<printed> out;
    EXPECT_FALSE(c.answer(proto::probe{epoch, me}, out));
    c.welcome(welcome_for_me());
    EXPECT_FALSE(c.answer(proto::probe{epoch, me + 1}, out));
    const auto ready = c.answer(proto::probe{epoch, me}, out);
    ASSERT_TRUE(ready);
    EXPECT_EQ(*ready, (proto::ready{secret}));
    EXPECT_TRUE(out.empty()); // a fresh join waits for its own JOIN

    c.on_event(own_join("lobby", 1, 1), out);
    EXPECT_FALSE(c.answer(proto::probe{epoch, me}, out));
}

TEST(Conversation, OnlyTheFirstWelcomeOfAnAttemptCounts) {
    conversation c("lobby");
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

TEST(Conversation, TheRoomReplyJoinsAsTheOwnJoinDoesAndOnlyOnce) {
    conversation c("lobby");
    std::vector<printed> out;
    c.welcome(welcome_for_me());
    c.on_reply(proto::room_entered{"lobby", 4, 3, 2}, out);
    EXPECT_TRUE(c.joined());
    c.on_event(own_join("lobby", 3, 2, 4), out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::presence, "> Connected to the chat server (2 users online)"}}));
    // The chat is followed from where the reply said it stood.
    EXPECT_EQ(c.ping().positions, (std::vector<proto::room_position>{{"lobby", 4}}));
}

TEST(Conversation, EventsBeforeItsOwnJoinAreNotPrinted) {
    conversation c("lobby");
    c.welcome(welcome_for_me());
    std::vector<printed> out;
    c.on_event(line_in("lobby", 1, "too early"), out);
    c.on_event(proto::joined{epoch, 2, "lobby", "carol", 10, 2, 1}, out);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(c.joined());
}

TEST(Conversation, OthersArePrintedAsTheOriginalPrintedThem) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::joined{epoch, 2, "lobby", "bob", 9, 2, 0}, out);
    c.on_event(line_in("lobby", 1, "World"), out);
    c.on_event(proto::left{epoch, 3, "lobby", "bob", 9, 1, proto::leave_reason::quit}, out);
    c.on_event(proto::left{epoch, 4, "lobby", "carol", 10, 0, proto::leave_reason::timed_out}, out);
    const std::vector<printed> expected{
        {style::presence, "> New user bob entered (2 users online)"},
        {style::chat, "[bob] World", std::nullopt, "bob"},
        {style::presence, "< The user bob left (1 user online)"},
        {style::presence, "< The user carol left (timed out) (0 users online)"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.missed(), 0u);
    EXPECT_EQ(c.ping().positions, (std::vector<proto::room_position>{{"lobby", 1}}));
}

TEST(Conversation, OwnLineIsPrintedOnceOnAcknowledgementAndNeverFromTheEcho) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    const proto::say say = c.compose("lobby", "Hello");
    EXPECT_EQ(say.secret, secret);
    EXPECT_EQ(say.room, "lobby");
    EXPECT_EQ(say.text, "Hello");
    EXPECT_EQ(c.unacknowledged(), 1u);

    c.on_event(proto::line{epoch, 1, "lobby", "alice", me, say.message_id, "Hello"}, out);
    EXPECT_TRUE(out.empty());
    c.on_reply(proto::ack{say.message_id, 1}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (printed{style::own, "[You] Hello"}));
    EXPECT_EQ(c.unacknowledged(), 0u);
}

TEST(Conversation, AnActionReadsTheSameToEveryoneTheSenderIncluded) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    proto::line bob_waves = line_in("ops", 1, "waves");
    bob_waves.kind = proto::line_kind::action;
    c.on_event(bob_waves, out);
    const proto::say say = c.compose("ops", "nods", proto::line_kind::action);
    EXPECT_EQ(say.kind, proto::line_kind::action);
    c.on_reply(proto::ack{say.message_id, 2}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::chat, "#ops * bob waves", std::nullopt, "bob"},
                                         {style::own, "#ops * alice nods"}}));
}

TEST(Conversation, ALineOfAKindThisClientDoesNotKnowReadsAsText) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    proto::line odd = line_in("lobby", 1, "hi");
    odd.kind = static_cast<proto::line_kind>(9);
    c.on_event(odd, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::chat, "[bob] hi", std::nullopt, "bob"}}));
}

TEST(Conversation, AnAckOfSeveralConfirmsTheLinesAcceptedJustBeforeItInOrder) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.compose("lobby", "one");
    const proto::say two = c.compose("lobby", "two");
    c.compose("lobby", "three");
    const proto::say four = c.compose("lobby", "four");
    // "two" is refused, so the ACK of three lines ending with "four" covers one, three, four.
    c.on_reply(proto::error{proto::error_code::too_long, two.message_id, "long"}, out);
    out.clear();
    c.on_reply(proto::ack{four.message_id, 3, 3}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::own, "[You] one"},
                                         {style::own, "[You] three"},
                                         {style::own, "[You] four"}}));
    EXPECT_EQ(c.unacknowledged(), 0u);
}

TEST(Conversation, AnAckOfOneLeavesTheEarlierLinesWaiting) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.compose("lobby", "one");
    const proto::say two = c.compose("lobby", "two");
    out.clear();
    c.on_reply(proto::ack{two.message_id, 1, 1}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::own, "[You] two"}}));
    EXPECT_EQ(c.unacknowledged(), 1u);
}

TEST(Conversation, MessageIdsAreDistinct) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    EXPECT_NE(c.compose("lobby", "a").message_id, c.compose("lobby", "b").message_id);
}

TEST(Conversation, RefusedLineIsReportedAsNotSentAndCountedAsUndelivered) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    const proto::say say = c.compose("lobby", "x");
    c.on_reply(proto::error{proto::error_code::too_long, say.message_id, "text is too long"}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (printed{style::error, "! Not sent: text is too long (E_TOO_LONG)"}));
    EXPECT_EQ(c.undelivered(), 1u);
    EXPECT_EQ(c.unacknowledged(), 0u);
}

// ---- Private messages: no room, so no prefix even in several rooms ----

TEST(Conversation, APrivateMessageIsShownAsFromItsSenderWithoutARoom) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    c.on_reply(proto::private_line{"bob", 9, 3, "psst \x1b[2J"}, out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::chat, "*bob* psst \\u{1B}[2J", std::nullopt, "bob", true}}));
}

TEST(Conversation, OurPrivateMessageIsShownToItsRecipientOnceAcknowledged) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    const proto::private_say m = c.compose_private("bob", "psst");
    EXPECT_EQ(m, (proto::private_say{secret, "bob", m.message_id, "psst"}));
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(c.unacknowledged(), 1u);
    c.on_reply(proto::ack{m.message_id, 0, 1}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::own, "-> *bob* psst"}}));
    EXPECT_EQ(c.unacknowledged(), 0u);
}

TEST(Conversation, APrivateMessageToNobodyOnlineIsReportedAsNotSent) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    const proto::private_say m = c.compose_private("zed", "hi");
    c.on_reply(proto::error{proto::error_code::no_such_user, m.message_id,
                            "no user named 'zed' is online"},
               out);
    EXPECT_EQ(out,
              (std::vector<printed>{
                  {style::error, "! Not sent: no user named 'zed' is online (E_NO_SUCH_USER)"}}));
    EXPECT_EQ(c.undelivered(), 1u);
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

TEST(Conversation, RosterListsNamesAndNamesARoomThisClientIsNotIn) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_reply(proto::roster{"lobby", 3, {"alice", "bob"}}, out);
    c.on_reply(proto::roster{"lobby", 3, {}}, out);
    c.on_reply(proto::roster{"dev", 1, {"carol"}}, out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].text, "Online (2): alice, bob");
    EXPECT_EQ(out[1].text, "Online (0):");
    EXPECT_EQ(out[2].text, "#dev Online (1): carol");
}

TEST(Conversation, RoomListNamesEachRoomWithItsMembers) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.ask_rooms();
    c.on_reply(proto::room_list{{{"dev", 1}, {"lobby", 12}}}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::notice, "#dev 1"}, {style::notice, "#lobby 12"}}));
    EXPECT_EQ(c.unanswered(), 0u);
}

TEST(Conversation, HostileBytesArePrintedHarmlessly) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(line_in("lobby", 1, "hi\n[bob] fake\x1b]0;t\x07", "m\x1b[2Jallory"), out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text.find('\x1b'), std::string::npos);
    EXPECT_EQ(out[0].text.find('\n'), std::string::npos);
    EXPECT_EQ(out[0].text.find('\x07'), std::string::npos);
}

TEST(Conversation, ShutdownLosesTheSession) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::shutdown{epoch}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (printed{style::error, "! The chat server shut down; reconnecting..."}));
    EXPECT_EQ(c.state(), link::lost);
}

TEST(Conversation, ALineThatNamesYouOrIsToYouAloneMentionsYouButNotAnEarlierOne) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(line_in("lobby", 1, "Alice: lunch?"), out);
    c.on_event(line_in("lobby", 2, "that was malicious"), out);
    c.on_reply(proto::private_line{"bob", 9, 4, "psst"}, out);
    EXPECT_EQ(out,
              (std::vector<printed>{{style::chat, "[bob] Alice: lunch?", std::nullopt, "bob", true},
                                    {style::chat, "[bob] that was malicious", std::nullopt, "bob"},
                                    {style::chat, "*bob* psst", std::nullopt, "bob", true}}));
}

TEST(Mentions, TheNameAsAWordOfItsOwnInAnyCase) {
    for (const char* text : {"alice", "hi alice!", "@alice", "ALICE: ship it", "ok, Alice."})
        EXPECT_TRUE(mentions(text, "alice")) << text;
    for (const char* text : {"malice", "alices", "alice_b", "bob-alice", "", "ali"})
        EXPECT_FALSE(mentions(text, "alice")) << text;
    EXPECT_TRUE(mentions("gr\xC3\xBC\xC3\x9F dich, j\xC3\xBCrgen", "j\xC3\xBCrgen"));
}

TEST(Conversation, TheStatusSaysConnectingThenNothingThenReconnectingUntilJoinedAgain) {
    conversation first("lobby");
    first.start_attempt();
    EXPECT_EQ(first.status(), "connecting");
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    EXPECT_EQ(c.status(), "");
    c.on_event(proto::shutdown{epoch}, out);
    EXPECT_EQ(c.status(), "reconnecting");
    c.start_attempt();
    EXPECT_EQ(c.status(), "reconnecting");
}

// ---- Rooms ----

TEST(Conversation, EnteringASecondRoomPrintsJoinedWithItsCount) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.open_room("ops", out);
    EXPECT_TRUE(out.empty()); // not in it until the broker says so
    EXPECT_EQ(c.rooms(), (std::vector<std::string>{"lobby", "ops"}));
    EXPECT_EQ(c.current_room(), "ops");
    EXPECT_EQ(c.joins_due(), (std::vector<std::string>{"ops"}));
    EXPECT_EQ(c.join("ops"), (proto::join{secret, "ops"}));
    EXPECT_TRUE(c.joins_due().empty());
    EXPECT_EQ(c.unanswered(), 1u);

    c.on_reply(proto::room_entered{"ops", 7, 3, 3}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::presence, "> Joined #ops (3 users online)"}}));
    EXPECT_EQ(c.unanswered(), 0u);
    // The own JOIN arriving after the reply says nothing more.
    c.on_event(own_join("ops", 3, 3, 7), out);
    EXPECT_EQ(out.size(), 1u);
}

TEST(Conversation, TheOwnJoinOfASecondRoomPrintsJoinedWhenItComesFirst) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.open_room("ops", out);
    c.join("ops");
    out.clear();
    c.on_event(own_join("ops", 2, 1, 4), out);
    c.on_reply(proto::room_entered{"ops", 4, 2, 1}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::presence, "> Joined #ops (1 user online)"}}));
}

TEST(Conversation, OpeningARoomAlreadyOpenOnlyMakesItCurrent) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    c.open_room("lobby", out);
    EXPECT_EQ(out, (std::vector<printed>{{style::notice, "> Talking in #lobby now"}}));
    EXPECT_EQ(c.current_room(), "lobby");
    EXPECT_EQ(c.rooms(), (std::vector<std::string>{"ops", "lobby"}));
    EXPECT_TRUE(c.joins_due().empty());
}

TEST(Conversation, WithOneRoomNothingIsPrefixed) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::joined{epoch, 2, "lobby", "bob", 9, 3, 0}, out);
    c.on_event(line_in("lobby", 1, "hi"), out);
    c.on_reply(proto::ack{c.compose("lobby", "hey").message_id, 2}, out);
    for (const printed& p : out)
        EXPECT_FALSE(p.text.starts_with("#")) << p.text;
    EXPECT_EQ(out.size(), 3u);
}

TEST(Conversation, InTwoRoomsEveryLineAboutARoomStartsWithItsName) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    c.on_event(line_in("lobby", 1, "hi"), out);
    c.on_event(line_in("ops", 1, "deploying", "carol", 10), out);
    c.on_event(proto::joined{epoch, 2, "ops", "dave", 11, 3, 1}, out);
    c.on_event(proto::left{epoch, 3, "ops", "dave", 11, 2, proto::leave_reason::parted}, out);
    c.on_reply(proto::ack{c.compose("ops", "hey").message_id, 2}, out);
    c.on_reply(proto::roster{"ops", 3, {"alice", "carol"}}, out);
    const std::vector<printed> expected{
        {style::chat, "#lobby [bob] hi", std::nullopt, "bob"},
        {style::chat, "#ops [carol] deploying", std::nullopt, "carol"},
        {style::presence, "#ops > New user dave entered (3 users online)"},
        {style::presence, "#ops < The user dave left (2 users online)"},
        {style::own, "#ops [You] hey"},
        {style::notice, "#ops Online (2): alice, carol"},
    };
    EXPECT_EQ(out, expected);
}

TEST(Conversation, WhileJoiningASecondRoomTheFirstIsPrefixedAlready) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.open_room("ops", out);
    out.clear();
    c.on_event(line_in("lobby", 1, "hi"), out);
    EXPECT_EQ(out, (std::vector<printed>{{style::chat, "#lobby [bob] hi", std::nullopt, "bob"}}));
}

TEST(Conversation, NothingIsShownFromARoomItIsNotIn) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(line_in("dev", 1, "elsewhere"), out);
    c.on_event(proto::joined{epoch, 1, "dev", "bob", 9, 1, 0}, out);
    c.on_event(proto::left{epoch, 2, "dev", "bob", 9, 0, proto::leave_reason::quit}, out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(c.missed(), 0u);
}

TEST(Conversation, ClosingARoomMakesTheRoomJoinedBeforeItCurrent) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    c.open_room("dev", out);
    c.join("dev");
    c.on_reply(proto::room_entered{"dev", 0, 1, 1}, out);
    EXPECT_EQ(c.current_room(), "dev");

    EXPECT_TRUE(c.close_room("dev"));
    EXPECT_EQ(c.current_room(), "ops");
    EXPECT_EQ(c.rooms(), (std::vector<std::string>{"lobby", "ops"}));
    // Closing another room than the current one leaves the current one as it is.
    EXPECT_TRUE(c.close_room("lobby"));
    EXPECT_EQ(c.current_room(), "ops");
    out.clear();
    c.on_event(line_in("dev", 1, "gone"), out);
    c.on_event(line_in("lobby", 1, "gone too"), out);
    c.on_event(line_in("ops", 1, "still here"), out);
    // Back in one room: no prefix.
    EXPECT_EQ(out, (std::vector<printed>{{style::chat, "[bob] still here", std::nullopt, "bob"}}));
}

// A /part then a /join of the same room: the LEAVE of the first stay may come after the room was
// entered again (the ROOM reply travels apart from the events). It ends nothing.
TEST(Conversation, OurOwnPartOfAnEarlierStayEndsNothingOnceTheRoomIsEnteredAgain) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    c.close_room("ops");
    c.open_room("ops", out);
    c.join("ops");
    c.on_reply(proto::room_entered{"ops", 0, 3, 1}, out);
    out.clear();
    c.on_event(proto::left{epoch, 2, "ops", "alice", me, 0, proto::leave_reason::parted}, out);
    c.on_event(line_in("ops", 1, "still here"), out);
    EXPECT_EQ(c.state(), link::joined);
    EXPECT_EQ(out,
              (std::vector<printed>{{style::chat, "#ops [bob] still here", std::nullopt, "bob"}}));
    EXPECT_EQ(c.missed(), 0u);
}

TEST(Conversation, ClosingARoomWhoseJoinWasNeverSentNeedsNoPart) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.open_room("ops", out);
    EXPECT_FALSE(c.close_room("ops"));
    EXPECT_TRUE(c.joins_due().empty());
    EXPECT_EQ(c.current_room(), "lobby");
    c.open_room("dev", out);
    c.join("dev");
    EXPECT_TRUE(c.close_room("dev")); // the broker may have let us in already
}

TEST(Conversation, AJoinRefusedForTooManyRoomsTakesTheRoomAway) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.open_room("ops", out);
    c.join("ops");
    out.clear();
    c.on_reply(proto::error{proto::error_code::too_many_rooms, 0, "you are in 32 rooms already"},
               out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::error,
                        "! Cannot join #ops: you are in 32 rooms already (E_TOO_MANY_ROOMS)"}}));
    EXPECT_EQ(c.rooms(), (std::vector<std::string>{"lobby"}));
    EXPECT_EQ(c.state(), link::joined);
    EXPECT_EQ(c.unanswered(), 0u);
}

TEST(Conversation, APingCarriesAPositionForEachRoomEntered) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    c.on_event(line_in("lobby", 1, "a"), out);
    c.on_event(line_in("lobby", 2, "b"), out);
    c.on_event(line_in("ops", 1, "c"), out);
    // A room being joined is not reported: the broker does not count us in it yet.
    c.open_room("dev", out);
    c.join("dev");
    EXPECT_EQ(c.ping(), (proto::ping{secret, {{"lobby", 2}, {"ops", 1}}}));
}

// ---- Losing the session and joining again ----

TEST(Conversation, SilenceLosesTheSessionAndReportsUnconfirmedLines) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.compose("lobby", "in flight");
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
    EXPECT_TRUE(c.answer(proto::probe{epoch + 1, 1}, out));
    EXPECT_TRUE(out.empty());
    c.on_event(proto::joined{epoch + 1, 1, "lobby", "alice", 1, 1, 0}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "> Reconnected to the chat server (1 user online)");
    EXPECT_TRUE(c.joined());
}

TEST(Conversation, ANewSessionJoinsItsOtherRoomsAgain) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    c.connection_lost(out);
    c.start_attempt();
    // The HELLO named the current room, #ops: the new session enters it, and #lobby is joined
    // again once the session is confirmed.
    proto::welcome fresh = welcome_for_me(c.current_room());
    fresh.session_id = me + 1;
    c.welcome(fresh);
    EXPECT_EQ(c.joins_due(), (std::vector<std::string>{"lobby"}));
    c.answer(proto::probe{epoch, me + 1}, out);
    out.clear();
    c.on_event(proto::joined{epoch, 2, "ops", "alice", me + 1, 1, 0}, out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::presence, "> Reconnected to the chat server (1 user online)"}}));
    EXPECT_EQ(c.join("lobby"), (proto::join{fresh.secret, "lobby"}));
    c.on_reply(proto::room_entered{"lobby", 0, 3, 2}, out);
    EXPECT_EQ(out.back(), (printed{style::presence, "> Joined #lobby (2 users online)"}));
    EXPECT_EQ(c.rooms(), (std::vector<std::string>{"lobby", "ops"}));
    EXPECT_EQ(c.ping().positions, (std::vector<proto::room_position>{{"lobby", 0}, {"ops", 0}}));
}

// Between the two sessions the room's presence moved on by our old session's LEAVE and our new
// entry, and its chat by two lines. Who came and went while we were away is not lost (the
// reconnect line says who is here now), but the lines are: only they count as missed, whichever
// of the ROOM reply and our own JOIN comes first.
TEST(Conversation, ANewSessionCountsOnlyTheLinesSaidWhileAwayAsMissed) {
    for (const bool reply_first : {true, false}) {
        SCOPED_TRACE(reply_first ? "ROOM first" : "JOIN first");
        std::vector<printed> out;
        conversation c = joined_conversation(out); // presence at 1, chat at 0
        c.connection_lost(out);
        c.start_attempt();
        proto::welcome fresh = welcome_for_me();
        fresh.session_id = me + 1;
        c.welcome(fresh);
        c.answer(proto::probe{epoch, me + 1}, out);
        out.clear();
        const proto::room_entered entry{"lobby", 2, 3, 1};
        const proto::joined own{epoch, 3, "lobby", "alice", me + 1, 1, 2};
        if (reply_first) {
            c.on_reply(entry, out);
            c.on_event(own, out);
        } else {
            c.on_event(own, out);
            c.on_reply(entry, out);
        }
        EXPECT_EQ(out, (std::vector<printed>{
                           {style::error, "! Missed 2 events from the chat server"},
                           {style::presence, "> Reconnected to the chat server (1 user online)"}}));
        EXPECT_EQ(c.missed(), 2u);
        // Presence goes on from our entry.
        out.clear();
        c.on_event(proto::left{epoch, 4, "lobby", "bob", 9, 0, proto::leave_reason::quit}, out);
        EXPECT_EQ(c.missed(), 2u);
    }
}

TEST(Conversation, ResumedSessionIsJoinedAgainFromItsProbeInAllItsRooms) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    c.connection_lost(out);
    out.clear();
    c.start_attempt();
    proto::welcome again = welcome_for_me("ops");
    again.online = 3;
    c.welcome(again);
    EXPECT_TRUE(c.joins_due().empty()); // the broker kept us in both rooms
    EXPECT_TRUE(c.answer(proto::probe{epoch, me}, out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "> Reconnected to the chat server (3 users online)");
    EXPECT_TRUE(c.joined());
    EXPECT_EQ(c.ping().positions, (std::vector<proto::room_position>{{"lobby", 0}, {"ops", 0}}));
}

TEST(Conversation, OwnTimedOutLeaveLosesTheSession) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::left{epoch, 2, "lobby", "alice", me, 0, proto::leave_reason::timed_out}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "! The chat server ended this session (timed out); reconnecting...");
    EXPECT_EQ(c.state(), link::lost);
}

TEST(Conversation, OwnLeaveForAnotherReasonNamesTheReasonInWords) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(proto::left{epoch, 2, "lobby", "alice", me, 0, proto::leave_reason::too_many_errors},
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
    const proto::say say = c.compose("lobby", "typed while away");
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
    c.on_event(proto::heartbeat{epoch, 2, 1000, {}}, out);
    EXPECT_TRUE(c.joined());
    c.on_event(proto::heartbeat{epoch + 1, 0, 1000, {}}, out);
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

TEST(Conversation, GapInTheChatIsReportedOnceWithTheCount) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    out.clear();
    c.on_event(line_in("lobby", 1, "a"), out);
    c.on_event(line_in("lobby", 5, "b"), out);
    const std::vector<printed> expected{
        {style::chat, "[bob] a", std::nullopt, "bob"},
        {style::error, "! Missed 3 events from the chat server"},
        {style::chat, "[bob] b", std::nullopt, "bob"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.ping().positions, (std::vector<proto::room_position>{{"lobby", 5}}));
}

// ---- History and gap fill (PROTOCOL.md, section 7a) ----

const conversation::clock::time_point fetched_at{std::chrono::seconds(50)};

// What kept() lines carry: said a second before the HISTORY that brings them.
const std::optional<std::chrono::milliseconds> said_a_second_before{1000};

proto::history_line kept(std::uint64_t seq, std::string text, std::string sender = "bob",
                         std::uint64_t session_id = 9) {
    return proto::history_line{
        seq, 1000, std::move(sender), session_id, seq, proto::line_kind::text, std::move(text)};
}

// A conversation that fetches history and fills gaps, welcomed, not yet in its room.
conversation catching_up(std::uint32_t history_lines) {
    conversation c("lobby", narration::on, catch_up{history_lines, true});
    c.welcome(welcome_for_me());
    return c;
}

TEST(ConversationHistory, EnteringFetchesTheLastLinesAndShowsThemMarkedBeforeLiveOnes) {
    std::vector<printed> out;
    conversation c = catching_up(3);
    c.on_event(own_join("lobby", 4, 2, 5), out); // the chat stands at 5
    ASSERT_EQ(c.fetches_due(), 1u);
    EXPECT_EQ(c.next_fetch(fetched_at), (proto::fetch{secret, "lobby", 3, 5}));
    EXPECT_EQ(c.fetches_due(), 0u);
    EXPECT_EQ(c.unanswered(), 1u);
    c.on_event(line_in("lobby", 6, "live"), out); // arrives first, shown after the history
    c.on_reply(
        proto::history{"lobby", 3, 5, 0, {kept(3, "three"), kept(4, "four"), kept(5, "five")}},
        out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::presence, "> Connected to the chat server (2 users online)"},
                       {style::history, "~ [bob] three", said_a_second_before, "bob"},
                       {style::history, "~ [bob] four", said_a_second_before, "bob"},
                       {style::history, "~ [bob] five", said_a_second_before, "bob"},
                       {style::chat, "[bob] live", std::nullopt, "bob"}}));
    EXPECT_EQ(c.unanswered(), 0u);
    EXPECT_EQ(c.missed(), 0u);
}

// The ROOM reply can come before a LINE said just before our JOIN, which the SUB delivers late:
// that line is in the history fetched, and is shown there once, not again as live.
TEST(ConversationHistory, ALineSaidBeforeTheEntryThatComesAfterTheReplyIsShownOnceFromHistory) {
    std::vector<printed> out;
    conversation c = catching_up(2);
    c.join("lobby");
    c.on_reply(proto::room_entered{"lobby", 5, 4, 2}, out); // the chat stands at 5
    c.on_event(line_in("lobby", 5, "five"), out);
    EXPECT_EQ(c.next_fetch(fetched_at), (proto::fetch{secret, "lobby", 4, 5}));
    c.on_reply(proto::history{"lobby", 4, 5, 0, {kept(4, "four"), kept(5, "five")}}, out);
    c.on_event(line_in("lobby", 6, "six"), out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::presence, "> Connected to the chat server (2 users online)"},
                       {style::history, "~ [bob] four", said_a_second_before, "bob"},
                       {style::history, "~ [bob] five", said_a_second_before, "bob"},
                       {style::chat, "[bob] six", std::nullopt, "bob"}}));
}

TEST(ConversationHistory, ARoomWithFewerLinesThanAskedIsFetchedFromItsFirstAndAnEmptyOneNot) {
    std::vector<printed> out;
    conversation c = catching_up(20);
    c.on_event(own_join("lobby", 1, 1, 2), out);
    EXPECT_EQ(c.next_fetch(fetched_at), (proto::fetch{secret, "lobby", 1, 2}));
    // A room opened in a later generation starts its numbers there: nothing before that.
    c.open_room("ops", out);
    c.join("ops");
    const std::uint64_t generation = std::uint64_t{3} << proto::room_generation_shift;
    c.on_reply(proto::room_entered{"ops", generation, generation + 1, 1}, out);
    EXPECT_EQ(c.fetches_due(), 0u);
}

TEST(ConversationHistory, HistoryInSeveralRoomsTakesTheRoomPrefixAndASplitAnswerIsOneRange) {
    std::vector<printed> out;
    conversation c = catching_up(5);
    c.on_event(own_join("lobby", 1, 1, 0), out);
    c.open_room("ops", out);
    c.join("ops");
    c.on_reply(proto::room_entered{"ops", 2, 3, 2}, out);
    out.clear();
    EXPECT_EQ(c.next_fetch(fetched_at), (proto::fetch{secret, "ops", 1, 2}));
    c.on_reply(proto::history{"ops", 1, 2, 1, {kept(1, "one")}}, out);
    c.on_reply(proto::history{"ops", 1, 2, 0, {kept(2, "two")}}, out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::history, "#ops ~ [bob] one", said_a_second_before, "bob"},
                       {style::history, "#ops ~ [bob] two", said_a_second_before, "bob"}}));
}

TEST(ConversationGapFill, AGapIsFetchedAndShownInOrderWithOnlyWhatTheHistoryLostReported) {
    std::vector<printed> out;
    conversation c = catching_up(0);
    c.on_event(own_join("lobby", 1, 2, 0), out);
    c.on_event(line_in("lobby", 1, "one"), out);
    out.clear();
    c.on_event(line_in("lobby", 5, "five"), out);
    c.on_event(line_in("lobby", 6, "six"), out);
    EXPECT_TRUE(out.empty()); // held until the gap is filled
    EXPECT_EQ(c.next_fetch(fetched_at), (proto::fetch{secret, "lobby", 2, 4}));
    c.on_reply(proto::history{"lobby", 2, 4, 0, {kept(3, "three"), kept(4, "four")}}, out);
    // Filled lines show when they were said; the live ones arrived as they were said.
    EXPECT_EQ(out, (std::vector<printed>{{style::error, "! Missed 1 event from the chat server"},
                                         {style::chat, "[bob] three", said_a_second_before, "bob"},
                                         {style::chat, "[bob] four", said_a_second_before, "bob"},
                                         {style::chat, "[bob] five", std::nullopt, "bob"},
                                         {style::chat, "[bob] six", std::nullopt, "bob"}}));
    EXPECT_EQ(c.missed(), 1u);
}

TEST(ConversationGapFill, AGapAtTheTailFoundByAHeartbeatIsFilledToo) {
    std::vector<printed> out;
    conversation c = catching_up(0);
    c.on_event(own_join("lobby", 1, 2, 0), out);
    out.clear();
    c.on_event(proto::heartbeat{epoch, 2, 1000, {{"lobby", 2, 1}}}, out);
    EXPECT_EQ(c.next_fetch(fetched_at), (proto::fetch{secret, "lobby", 1, 2}));
    c.on_reply(proto::history{"lobby", 1, 2, 0, {kept(1, "one"), kept(2, "two")}}, out);
    EXPECT_EQ(out, (std::vector<printed>{{style::chat, "[bob] one", said_a_second_before, "bob"},
                                         {style::chat, "[bob] two", said_a_second_before, "bob"}}));
    EXPECT_EQ(c.missed(), 0u);
}

TEST(ConversationGapFill, AnUnansweredFetchIsGivenUpAfterTheSilenceLimitAndTheGapReported) {
    std::vector<printed> out;
    conversation c = catching_up(0);
    c.on_event(own_join("lobby", 1, 2, 0), out);
    out.clear();
    c.on_event(line_in("lobby", 3, "three"), out);
    c.next_fetch(fetched_at);
    ASSERT_TRUE(c.fetch_deadline());
    EXPECT_EQ(*c.fetch_deadline(), fetched_at + c.silence_limit());
    c.expire_fetches(fetched_at + c.silence_limit() - std::chrono::milliseconds(1), out);
    EXPECT_TRUE(out.empty());
    c.expire_fetches(fetched_at + c.silence_limit(), out);
    EXPECT_EQ(out, (std::vector<printed>{{style::error, "! Missed 2 events from the chat server"},
                                         {style::chat, "[bob] three", std::nullopt, "bob"}}));
    EXPECT_FALSE(c.fetch_deadline());
    // A late answer changes nothing.
    out.clear();
    c.on_reply(proto::history{"lobby", 1, 2, 0, {kept(1, "one")}}, out);
    EXPECT_TRUE(out.empty());
}

TEST(ConversationGapFill, LinesOutsideTheRangeOrOutOfOrderAreNotShown) {
    std::vector<printed> out;
    conversation c = catching_up(0);
    c.on_event(own_join("lobby", 1, 2, 0), out);
    c.on_event(line_in("lobby", 4, "four"), out);
    c.next_fetch(fetched_at);
    out.clear();
    c.on_reply(proto::history{"lobby", 1, 3, 0, {kept(2, "two"), kept(1, "one"), kept(9, "nine")}},
               out);
    EXPECT_EQ(out, (std::vector<printed>{{style::error, "! Missed 2 events from the chat server"},
                                         {style::chat, "[bob] two", said_a_second_before, "bob"},
                                         {style::chat, "[bob] four", std::nullopt, "bob"}}));
}

// In #lobby, fetching line 1, with line 2 held behind it.
conversation fetching_a_gap(std::vector<printed>& out) {
    conversation c = catching_up(0);
    c.on_event(own_join("lobby", 1, 2, 0), out);
    c.on_event(line_in("lobby", 2, "two"), out);
    c.next_fetch(fetched_at);
    return c;
}

// A session lost while a gap is being fetched (its answer would go to the old connection): the
// resumed session asks again, and what was held shows once the answer comes.
TEST(ConversationGapFill, AGapBeingFetchedWhenTheSessionIsLostIsAskedForAgainOnceResumed) {
    std::vector<printed> out;
    conversation c = fetching_a_gap(out);
    out.clear();
    c.connection_lost(out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::error, "! Connection to the chat server lost; reconnecting..."}}));
    EXPECT_EQ(c.fetches_due(), 0u) << "nothing is asked while no session is welcomed";

    out.clear();
    c.start_attempt();
    ASSERT_TRUE(c.welcome(welcome_for_me()));
    ASSERT_TRUE(c.answer(proto::probe{epoch, me}, out));
    ASSERT_EQ(c.fetches_due(), 1u);
    EXPECT_EQ(c.next_fetch(fetched_at), (proto::fetch{secret, "lobby", 1, 1}));
    c.on_reply(proto::history{"lobby", 1, 1, 0, {kept(1, "one")}}, out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::presence, "> Reconnected to the chat server (1 user online)"},
                       {style::chat, "[bob] one", said_a_second_before, "bob"},
                       {style::chat, "[bob] two", std::nullopt, "bob"}}));
    EXPECT_EQ(c.missed(), 0u);
}

// A broker that restarted has no history of its last run: the gap is reported, and what was held
// shows at once.
TEST(ConversationGapFill, AGapBeingFetchedWhenTheBrokerRestartsIsGivenUp) {
    std::vector<printed> out;
    conversation c = fetching_a_gap(out);
    out.clear();
    c.on_event(proto::heartbeat{epoch + 1, 0, 1000, {}}, out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::error, "! Missed 1 event from the chat server"},
                       {style::chat, "[bob] two", std::nullopt, "bob"},
                       {style::error, "! The chat server restarted; reconnecting..."}}));
    EXPECT_EQ(c.unanswered(), 0u);
}

// A lost conversation joins afresh a broker that restarted (epoch + 1) and enters #lobby, whose
// chat there stands at chat_seq.
void enter_in_a_new_run(conversation& c, std::uint64_t chat_seq, std::vector<printed>& out) {
    c.start_attempt();
    proto::welcome restarted = welcome_for_me();
    restarted.epoch = epoch + 1;
    restarted.session_id = me + 1;
    ASSERT_TRUE(c.welcome(restarted));
    c.on_event(proto::joined{epoch + 1, 1, "lobby", "alice", me + 1, 1, chat_seq}, out);
}

// The same when the restart is only seen on entering again: the new run numbers its rooms anew.
TEST(ConversationGapFill, AGapKeptAcrossALossIsGivenUpWhenTheRoomIsEnteredInANewRun) {
    std::vector<printed> out;
    conversation c = fetching_a_gap(out);
    c.connection_lost(out);
    out.clear();
    enter_in_a_new_run(c, 0, out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::presence, "> Reconnected to the chat server (1 user online)"},
                       {style::error, "! Missed 1 event from the chat server"},
                       {style::chat, "[bob] two", std::nullopt, "bob"}}));
    EXPECT_EQ(c.fetches_due(), 0u);
    EXPECT_EQ(c.unanswered(), 0u);
}

// A LINE of the broker's new run may reach the room before the loss is noticed, so the room
// follows the new numbers already when it is entered again: the kept range is still the old
// run's, and is given up rather than asked of the new broker.
TEST(ConversationGapFill, AGapOfAnEarlierRunIsGivenUpEvenWhenTheRoomHeardTheNewRunFirst) {
    std::vector<printed> out;
    conversation c = fetching_a_gap(out);
    proto::line first_of_new_run = line_in("lobby", 1, "new run");
    first_of_new_run.epoch = epoch + 1;
    c.on_event(first_of_new_run, out);
    c.on_reply(proto::error{proto::error_code::not_joined, 0, "you have not joined the chat"}, out);
    out.clear();
    enter_in_a_new_run(c, 1, out);
    EXPECT_EQ(out, (std::vector<printed>{
                       {style::presence, "> Reconnected to the chat server (1 user online)"},
                       {style::error, "! Missed 1 event from the chat server"},
                       {style::chat, "[bob] two", std::nullopt, "bob"},
                       {style::chat, "[bob] new run", std::nullopt, "bob"}}));
    EXPECT_EQ(c.fetches_due(), 0u);
    EXPECT_EQ(c.unanswered(), 0u);
}

TEST(Conversation, ChatAndPresenceAreTwoSequences) {
    std::vector<printed> out;
    conversation c = joined_conversation(out); // presence at 1, chat at 0
    out.clear();
    c.on_event(proto::joined{epoch, 2, "lobby", "bob", 9, 2, 0}, out);
    c.on_event(proto::joined{epoch, 3, "lobby", "carol", 10, 3, 0}, out);
    c.on_event(line_in("lobby", 1, "first line"), out);
    c.on_event(proto::left{epoch, 4, "lobby", "carol", 10, 2, proto::leave_reason::quit}, out);
    c.on_event(line_in("lobby", 2, "second line"), out);
    EXPECT_EQ(c.missed(), 0u);
    EXPECT_EQ(out.size(), 5u);
    // A gap in the presence is counted there alone.
    c.on_event(proto::joined{epoch, 6, "lobby", "dave", 11, 3, 2}, out);
    c.on_event(line_in("lobby", 3, "third line"), out);
    EXPECT_EQ(c.missed(), 1u);
}

TEST(Conversation, GapsAreFoundPerRoomAndOneRoomsGapDoesNotDisturbAnother) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out); // both at chat 0; presence: lobby 1, ops 1
    c.on_event(line_in("lobby", 1, "a"), out);
    c.on_event(line_in("ops", 1, "b"), out);
    c.on_event(line_in("ops", 4, "c"), out);
    c.on_event(line_in("lobby", 2, "d"), out);
    c.on_event(proto::joined{epoch, 4, "lobby", "carol", 10, 3, 2}, out);
    c.on_event(proto::joined{epoch, 2, "ops", "carol", 10, 2, 4}, out);
    const std::vector<printed> expected{
        {style::chat, "#lobby [bob] a", std::nullopt, "bob"},
        {style::chat, "#ops [bob] b", std::nullopt, "bob"},
        {style::error, "#ops ! Missed 2 events from the chat server"},
        {style::chat, "#ops [bob] c", std::nullopt, "bob"},
        {style::chat, "#lobby [bob] d", std::nullopt, "bob"},
        {style::error, "#lobby ! Missed 2 events from the chat server"},
        {style::presence, "#lobby > New user carol entered (3 users online)"},
        {style::presence, "#ops > New user carol entered (2 users online)"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.missed(), 4u);
    EXPECT_EQ(c.ping().positions, (std::vector<proto::room_position>{{"lobby", 2}, {"ops", 4}}));
}

TEST(Conversation, HeartbeatRevealsEventsLostAtTheTailOfEachStream) {
    std::vector<printed> out;
    conversation c = in_two_rooms(out);
    c.on_event(proto::heartbeat{epoch, 2, 1000, {{"lobby", 0, 1}, {"ops", 0, 1}}}, out);
    EXPECT_TRUE(out.empty());
    c.on_event(proto::heartbeat{epoch, 2, 1000, {{"ops", 1, 1}}}, out);
    c.on_event(proto::heartbeat{epoch, 2, 1000, {{"lobby", 0, 3}}}, out);
    // A room this client is not in is none of its business.
    c.on_event(proto::heartbeat{epoch, 2, 1000, {{"dev", 40, 40}}}, out);
    const std::vector<printed> expected{
        {style::error, "#ops ! Missed 1 event from the chat server"},
        {style::error, "#lobby ! Missed 2 events from the chat server"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.missed(), 3u);
}

TEST(Conversation, NewEpochIsNotAGap) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.on_event(line_in("lobby", 1, "a"), out);
    c.on_event(line_in("lobby", 2, "b"), out);
    c.connection_lost(out);
    c.start_attempt();
    proto::welcome fresh = welcome_for_me();
    fresh.epoch = epoch + 1;
    c.welcome(fresh);
    c.answer(proto::probe{epoch + 1, me}, out);
    c.on_event(proto::joined{epoch + 1, 1, "lobby", "alice", me, 1, 0}, out);
    c.on_event(proto::line{epoch + 1, 1, "lobby", "bob", 9, 1, "again"}, out);
    EXPECT_EQ(c.missed(), 0u);
    EXPECT_EQ(c.ping().positions, (std::vector<proto::room_position>{{"lobby", 1}}));
}

TEST(Conversation, UnansweredCountsLinesListsAndJoinsUntilAnswered) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    const proto::say say = c.compose("lobby", "x");
    EXPECT_EQ(c.ask_roster("lobby"), (proto::who{secret, "lobby"}));
    EXPECT_EQ(c.ask_rooms(), proto::list_rooms{secret});
    c.open_room("ops", out);
    c.join("ops");
    EXPECT_EQ(c.unanswered(), 4u);
    c.on_reply(proto::ack{say.message_id, 1}, out);
    EXPECT_EQ(c.unanswered(), 3u);
    c.on_reply(proto::roster{"lobby", 1, {"alice"}}, out);
    c.on_reply(proto::room_list{{{"lobby", 1}}}, out);
    EXPECT_EQ(c.unanswered(), 1u);
    c.on_reply(proto::room_entered{"ops", 0, 1, 1}, out);
    EXPECT_EQ(c.unanswered(), 0u);
}

TEST(Conversation, FollowsTheSequencesFromHeadersAsFromWholeEvents) {
    std::vector<printed> out;
    conversation c = joined_conversation(out); // presence at 1, chat at 0
    out.clear();
    c.follow(proto::event_header{proto::event_kind::line, epoch, 1, "lobby", "a"}, out);
    c.follow(proto::event_header{proto::event_kind::line, epoch, 5, "lobby", "b"}, out);
    c.follow(proto::event_header{proto::event_kind::joined, epoch, 4, "lobby", ""}, out);
    c.follow(proto::event_header{proto::event_kind::heartbeat, epoch, 0, "", ""}, out);
    c.follow(proto::event_header{proto::event_kind::line, epoch, 9, "dev", "c"}, out);
    const std::vector<printed> expected{
        {style::error, "! Missed 3 events from the chat server"},
        {style::error, "! Missed 2 events from the chat server"},
    };
    EXPECT_EQ(out, expected);
    EXPECT_EQ(c.ping().positions, (std::vector<proto::room_position>{{"lobby", 5}}));
    EXPECT_EQ(c.missed(), 5u);
}

TEST(Conversation, FollowsNoHeaderBeforeItIsInTheRoom) {
    conversation c("lobby");
    std::vector<printed> out;
    c.follow(proto::event_header{proto::event_kind::line, epoch, 12, "lobby", "a"}, out);
    c.welcome(welcome_for_me());
    c.follow(proto::event_header{proto::event_kind::line, epoch, 20, "lobby", "b"}, out);
    c.on_event(own_join("lobby", 1, 1, 20), out);
    out.clear();
    c.follow(proto::event_header{proto::event_kind::line, epoch, 21, "lobby", "c"}, out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(c.missed(), 0u);
    EXPECT_EQ(c.ping().positions, (std::vector<proto::room_position>{{"lobby", 21}}));
}

// ---- Narration ----

// One script, played to a narrating and to a quiet conversation.
struct script_outcome {
    std::optional<proto::ready> ready;
    std::vector<printed> out;
    std::vector<proto::room_position> positions;
    std::uint64_t missed = 0;
    std::size_t unacknowledged = 0;
    std::size_t undelivered = 0;
    link state_after_join = link::joining;
    link final_state = link::joining;
};

script_outcome play(conversation& c) {
    script_outcome r;
    c.welcome(welcome_for_me());
    r.ready = c.answer(proto::probe{epoch, me}, r.out);
    c.on_event(own_join("lobby", 1, 2), r.out);
    r.state_after_join = c.state();
    c.on_event(proto::joined{epoch, 2, "lobby", "bob", 9, 3, 0}, r.out);
    c.on_event(line_in("lobby", 4, "hi"), r.out);
    const proto::say first = c.compose("lobby", "one");
    const proto::say second = c.compose("lobby", "two");
    c.compose("lobby", "three");
    c.on_reply(proto::ack{first.message_id, 5}, r.out);
    c.on_reply(proto::error{proto::error_code::too_long, second.message_id, "long"}, r.out);
    c.ask_roster("lobby");
    c.on_reply(proto::roster{"lobby", 2, {"alice", "bob"}}, r.out);
    c.open_room("ops", r.out);
    c.join("ops");
    c.on_reply(proto::room_entered{"ops", 0, 1, 1}, r.out);
    c.on_event(proto::left{epoch, 3, "lobby", "bob", 9, 1, proto::leave_reason::quit}, r.out);
    r.positions = c.ping().positions;
    r.missed = c.missed();
    r.unacknowledged = c.unacknowledged();
    c.on_event(proto::shutdown{epoch}, r.out);
    r.undelivered = c.undelivered();
    r.final_state = c.state();
    return r;
}

TEST(Conversation, AQuietOneDecidesAsANarratingOneAndPrintsNothing) {
    conversation narrating("lobby");
    conversation quiet("lobby", narration::off);
    const script_outcome told = play(narrating);
    const script_outcome silent = play(quiet);
    EXPECT_EQ(told.out.size(), 11u);
    EXPECT_TRUE(silent.out.empty());
    EXPECT_EQ(silent.ready, told.ready);
    EXPECT_EQ(silent.state_after_join, link::joined);
    EXPECT_EQ(silent.state_after_join, told.state_after_join);
    const std::vector<proto::room_position> positions{{"lobby", 4}, {"ops", 0}};
    EXPECT_EQ(silent.positions, positions);
    EXPECT_EQ(silent.positions, told.positions);
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
    conversation c("lobby");
    c.sent(t0);
    EXPECT_EQ(c.ping_due_at(), std::nullopt);
    EXPECT_FALSE(c.ping_due(t0 + std::chrono::hours(1)));
}

TEST(ConversationHeartbeat, APingIsDueOneIntervalAfterTheLastCommandSent) {
    conversation c("lobby");
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

TEST(ConversationHeartbeat, APingCarriesTheSecretAndTheLastChatSeqSeen) {
    std::vector<printed> out;
    conversation c = joined_conversation(out);
    c.on_event(line_in("lobby", 1, "hi"), out);
    c.on_event(line_in("lobby", 2, "there"), out);
    c.on_event(proto::joined{epoch, 2, "lobby", "carol", 10, 3, 2}, out);
    EXPECT_EQ(c.ping(), (proto::ping{secret, {{"lobby", 2}}}));
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
    conversation c("lobby");
    c.welcome(welcome_for_me());
    EXPECT_EQ(c.heartbeat_interval(), milliseconds(1000));
    EXPECT_EQ(c.silence_limit(), milliseconds(3000));
}

TEST(ConversationHeartbeat, ABrokerAnnouncingNoIntervalGetsTheDefaultOne) {
    proto::welcome w = welcome_for_me();
    w.heartbeat_ms = 0;
    w.liveness = 0;
    conversation c("lobby");
    c.welcome(w);
    c.sent(t0);
    EXPECT_EQ(c.heartbeat_interval(), proto::default_heartbeat_interval);
    EXPECT_EQ(c.silence_limit(), proto::default_heartbeat_interval);
    EXPECT_EQ(c.ping_due_at(), t0 + proto::default_heartbeat_interval);
}

} // namespace
} // namespace zchat::client
