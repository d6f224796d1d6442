// The codec: every message survives a round trip, and every malformed command is refused with
// the error code PROTOCOL.md documents, in the documented order of checks.
#include "proto/codec.hpp"

#include "tests/proto/support.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <limits>
#include <string>
#include <vector>

namespace zchat::proto {
namespace {

using test::be;
using test::body;
using test::bytes;
using test::decode_command_frames;
using test::decode_event_frames;
using test::decode_reply_frames;
using test::error_of;
using test::header;
using test::header_of;
using test::secret;

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t u32_max = std::numeric_limits<std::uint32_t>::max();

// A room name at its cap of 32 bytes, and one a byte over it.
const std::string longest_room(max_room_bytes, 'r');
const std::string room_over_cap(max_room_bytes + 1, 'r');

std::vector<command> sample_commands() {
    return {
        hello{"alice", "lobby", std::nullopt},
        hello{"Zo\xc3\xab", "ops", resume_ticket{7, secret}},
        hello{"bob", longest_room, std::nullopt},
        ready{secret},
        say{secret, "lobby", 1, "Hello, world"},
        say{secret, "ops", 2, "score:\t42"},
        say{secret, longest_room, u64_max, std::string(max_text_bytes, 'x')},
        who{secret, "lobby"},
        who{secret, "a"},
        bye{secret},
        ping{secret, {}},
        ping{secret, {{"lobby", 44}}},
        ping{secret, {{"dev", 0}, {"lobby", 44}, {longest_room, u64_max}}},
        join{secret, "ops"},
        join{secret, longest_room},
        part{secret, "ops"},
        list_rooms{secret},
        private_say{secret, "bob", 3, "just between us"},
        private_say{secret, std::string(max_name_bytes, 'n'), u64_max,
                    std::string(max_text_bytes, 'x')},
        say{secret, "ops", 3, "waves", line_kind::action},
        fetch{secret, "lobby", 1, 20},
        fetch{secret, longest_room, u64_max, u64_max},
    };
}

std::vector<reply> sample_replies() {
    return {
        welcome{"alice", 7, secret, test::epoch, "lobby", 2, 1000, 3, 32, 4096, 20, 40, 32},
        welcome{"Zo\xc3\xab", u64_max, secret, u64_max, longest_room, u32_max, u32_max, u32_max,
                u32_max, u32_max, u32_max, u32_max, u32_max},
        error{error_code::name_taken, 0, "the name 'alice' is already in use"},
        error{error_code::empty_text, 5, ""},
        error{error_code::too_many_rooms, 0, "you are in 32 rooms already"},
        ack{1, 43},
        ack{u64_max, u64_max, u32_max},
        roster{"ops", 0, {}},
        roster{"lobby", 5, {"alice", "Bob", "Zo\xc3\xab"}},
        room_entered{"lobby", 41, 5, 3},
        room_entered{longest_room, u64_max, u64_max, u32_max},
        room_list{},
        room_list{{{"lobby", 3}, {"ops", 1}, {longest_room, u32_max}}},
        private_line{"alice", 7, 3, "just between us"},
        private_line{"Zo\xc3\xab", u64_max, u64_max, ""},
        history{"lobby", 1, 20, 0, {}},
        history{"ops",
                40,
                u64_max,
                1,
                {{41, 1500, "alice", 7, 3, line_kind::text, "earlier"},
                 {42, u32_max, std::string(max_name_bytes, 'n'), u64_max, u64_max,
                  line_kind::action, std::string(max_text_bytes, 'x')}}},
    };
}

std::vector<event> sample_events() {
    return {
        line{test::epoch, 43, "lobby", "alice", 7, 1, "Hello, world"},
        line{test::epoch, 1, "ops", "Zo\xc3\xab", 9, 2, "tab\there"},
        line{test::epoch, 2, "ops", "alice", 7, 3, "waves", line_kind::action},
        joined{test::epoch, 5, "lobby", "alice", 7, 3, 42},
        joined{u64_max, u64_max, longest_room, "bob", u64_max, u32_max, u64_max},
        left{test::epoch, 6, "lobby", "alice", 7, 2, leave_reason::quit},
        left{test::epoch, 7, "lobby", "Bob", 10, 1, leave_reason::timed_out},
        left{test::epoch, 8, "lobby", "Zo\xc3\xab", 9, 0, leave_reason::server_shutdown},
        left{test::epoch, 2, "ops", "alice", 7, 0, leave_reason::parted},
        heartbeat{test::epoch, 3, 1000, {}},
        heartbeat{test::epoch, 3, 1000, {{"lobby", 45, 5}, {"ops", 0, 1}}},
        heartbeat{u64_max, u32_max, u32_max, {{longest_room, u64_max, u64_max}}},
        probe{test::epoch, 7},
        probe{u64_max, u64_max},
        shutdown{test::epoch},
        shutdown{u64_max},
        stats{test::epoch, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, {{error_code::too_long, 12}}},
        stats{test::epoch,
              1,
              2,
              3,
              4,
              5,
              6,
              7,
              8,
              9,
              10,
              11,
              {{error_code::malformed, 1},
               {error_code::room_invalid, 2},
               {error_code::not_in_room, 3},
               {error_code::too_many_rooms, u64_max}}},
        stats{u64_max,
              u64_max,
              u32_max,
              u32_max,
              u32_max,
              u64_max,
              u64_max,
              u64_max,
              u64_max,
              u64_max,
              u64_max,
              u32_max,
              {}},
    };
}

// ---- Round trips ----

TEST(CodecRoundTrip, EveryCommandDecodesToWhatWasEncoded) {
    for (const command& c : sample_commands()) {
        SCOPED_TRACE(c.index());
        EXPECT_EQ(decode_command_frames(encode(c)), decoded<command>{c});
    }
}

TEST(CodecRoundTrip, EveryReplyDecodesToWhatWasEncoded) {
    for (const reply& r : sample_replies()) {
        SCOPED_TRACE(r.index());
        EXPECT_EQ(decode_reply_frames(encode(r)), decoded<reply>{r});
    }
}

TEST(CodecRoundTrip, EveryEventDecodesToWhatWasEncoded) {
    for (const event& e : sample_events()) {
        SCOPED_TRACE(e.index());
        EXPECT_EQ(decode_event_frames(encode(e)), decoded<event>{e});
    }
}

TEST(CodecEncoding, ACommandIsOneFrameTheHeaderTheWordThenItsFields) {
    EXPECT_EQ(encode(command{say{secret, "ops", 258, "hi"}}),
              (frame_list{std::string("ZCHAT\x02\x03SAY", 10) + bytes(secret) +
                          std::string("\0\0\0\x03ops", 7) + std::string("\0\0\0\0\0\0\x01\x02", 8) +
                          std::string("\0", 1) + std::string("\0\0\0\x02hi", 6)}));
    EXPECT_EQ(encode(command{hello{"bob", "lobby", std::nullopt}}),
              (frame_list{body("HELLO").text("bob").text("lobby").u8(0)}));
    EXPECT_EQ(encode(command{hello{"bob", "ops", resume_ticket{1, secret}}}),
              (frame_list{body("HELLO").text("bob").text("ops").u8(24).u64(1).secret(secret)}));
    EXPECT_EQ(encode(command{ready{secret}}), (frame_list{body("READY").secret(secret)}));
    EXPECT_EQ(encode(command{who{secret, "ops"}}),
              (frame_list{body("WHO").secret(secret).text("ops")}));
}

TEST(CodecEncoding, JoinPartAndRoomsCarryTheSecretThenTheRoom) {
    EXPECT_EQ(encode(command{join{secret, "ops"}}),
              (frame_list{body("JOIN").secret(secret).text("ops")}));
    EXPECT_EQ(encode(command{part{secret, "dev-2"}}),
              (frame_list{body("PART").secret(secret).text("dev-2")}));
    EXPECT_EQ(encode(command{list_rooms{secret}}), (frame_list{body("ROOMS").secret(secret)}));
}

TEST(CodecEncoding, APingCountsItsPositionsThenListsRoomAndSeqOfEach) {
    EXPECT_EQ(encode(command{ping{secret, {}}}), (frame_list{body("PING").secret(secret).u32(0)}));
    EXPECT_EQ(encode(command{ping{secret, {{"lobby", 2}}}}),
              (frame_list{body("PING").secret(secret).u32(1).text("lobby").u64(2)}));
    EXPECT_EQ(encode(command{ping{secret, {{"lobby", 2}, {"ops", 0}, {"a", u64_max}}}}),
              (frame_list{body("PING")
                              .secret(secret)
                              .u32(3)
                              .text("lobby")
                              .u64(2)
                              .text("ops")
                              .u64(0)
                              .text("a")
                              .u64(u64_max)}));
}

TEST(CodecEncoding, AnEventIsItsTopicThenOneBodyWithItsEpochFirst) {
    EXPECT_EQ(encode(event{shutdown{1}}), (frame_list{"sys/shutdown/", body("SHUTDOWN").u64(1)}));
    EXPECT_EQ(encode(event{probe{1, 7}}), (frame_list{"probe/7/", body("PROBE").u64(1).u64(7)}));
}

TEST(CodecEncoding, ARoomsEventHasItsSeqAndRoomAfterTheEpoch) {
    EXPECT_EQ(
        encode(event{left{1, 2, "ops", "bob", 3, 4, leave_reason::parted}}),
        (frame_list{"presence/ops/",
                    body("LEAVE").u64(1).u64(2).text("ops").text("bob").u64(3).u32(4).u8(8)}));
    EXPECT_EQ(
        encode(event{joined{1, 2, "ops", "bob", 3, 4, 5}}),
        (frame_list{"presence/ops/",
                    body("JOIN").u64(1).u64(2).text("ops").text("bob").u64(3).u32(4).u64(5)}));
    EXPECT_EQ(
        encode(event{line{1, 2, "ops", "bob", 3, 4, "hi"}}),
        (frame_list{
            "chat/ops/",
            body("LINE").u64(1).u64(2).text("ops").text("bob").u64(3).u64(4).u8(0).text("hi")}));
}

TEST(CodecEncoding, ALineIsTwoFrames) {
    EXPECT_EQ(encode(event{line{1, 2, "lobby", "alice", 7, 3, "hi"}}).size(), 2u);
}

TEST(CodecEncoding, ListsAndRecordsAreCountedFirst) {
    EXPECT_EQ(encode(reply{roster{"ops", 5, {"al", "b"}}}),
              (frame_list{body("ROSTER").text("ops").u64(5).u32(2).text("al").text("b")}));
    EXPECT_EQ(
        encode(event{stats{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, {{error_code::too_long, 13}}}}),
        (frame_list{"sys/stats/", body("STATS")
                                      .u64(1)
                                      .u64(2)
                                      .u32(3)
                                      .u32(4)
                                      .u32(5)
                                      .u64(6)
                                      .u64(7)
                                      .u64(8)
                                      .u64(9)
                                      .u64(10)
                                      .u64(11)
                                      .u32(12)
                                      .u32(1)
                                      .u16(5)
                                      .u64(13)}));
}

TEST(CodecEncoding, HeartbeatHeadsAreRoomChatSeqAndRosterVersion) {
    EXPECT_EQ(encode(event{heartbeat{1, 3, 1000, {}}}),
              (frame_list{"sys/heartbeat/", body("HEARTBEAT").u64(1).u32(3).u32(1000).u32(0)}));
    EXPECT_EQ(encode(event{heartbeat{1, 3, 1000, {{"lobby", 45, 5}, {"ops", 0, 1}}}}),
              (frame_list{"sys/heartbeat/", body("HEARTBEAT")
                                                .u64(1)
                                                .u32(3)
                                                .u32(1000)
                                                .u32(2)
                                                .text("lobby")
                                                .u64(45)
                                                .u64(5)
                                                .text("ops")
                                                .u64(0)
                                                .u64(1)}));
}

TEST(CodecEncoding, StatsRejectionsAreACodeAndACountEach) {
    const std::vector<rejection> rejected{
        {error_code::malformed, 1}, {error_code::room_invalid, 2}, {error_code::too_many_rooms, 3}};
    const std::string tail = be<std::uint32_t>(3) + be<std::uint16_t>(1) + be<std::uint64_t>(1) +
                             be<std::uint16_t>(18) + be<std::uint64_t>(2) + be<std::uint16_t>(20) +
                             be<std::uint64_t>(3);
    const frame_list f = encode(event{stats{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, rejected}});
    EXPECT_TRUE(f.at(1).ends_with(tail));
    EXPECT_EQ(decode_event_frames(f),
              (decoded<event>{stats{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, rejected}}));
}

TEST(CodecEncoding, RoomEnteredIsTheRoomItsTwoSequencesAndTheMembers) {
    EXPECT_EQ(encode(reply{room_entered{"ops", 41, 5, 3}}),
              (frame_list{body("ROOM").text("ops").u64(41).u64(5).u32(3)}));
}

TEST(CodecEncoding, ARoomListCountsItsRoomsThenNamesEachWithItsMembers) {
    EXPECT_EQ(encode(reply{room_list{}}), (frame_list{body("ROOMS").u32(0)}));
    EXPECT_EQ(encode(reply{room_list{{{"lobby", 3}, {"ops", 1}}}}),
              (frame_list{body("ROOMS").u32(2).text("lobby").u32(3).text("ops").u32(1)}));
}

TEST(CodecEncoding, ROOMSIsACommandWordAndAReplyWordWithTheirOwnFields) {
    // A client's ROOMS and the broker's answer share their word: which one a body is depends
    // only on who decodes it.
    EXPECT_EQ(decode_command_frames({body("ROOMS").secret(secret)}),
              (decoded<command>{list_rooms{secret}}));
    EXPECT_EQ(decode_reply_frames({body("ROOMS").u32(1).text("ops").u32(2)}),
              (decoded<reply>{room_list{{{"ops", 2}}}}));
    EXPECT_EQ(error_of(decode_reply_frames({body("ROOMS").secret(secret)})), error_code::malformed);
}

TEST(CodecEncoding, WelcomeNamesTheRoomAndTheMostRoomsASessionMayBeIn) {
    EXPECT_EQ(encode(reply{welcome{"al", 7, secret, 9, "ops", 2, 1000, 3, 32, 4096, 20, 40, 32}}),
              (frame_list{body("WELCOME")
                              .text("al")
                              .u64(7)
                              .secret(secret)
                              .u64(9)
                              .text("ops")
                              .u32(2)
                              .u32(1000)
                              .u32(3)
                              .u32(32)
                              .u32(4096)
                              .u32(20)
                              .u32(40)
                              .u32(32)}));
}

TEST(CodecEncoding, ASayTakesItsTextPlusTheDocumentedOverhead) {
    EXPECT_EQ(encode(command{say{secret, longest_room, 1, ""}}).front().size(), say_overhead_bytes);
    EXPECT_EQ(encode(command{say{secret, longest_room, 1, "hi"}}).front().size(),
              say_overhead_bytes + 2);
    EXPECT_LT(encode(command{say{secret, "lobby", 1, "hi"}}).front().size(),
              say_overhead_bytes + 2);
}

TEST(CodecEncoding, AMsgTakesItsTextPlusTheDocumentedOverheadTheMostOfAnyTextCommand) {
    const std::string longest_name(max_name_bytes, 'n');
    EXPECT_EQ(encode(command{private_say{secret, longest_name, 1, ""}}).front().size(),
              msg_overhead_bytes);
    EXPECT_EQ(encode(command{private_say{secret, longest_name, 1, "hi"}}).front().size(),
              msg_overhead_bytes + 2);
    EXPECT_EQ(text_command_overhead_bytes, std::max(say_overhead_bytes, msg_overhead_bytes));
    EXPECT_EQ(text_command_overhead_bytes, 298u); // PROTOCOL.md section 14
}

// The word MSG is a command's; PRIVATE a reply's: each is refused in the other direction.
TEST(CodecDecoding, MsgIsACommandAndPrivateAReply) {
    const frame_list msg = encode(command{private_say{secret, "bob", 3, "hi"}});
    const frame_list priv = encode(reply{private_line{"alice", 7, 3, "hi"}});
    EXPECT_EQ(error_of(decode_reply(views(msg))), error_code::unknown_command);
    EXPECT_EQ(error_of(decode_command(views(priv))), error_code::unknown_command);
    EXPECT_EQ(std::get<command>(decode_command(views(msg))),
              (command{private_say{secret, "bob", 3, "hi"}}));
}

TEST(CodecEncoding, TheLongestHelloIsANameAtItsCapTheLongestRoomAndATicket) {
    const hello longest{std::string(max_name_bytes, 'a'), longest_room, resume_ticket{1, secret}};
    EXPECT_EQ(encode(command{longest}).front().size(), longest_hello_bytes);
}

TEST(CodecEncoding, TheLongestPingHasAPositionInTheLongestRoomForEachRoomASessionMayBeIn) {
    ping longest{secret, {}};
    for (std::uint32_t i = 0; i < max_rooms_per_session; ++i)
        longest.positions.push_back(
            {std::string(max_room_bytes, static_cast<char>('a' + i % 26)), u64_max});
    EXPECT_EQ(encode(command{longest}).front().size(), longest_ping_bytes);
    EXPECT_GE(longest_other_command_bytes, longest_ping_bytes);
    EXPECT_GE(longest_other_command_bytes, longest_hello_bytes);
}

TEST(CodecEncoding, AnErrorCodeIsTwoBytesBigEndian) {
    const frame_list f = encode(reply{error{error_code::server_full, 9, "full"}});
    EXPECT_EQ(f, (frame_list{body("ERROR").bytes(std::string("\x00\x0c", 2)).u64(9).text("full")}));
    EXPECT_EQ(encode(reply{error{error_code::not_in_room, 0, ""}}),
              (frame_list{body("ERROR").u16(19).u64(0).text("")}));
}

TEST(CodecEncoding, AnAckCarriesHowManySaysItConfirms) {
    EXPECT_EQ(encode(reply{ack{9, 57, 3}}), (frame_list{body("ACK").u64(9).u64(57).u32(3)}));
}

// ---- Batches ----

TEST(Batch, OfOneIsThePlainForm) {
    const event e = line{1, 2, "lobby", "alice", 7, 3, "hi"};
    EXPECT_EQ(encode_batch(std::span{&e, 1}), encode(e));
}

TEST(Batch, HoldsItsEventsBackToBackUnderTheFirstOnesTopicAndDecodesInOrder) {
    const std::vector<event> events{line{1, 2, "ops", "alice", 7, 3, "one"},
                                    line{1, 3, "ops", "bob", 8, 1, "two"},
                                    line{1, 4, "ops", "alice", 7, 4, "three"}};
    const frame_list f = encode_batch(events);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0], "chat/ops/");
    EXPECT_EQ(f[1], header() + encode(events[0])[1].substr(6) + encode(events[1])[1].substr(6) +
                        encode(events[2])[1].substr(6));
    EXPECT_EQ(decode_events(views(f)), decoded<std::vector<event>>{events});
}

TEST(Batch, MayMixTheJoinsAndLeavesOfOnePresenceTopic) {
    const std::vector<event> events{joined{1, 3, "ops", "bob", 8, 2, 1},
                                    left{1, 4, "ops", "bob", 8, 1, leave_reason::parted}};
    const frame_list f = encode_batch(events);
    EXPECT_EQ(f[0], "presence/ops/");
    EXPECT_EQ(decode_events(views(f)), decoded<std::vector<event>>{events});
}

TEST(Batch, IsOneEventTooManyForDecodeEvent) {
    const std::vector<event> events{shutdown{1}, shutdown{1}};
    EXPECT_EQ(error_of(decode_event_frames(encode_batch(events))), error_code::malformed);
}

TEST(Batch, IsRefusedWholeWhenAnyOfItsEventsIsMalformed) {
    const frame_list good = encode(event{shutdown{1}});
    EXPECT_EQ(error_of(decode_events(views(frame_list{good[0], good[1] + good[1].substr(6, 9)}))),
              error_code::malformed);
    EXPECT_EQ(error_of(decode_events(
                  views(frame_list{good[0], good[1] + std::string(body("NOPE")).substr(6)}))),
              error_code::unknown_command);
}

// ---- Topics ----

TEST(Topics, EachEventIsPublishedUnderItsDocumentedTopic) {
    EXPECT_EQ(topic_of(line{0, 0, "lobby", "", 0, 0, ""}), "chat/lobby/");
    EXPECT_EQ(topic_of(line{0, 0, "ops", "", 0, 0, ""}), "chat/ops/");
    EXPECT_EQ(topic_of(joined{0, 0, "lobby", "", 0, 0, 0}), "presence/lobby/");
    EXPECT_EQ(topic_of(left{0, 0, "dev-2", "", 0, 0, leave_reason::parted}), "presence/dev-2/");
    EXPECT_EQ(topic_of(heartbeat{}), "sys/heartbeat/");
    EXPECT_EQ(topic_of(shutdown{}), "sys/shutdown/");
    EXPECT_EQ(topic_of(stats{}), "sys/stats/");
    EXPECT_EQ(topic_of(probe{0, 7}), "probe/7/");
    EXPECT_EQ(probe_topic(18446744073709551615u), "probe/18446744073709551615/");
}

TEST(Topics, ARoomsTopicsAreItsChatAndItsPresence) {
    EXPECT_EQ(chat_topic("lobby"), "chat/lobby/");
    EXPECT_EQ(presence_topic("lobby"), "presence/lobby/");
    EXPECT_EQ(chat_topic(longest_room), "chat/" + longest_room + "/");
    EXPECT_EQ(topic_of(line{0, 0, "ops", "", 0, 0, ""}), chat_topic("ops"));
    EXPECT_EQ(topic_of(joined{0, 0, "ops", "", 0, 0, 0}), presence_topic("ops"));
}

TEST(Topics, OneRoomsTopicIsNotAPrefixOfAnothers) {
    // SUB matching is by prefix: without the closing slash, chat/ops would select chat/ops2 too.
    EXPECT_FALSE(chat_topic("ops2").starts_with(chat_topic("ops")));
    EXPECT_FALSE(presence_topic("ops2").starts_with(presence_topic("ops")));
    EXPECT_FALSE(chat_topic("ops").starts_with(chat_topic("ops2")));
}

TEST(Topics, EveryTopicStartsWithItsSubscriptionPrefixAndEndsWithASlash) {
    for (const event& e : sample_events()) {
        const std::string t = topic_of(e);
        ASSERT_FALSE(t.empty());
        EXPECT_EQ(t.back(), '/') << t;
    }
    EXPECT_TRUE(topic_of(line{}).starts_with(topic::chat));
    EXPECT_TRUE(topic_of(joined{}).starts_with(topic::presence));
    EXPECT_TRUE(topic_of(left{}).starts_with(topic::presence));
    EXPECT_TRUE(topic_of(heartbeat{}).starts_with(topic::system));
    EXPECT_TRUE(topic_of(shutdown{}).starts_with(topic::system));
    EXPECT_TRUE(topic_of(probe{}).starts_with(topic::probe));
}

TEST(Topics, OneSessionsProbeTopicIsNotAPrefixOfAnothers) {
    EXPECT_FALSE(probe_topic(123).starts_with(probe_topic(12)));
    EXPECT_FALSE(probe_topic(12).starts_with(probe_topic(1)));
}

// ---- Malformed commands ----

struct bad_command {
    const char* what;
    frame_list frames;
    error_code code;
};

TEST(DecodeCommand, RefusesMalformedMessagesWithTheDocumentedCode) {
    const std::string who = body("WHO").secret(secret).text("lobby");
    const std::vector<bad_command> cases{
        {"no frames", {}, error_code::malformed},
        {"one empty frame", {""}, error_code::malformed},
        {"only the header", {header()}, error_code::malformed},
        {"an empty delimiter before the body", {"", who}, error_code::malformed},
        {"two frames", {who, ""}, error_code::malformed},
        {"a thousand frames", frame_list(1000, who), error_code::malformed},
        {"a thousand frames with a wrong signature", frame_list(1000, "nope"),
         error_code::bad_signature},
        {"signature without its version byte", {"ZCHAT"}, error_code::bad_signature},
        {"lower-case signature",
         {body("WHO", "zchat\x02").secret(secret).text("lobby")},
         error_code::bad_signature},
        {"an HTTP request", {"GET / HTTP/1.1"}, error_code::bad_signature},
        {"version 0",
         {body("WHO", std::string("ZCHAT\0", 6)).secret(secret).text("lobby")},
         error_code::unsupported_version},
        {"version 1 framing", {"ZCHAT\x01", "WHO", bytes(secret)}, error_code::unsupported_version},
        {"version 3",
         {body("WHO", "ZCHAT\x03").secret(secret).text("lobby")},
         error_code::unsupported_version},
        {"version 255",
         {body("WHO", "ZCHAT\xff").secret(secret).text("lobby")},
         error_code::unsupported_version},
        {"version 3 with only the header", {"ZCHAT\x03"}, error_code::unsupported_version},
        {"version 3 in two frames", {"ZCHAT\x03", "SHOUT"}, error_code::unsupported_version},
        {"an empty command word", {body("").secret(secret)}, error_code::unknown_command},
        {"a lower-case command word",
         {body("who").secret(secret).text("lobby")},
         error_code::unknown_command},
        {"a command word with a trailing space",
         {body("WHO ").secret(secret).text("lobby")},
         error_code::unknown_command},
        {"a reply word sent as a command",
         {body("ACK").u64(1).u64(1).u32(1)},
         error_code::unknown_command},
        {"the ROOM reply sent as a command",
         {body("ROOM").text("lobby").u64(1).u64(1).u32(1)},
         error_code::unknown_command},
        {"an event word sent as a command", {body("LINE")}, error_code::unknown_command},
        {"a word length past the end", {header() + "\x05WHO"}, error_code::malformed},
        {"a missing secret", {body("WHO")}, error_code::malformed},
        {"a 15-byte secret", {body("WHO").bytes(bytes(secret).substr(1))}, error_code::malformed},
        {"a 17-byte secret", {body("BYE").secret(secret).bytes("x")}, error_code::malformed},
        {"READY with the probe seq it no longer has",
         {body("READY").secret(secret).u64(41)},
         error_code::malformed},
        {"a resume of length 23",
         {body("HELLO").text("bob").text("lobby").u8(23).u64(1).bytes(bytes(secret).substr(1))},
         error_code::malformed},
        {"a resume of length 25",
         {body("HELLO").text("bob").text("lobby").u8(25).u64(1).secret(secret).bytes("x")},
         error_code::malformed},
        {"a resume of length 24 with 8 bytes",
         {body("HELLO").text("bob").text("lobby").u8(24).u64(1)},
         error_code::malformed},
        {"a HELLO without its room", {body("HELLO").text("bob").u8(0)}, error_code::malformed},
        {"a 257-byte name",
         {body("HELLO").text(std::string(257, 'a')).text("lobby").u8(0)},
         error_code::too_long},
        {"a 65537-byte text",
         {body("SAY").secret(secret).text("lobby").u64(1).u8(0).text(std::string(65537, 'a'))},
         error_code::too_long},
        {"a text length of 2^32 - 1 with 2 bytes",
         {body("SAY").secret(secret).text("lobby").u64(1).u8(0).u32(u32_max).bytes("hi")},
         error_code::too_long},
        {"a text length past the end",
         {body("SAY").secret(secret).text("lobby").u64(1).u8(0).u32(3).bytes("hi")},
         error_code::malformed},
        {"a SAY without its room",
         {body("SAY").secret(secret).u64(1).text("hi")},
         error_code::malformed},
        {"a byte after the last field",
         {body("WHO").secret(secret).text("lobby").u8(0)},
         error_code::malformed},
        {"a forged sender after a SAY's text",
         {body("SAY").secret(secret).text("lobby").u64(1).u8(0).text("hi").text("[bob] hi")},
         error_code::malformed},
        {"a JOIN without its room", {body("JOIN").secret(secret)}, error_code::malformed},
        {"a PART whose room is cut short",
         {body("PART").secret(secret).u32(3).bytes("op")},
         error_code::malformed},
        {"a ROOMS with a room", {body("ROOMS").secret(secret).text("ops")}, error_code::malformed},
        {"a PING without its count", {body("PING").secret(secret)}, error_code::malformed},
        {"a PING with its old last seq",
         {body("PING").secret(secret).u64(44)},
         error_code::malformed},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_command_frames(c.frames)), c.code);
    }
}

TEST(DecodeCommand, RefusesARoomOver32BytesInEveryCommandThatNamesOne) {
    const std::vector<bad_command> cases{
        {"HELLO", {body("HELLO").text("bob").text(room_over_cap).u8(0)}, error_code::too_long},
        {"SAY",
         {body("SAY").secret(secret).text(room_over_cap).u64(1).u8(0).text("hi")},
         error_code::too_long},
        {"WHO", {body("WHO").secret(secret).text(room_over_cap)}, error_code::too_long},
        {"JOIN", {body("JOIN").secret(secret).text(room_over_cap)}, error_code::too_long},
        {"PART", {body("PART").secret(secret).text(room_over_cap)}, error_code::too_long},
        {"a PING position",
         {body("PING").secret(secret).u32(2).text("lobby").u64(1).text(room_over_cap).u64(1)},
         error_code::too_long},
        // Refused on the length alone, before the bytes it announces are looked for.
        {"a JOIN whose room length says 2^32 - 1",
         {body("JOIN").secret(secret).u32(u32_max).bytes("ops")},
         error_code::too_long},
        {"a JOIN whose room length says 33 with 3 bytes",
         {body("JOIN").secret(secret).u32(33).bytes("ops")},
         error_code::too_long},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_command_frames(c.frames)), c.code);
    }
}

TEST(DecodeCommand, AcceptsARoomOf32BytesInEveryCommandThatNamesOne) {
    EXPECT_EQ(decode_command_frames({body("HELLO").text("bob").text(longest_room).u8(0)}),
              (decoded<command>{hello{"bob", longest_room, std::nullopt}}));
    EXPECT_EQ(decode_command_frames(
                  {body("SAY").secret(secret).text(longest_room).u64(1).u8(0).text("hi")}),
              (decoded<command>{say{secret, longest_room, 1, "hi"}}));
    EXPECT_EQ(decode_command_frames({body("WHO").secret(secret).text(longest_room)}),
              (decoded<command>{who{secret, longest_room}}));
    EXPECT_EQ(decode_command_frames({body("JOIN").secret(secret).text(longest_room)}),
              (decoded<command>{join{secret, longest_room}}));
    EXPECT_EQ(decode_command_frames({body("PART").secret(secret).text(longest_room)}),
              (decoded<command>{part{secret, longest_room}}));
    EXPECT_EQ(decode_command_frames({body("PING").secret(secret).u32(1).text(longest_room).u64(9)}),
              (decoded<command>{ping{secret, {{longest_room, 9}}}}));
}

TEST(DecodeCommand, LeavesWhetherARoomIsARoomNameToValidation) {
    // The codec checks a room's length only: an empty room, upper case, a '#' or a '/' decode,
    // and check_room (validate.hpp) refuses them with E_ROOM_INVALID.
    EXPECT_EQ(decode_command_frames({body("JOIN").secret(secret).text("")}),
              (decoded<command>{join{secret, ""}}));
    EXPECT_EQ(decode_command_frames({body("HELLO").text("bob").text("").u8(0)}),
              (decoded<command>{hello{"bob", "", std::nullopt}}));
    EXPECT_EQ(decode_command_frames({body("WHO").secret(secret).text("#Ops")}),
              (decoded<command>{who{secret, "#Ops"}}));
    EXPECT_EQ(decode_command_frames({body("PART").secret(secret).text("a/b")}),
              (decoded<command>{part{secret, "a/b"}}));
    EXPECT_EQ(
        decode_command_frames({body("SAY").secret(secret).text("\xff").u64(1).u8(0).text("hi")}),
        (decoded<command>{say{secret, "\xff", 1, "hi"}}));
}

TEST(DecodeCommand, RefusesAPingWhosePositionCountLies) {
    const std::vector<bad_command> cases{
        {"counting 2, holding 1",
         {body("PING").secret(secret).u32(2).text("lobby").u64(44)},
         error_code::malformed},
        {"counting 1, holding none", {body("PING").secret(secret).u32(1)}, error_code::malformed},
        {"counting 2^32 - 1", {body("PING").secret(secret).u32(u32_max)}, error_code::malformed},
        {"counting 2^32 - 1 with a position",
         {body("PING").secret(secret).u32(u32_max).text("lobby").u64(44)},
         error_code::malformed},
        {"counting 0, holding 1",
         {body("PING").secret(secret).u32(0).text("lobby").u64(44)},
         error_code::malformed},
        {"a position cut inside its seq",
         {body("PING").secret(secret).u32(1).text("lobby").u32(44)},
         error_code::malformed},
        {"a position whose room length takes its seq's bytes",
         {body("PING").secret(secret).u32(1).u32(9).bytes("lobby").u64(0)},
         error_code::malformed},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_command_frames(c.frames)), c.code);
    }
}

TEST(DecodeCommand, RefusesACountThatCannotFitBeforeReadingAnyRecord) {
    // Twelve bytes is the least a position takes (an empty room and a seq): a count the rest of
    // the body cannot hold is refused as such, not as a cut-short record.
    const auto d = decode_command_frames({body("PING").secret(secret).u32(2).text("").u64(1)});
    EXPECT_EQ(error_of(d), error_code::malformed);
    EXPECT_EQ(test::reason_of(d), "positions: 2 do not fit the message");
    EXPECT_EQ(
        decode_command_frames({body("PING").secret(secret).u32(2).text("").u64(1).text("").u64(2)}),
        (decoded<command>{ping{secret, {{"", 1}, {"", 2}}}}));
}

TEST(DecodeCommand, RefusesEveryCommandCutShortAtAnyByte) {
    for (const command& c : sample_commands()) {
        const std::string whole = encode(c).front();
        SCOPED_TRACE(whole.substr(7, static_cast<std::uint8_t>(whole[6])));
        for (std::size_t size = 7;
             size<whole.size(); size += whole.size()> 1000 ? std::size_t{997} : std::size_t{1}) {
            EXPECT_EQ(error_of(decode_command_frames({whole.substr(0, size)})),
                      error_code::malformed)
                << size;
        }
    }
}

TEST(DecodeCommand, RefusesEveryCommandWithOneByteMore) {
    for (const command& c : sample_commands()) {
        const std::string whole = encode(c).front();
        EXPECT_EQ(error_of(decode_command_frames({whole + "x"})), error_code::malformed);
    }
}

TEST(DecodeCommand, NamesTheSupportedVersionWhenRefusingAnother) {
    const auto d =
        decode_command_frames({body("HELLO", "ZCHAT\x03").text("bob").text("lobby").u8(0)});
    EXPECT_EQ(error_of(d), error_code::unsupported_version);
    EXPECT_EQ(test::reason_of(d), "protocol version 3 is not supported; supported versions: 2");
}

TEST(DecodeCommand, ChecksTheVersionBeforeTheFrameCount) {
    // A version 1 client sends a frame per field: it must learn that its version is the problem.
    EXPECT_TRUE(is_v1_message(views(frame_list{"ZCHAT\x01", "HELLO", "bob", ""})));
    EXPECT_FALSE(is_v1_message(views(encode(command{hello{"bob", "lobby", std::nullopt}}))));
    EXPECT_FALSE(is_v1_message(views(frame_list{"ZCHAT\x01x", "HELLO"})));
    EXPECT_EQ(error_of(decode_command_frames({"ZCHAT\x01", "HELLO", "bob", ""})),
              error_code::unsupported_version);
}

TEST(DecodeCommand, AnswersAVersionOnePeerInItsOwnFrames) {
    EXPECT_EQ(
        encode_v1_error(error{error_code::unsupported_version, 0, "why"}),
        (frame_list{"ZCHAT\x01", "ERROR", be<std::uint16_t>(3), be<std::uint64_t>(0), "why"}));
}

TEST(DecodeCommand, ReportsTheFirstBadFieldInOrder) {
    const std::string long_text_then_extra = body("SAY")
                                                 .secret(secret)
                                                 .text("lobby")
                                                 .u64(1)
                                                 .u8(0)
                                                 .text(std::string(65537, 'a'))
                                                 .bytes("x");
    EXPECT_EQ(error_of(decode_command_frames({long_text_then_extra})), error_code::too_long);
    const std::string short_resume_then_extra =
        body("HELLO").text("bob").text("lobby").u8(3).bytes("xyz");
    EXPECT_EQ(test::reason_of(decode_command_frames({short_resume_then_extra})),
              "resume must be empty or 24 bytes");
    // The room comes before the text: a long room decides over a long text.
    const auto long_room_and_text = decode_command_frames({body("SAY")
                                                               .secret(secret)
                                                               .text(room_over_cap)
                                                               .u64(1)
                                                               .u8(0)
                                                               .text(std::string(65537, 'a'))});
    EXPECT_EQ(test::reason_of(long_room_and_text), "room is longer than 32 bytes");
}

TEST(DecodeCommand, AcceptsANameOf256BytesAndATextOf65536Bytes) {
    const std::string name(max_name_bytes, 'a');
    EXPECT_EQ(decode_command_frames({body("HELLO").text(name).text("lobby").u8(0)}),
              (decoded<command>{hello{name, "lobby", std::nullopt}}));
    const std::string text(max_text_bytes, 'a');
    EXPECT_EQ(
        decode_command_frames({body("SAY").secret(secret).text("lobby").u64(1).u8(0).text(text)}),
        (decoded<command>{say{secret, "lobby", 1, text}}));
}

TEST(DecodeCommand, LeavesNameAndTextContentToValidation) {
    // Structure only: bytes that validate.hpp refuses still decode.
    EXPECT_EQ(decode_command_frames({body("HELLO").text("").text("lobby").u8(0)}),
              (decoded<command>{hello{"", "lobby", std::nullopt}}));
    EXPECT_EQ(
        decode_command_frames({body("SAY").secret(secret).text("lobby").u64(0).u8(0).text("\xff")}),
        (decoded<command>{say{secret, "lobby", 0, "\xff"}}));
}

TEST(DecodeCommand, ReadsAResumeTicketAsSessionIdThenSecret) {
    const std::string f =
        body("HELLO").text("bob").text("ops").u8(24).u64(0x0102030405060708).secret(secret);
    EXPECT_EQ(decode_command_frames({f}),
              (decoded<command>{hello{"bob", "ops", resume_ticket{0x0102030405060708, secret}}}));
}

// ---- Malformed replies and events ----

TEST(DecodeReply, RefusesMalformedRepliesWithTheDocumentedCode) {
    const std::vector<bad_command> cases{
        {"no frames", {}, error_code::malformed},
        {"one empty frame", {""}, error_code::malformed},
        {"only the header", {header()}, error_code::malformed},
        {"a wrong signature",
         {body("ACK", "ZCHAX\x02").u64(1).u64(1).u32(1)},
         error_code::bad_signature},
        {"version 1 framing", {"ZCHAT\x01", "ACK", "", ""}, error_code::unsupported_version},
        {"a command word", {body("WHO").secret(secret).text("lobby")}, error_code::unknown_command},
        {"ACK without its count", {body("ACK").u64(1).u64(1)}, error_code::malformed},
        {"ACK with a byte more", {body("ACK").u64(1).u64(1).u32(1).u8(0)}, error_code::malformed},
        {"ACK in two frames", {body("ACK").u64(1).u64(1).u32(1), ""}, error_code::malformed},
        {"ROSTER without its room", {body("ROSTER")}, error_code::malformed},
        {"ROSTER without its version", {body("ROSTER").text("lobby")}, error_code::malformed},
        {"ROSTER with a 257-byte name",
         {body("ROSTER").text("lobby").u64(1).u32(1).text(std::string(257, 'a'))},
         error_code::too_long},
        {"ROSTER with a 33-byte room",
         {body("ROSTER").text(room_over_cap).u64(1).u32(0)},
         error_code::too_long},
        {"ROSTER counting more names than it holds",
         {body("ROSTER").text("lobby").u64(1).u32(3).text("a").text("b")},
         error_code::malformed},
        {"ROSTER counting 2^32 - 1 names",
         {body("ROSTER").text("lobby").u64(1).u32(u32_max)},
         error_code::malformed},
        {"ERROR with a 1-byte code", {body("ERROR").u8(1)}, error_code::malformed},
        {"WELCOME without its max rooms",
         {body("WELCOME")
              .text("al")
              .u64(7)
              .secret(secret)
              .u64(9)
              .text("lobby")
              .u32(2)
              .u32(1000)
              .u32(3)
              .u32(32)
              .u32(4096)
              .u32(20)
              .u32(40)},
         error_code::malformed},
        {"WELCOME with a 33-byte room",
         {body("WELCOME")
              .text("al")
              .u64(7)
              .secret(secret)
              .u64(9)
              .text(room_over_cap)
              .u32(2)
              .u32(1000)
              .u32(3)
              .u32(32)
              .u32(4096)
              .u32(20)
              .u32(40)
              .u32(32)},
         error_code::too_long},
        {"ROOM without its online count",
         {body("ROOM").text("lobby").u64(41).u64(5)},
         error_code::malformed},
        {"ROOM with a 33-byte room",
         {body("ROOM").text(room_over_cap).u64(41).u64(5).u32(3)},
         error_code::too_long},
        {"ROOMS counting 2 rooms, holding 1",
         {body("ROOMS").u32(2).text("lobby").u32(3)},
         error_code::malformed},
        {"ROOMS counting 2^32 - 1 rooms", {body("ROOMS").u32(u32_max)}, error_code::malformed},
        {"ROOMS whose room is cut inside its members",
         {body("ROOMS").u32(1).text("lobby").u16(3)},
         error_code::malformed},
        {"ROOMS with a 33-byte room",
         {body("ROOMS").u32(1).text(room_over_cap).u32(3)},
         error_code::too_long},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_reply_frames(c.frames)), c.code);
    }
}

TEST(DecodeReply, RefusesEveryReplyCutShortAtAnyByte) {
    for (const reply& r : sample_replies()) {
        const std::string whole = encode(r).front();
        SCOPED_TRACE(whole.substr(7, static_cast<std::uint8_t>(whole[6])));
        for (std::size_t size = 7; size < whole.size(); ++size)
            EXPECT_EQ(error_of(decode_reply_frames({whole.substr(0, size)})), error_code::malformed)
                << size;
        EXPECT_EQ(error_of(decode_reply_frames({whole + "x"})), error_code::malformed);
    }
}

TEST(DecodeReply, KeepsAnErrorCodeItDoesNotKnow) {
    EXPECT_EQ(decode_reply_frames({body("ERROR").u16(999).u64(0).text("new")}),
              (decoded<reply>{error{static_cast<error_code>(999), 0, "new"}}));
}

TEST(DecodeEvent, RefusesMalformedEventsWithTheDocumentedCode) {
    const std::vector<bad_command> cases{
        {"no frames", {}, error_code::malformed},
        {"only a topic", {"chat/lobby/"}, error_code::malformed},
        {"a topic and an empty frame", {"chat/lobby/", ""}, error_code::malformed},
        {"a topic and only the header", {"chat/lobby/", header()}, error_code::malformed},
        {"no topic frame", {body("SHUTDOWN").u64(1)}, error_code::malformed},
        {"three frames", {"sys/shutdown/", body("SHUTDOWN").u64(1), ""}, error_code::malformed},
        {"a wrong signature",
         {"sys/shutdown/", body("SHUTDOWN", "ZCHAX\x02").u64(1)},
         error_code::bad_signature},
        {"version 1 framing",
         {"sys/shutdown/", "ZCHAT\x01", "SHUTDOWN", be<std::uint64_t>(1), be<std::uint64_t>(1)},
         error_code::unsupported_version},
        {"an unknown word", {"sys/shutdown/", body("RESTART").u64(1)}, error_code::unknown_command},
        {"SHUTDOWN without its epoch", {"sys/shutdown/", body("SHUTDOWN")}, error_code::malformed},
        {"SHUTDOWN with 4 bytes of epoch",
         {"sys/shutdown/", body("SHUTDOWN").u32(1)},
         error_code::malformed},
        // What follows the epoch is read as the next event of a batch: a word of length 0.
        {"SHUTDOWN with the seq it no longer has",
         {"sys/shutdown/", body("SHUTDOWN").u64(1).u64(1)},
         error_code::unknown_command},
        {"LEAVE without its reason",
         {"presence/lobby/", body("LEAVE").u64(1).u64(1).text("lobby").text("bob").u64(1).u32(1)},
         error_code::malformed},
        {"LEAVE without its room",
         {"presence/lobby/", body("LEAVE").u64(1).u64(1).text("bob").u64(1).u32(1).u8(1)},
         error_code::malformed},
        {"JOIN without its chat seq",
         {"presence/lobby/", body("JOIN").u64(1).u64(1).text("lobby").text("bob").u64(1).u32(1)},
         error_code::malformed},
        {"LINE with a 33-byte room",
         {"chat/lobby/", body("LINE")
                             .u64(1)
                             .u64(1)
                             .text(room_over_cap)
                             .text("bob")
                             .u64(1)
                             .u64(1)
                             .u8(0)
                             .text("hi")},
         error_code::too_long},
        {"STATS counting more records than it holds",
         {"sys/stats/", body("STATS")
                            .u64(1)
                            .u64(1)
                            .u32(1)
                            .u32(1)
                            .u32(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u32(1)
                            .u32(2)
                            .u16(5)
                            .u64(1)},
         error_code::malformed},
        {"STATS whose record is cut inside its count",
         {"sys/stats/", body("STATS")
                            .u64(1)
                            .u64(1)
                            .u32(1)
                            .u32(1)
                            .u32(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u32(1)
                            .u32(1)
                            .u16(5)
                            .u32(1)},
         error_code::malformed},
        {"STATS without its rooms (as before rooms)",
         {"sys/stats/", body("STATS")
                            .u64(1)
                            .u64(1)
                            .u32(1)
                            .u32(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u64(1)
                            .u32(1)
                            .u32(0)},
         error_code::malformed},
        {"HEARTBEAT counting 3 heads, holding 1",
         {"sys/heartbeat/",
          body("HEARTBEAT").u64(1).u32(1).u32(1000).u32(3).text("lobby").u64(4).u64(2)},
         error_code::malformed},
        {"HEARTBEAT counting 2^32 - 1 heads",
         {"sys/heartbeat/", body("HEARTBEAT").u64(1).u32(1).u32(1000).u32(u32_max)},
         error_code::malformed},
        {"HEARTBEAT whose head is cut inside its roster version",
         {"sys/heartbeat/",
          body("HEARTBEAT").u64(1).u32(1).u32(1000).u32(1).text("lobby").u64(4).u32(2)},
         error_code::malformed},
        {"HEARTBEAT whose head names a 33-byte room",
         {"sys/heartbeat/",
          body("HEARTBEAT").u64(1).u32(1).u32(1000).u32(1).text(room_over_cap).u64(4).u64(2)},
         error_code::too_long},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_event_frames(c.frames)), c.code);
        EXPECT_EQ(error_of(decode_events(views(c.frames))), c.code);
    }
}

TEST(DecodeEvent, RefusesEveryEventCutShortAtAnyByte) {
    for (const event& e : sample_events()) {
        const frame_list whole = encode(e);
        SCOPED_TRACE(whole[0]);
        for (std::size_t size = 7; size < whole[1].size(); ++size)
            EXPECT_EQ(
                error_of(decode_events(views(frame_list{whole[0], whole[1].substr(0, size)}))),
                error_code::malformed)
                << size;
    }
}

TEST(DecodeEvent, KeepsALeaveReasonItDoesNotKnow) {
    const frame_list f{"presence/lobby/",
                       body("LEAVE").u64(1).u64(1).text("lobby").text("bob").u64(1).u32(0).u8(9)};
    EXPECT_EQ(decode_event_frames(f),
              (decoded<event>{left{1, 1, "lobby", "bob", 1, 0, static_cast<leave_reason>(9)}}));
}

TEST(DecodeEvent, KeepsARejectedErrorCodeItDoesNotKnow) {
    const frame_list f = encode(
        event{stats{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, {{static_cast<error_code>(999), 1}}}});
    EXPECT_EQ(decode_event_frames(f),
              (decoded<event>{stats{
                  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, {{static_cast<error_code>(999), 1}}}}));
}

TEST(DecodeEvent, DecodesByItsWordWhateverTheTopicSays) {
    frame_list f = encode(event{shutdown{3}});
    f[0] = "chat/lobby/";
    EXPECT_EQ(decode_event_frames(f), (decoded<event>{shutdown{3}}));
    // Nor is a room's event checked against the room its topic names.
    frame_list g = encode(event{line{1, 2, "ops", "bob", 3, 4, "hi"}});
    g[0] = "chat/lobby/";
    EXPECT_EQ(decode_event_frames(g), (decoded<event>{line{1, 2, "ops", "bob", 3, 4, "hi"}}));
}

// ---- Event headers ----

// The headers decode_event_headers reads from frames, or nothing if it refuses them.
std::optional<std::vector<event_header>> headers_of(std::span<const std::string_view> frames,
                                                    std::size_t text_bytes) {
    std::vector<event_header> out{event_header{}}; // not empty, to see it cleared
    if (!decode_event_headers(frames, text_bytes, out)) {
        EXPECT_TRUE(out.empty());
        return std::nullopt;
    }
    return out;
}

TEST(DecodeEventHeaders, AgreeWithTheFullDecodeOnEveryEvent) {
    for (const event& e : sample_events()) {
        const frame_list f = encode(e);
        SCOPED_TRACE(f[0]);
        const auto h = headers_of(views(f), 5);
        ASSERT_TRUE(h.has_value());
        EXPECT_EQ(*h, (std::vector<event_header>{header_of(e, 5)}));
    }
}

TEST(DecodeEventHeaders, GiveARoomsEventsRoomAndSeqAndNoneToABrokerWideEvent) {
    const frame_list l = encode(event{line{1, 9, "ops", "bob", 3, 4, "hi"}});
    EXPECT_EQ(headers_of(views(l), 8),
              (std::vector<event_header>{{event_kind::line, 1, 9, "ops", "hi"}}));
    const frame_list j = encode(event{joined{1, 2, "dev-2", "bob", 3, 4, 9}});
    EXPECT_EQ(headers_of(views(j), 8),
              (std::vector<event_header>{{event_kind::joined, 1, 2, "dev-2", ""}}));
    const frame_list p = encode(event{left{1, 3, "dev-2", "bob", 3, 4, leave_reason::parted}});
    EXPECT_EQ(headers_of(views(p), 8),
              (std::vector<event_header>{{event_kind::left, 1, 3, "dev-2", ""}}));
    // A HEARTBEAT names rooms in its heads, but is no room's event.
    const frame_list hb = encode(event{heartbeat{1, 2, 1000, {{"ops", 7, 8}}}});
    EXPECT_EQ(headers_of(views(hb), 8),
              (std::vector<event_header>{{event_kind::heartbeat, 1, 0, "", ""}}));
    const frame_list s = encode(event{shutdown{1}});
    EXPECT_EQ(headers_of(views(s), 8),
              (std::vector<event_header>{{event_kind::shutdown, 1, 0, "", ""}}));
}

TEST(DecodeEventHeaders, ViewTheRoomInTheBody) {
    const frame_list f = encode(event{line{1, 9, "ops", "bob", 3, 4, "hi"}});
    const auto v = views(f);
    const auto h = headers_of(v, 8);
    ASSERT_TRUE(h.has_value());
    // epoch and seq (16 bytes) and the room's length (4) after the header and the word "LINE".
    EXPECT_EQ(h->front().room.data(), v[1].data() + 6 + 5 + 16 + 4);
}

TEST(DecodeEventHeaders, ReadTheEpochOfAShutdownThatEndsTheBody) {
    // SHUTDOWN is the shortest event: 8 bytes after its word.
    const frame_list f = encode(event{shutdown{0x0102030405060708}});
    const auto h = headers_of(views(f), 8);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->front().epoch, 0x0102030405060708u);
    // Within a batch, only the last one ends the body.
    const std::vector<event> batch{shutdown{1}, shutdown{2}};
    EXPECT_EQ(headers_of(views(encode_batch(batch)), 8),
              (std::vector<event_header>{{event_kind::shutdown, 1, 0, "", ""},
                                         {event_kind::shutdown, 2, 0, "", ""}}));
}

TEST(DecodeEventHeaders, ReadEveryEventOfABatchInOrder) {
    const std::vector<event> events{line{1, 2, "lobby", "alice", 7, 3, "one"},
                                    line{1, 3, "lobby", "bob", 8, 1, "two"}};
    const frame_list f = encode_batch(events);
    EXPECT_EQ(headers_of(views(f), 8), (std::vector<event_header>{
                                           {event_kind::line, 1, 2, "lobby", "one"},
                                           {event_kind::line, 1, 3, "lobby", "two"},
                                       }));
    const std::vector<event> presence{joined{1, 3, "ops", "bob", 8, 2, 1},
                                      left{1, 4, "ops", "bob", 8, 1, leave_reason::parted}};
    EXPECT_EQ(headers_of(views(encode_batch(presence)), 8),
              (std::vector<event_header>{
                  {event_kind::joined, 1, 3, "ops", ""},
                  {event_kind::left, 1, 4, "ops", ""},
              }));
}

TEST(DecodeEventHeaders, KeepAsMuchOfTheTextAsAskedAndNoMoreThanThereIs) {
    const frame_list f = encode(event{line{1, 2, "lobby", "alice", 7, 3, "Hello"}});
    const auto v = views(f);
    EXPECT_EQ(headers_of(v, 0)->front().text_head, "");
    EXPECT_EQ(headers_of(v, 4)->front().text_head, "Hell");
    EXPECT_EQ(headers_of(v, 5)->front().text_head, "Hello");
    EXPECT_EQ(headers_of(v, 1000)->front().text_head, "Hello");
    // A view into the body itself: nothing copied.
    EXPECT_EQ(headers_of(v, 5)->front().text_head.data(), v[1].data() + v[1].size() - 5);
}

TEST(DecodeEventHeaders, CheckNothingButThatTheFieldsFit) {
    // A sender longer than allowed, a room over its cap and a topic of another kind: a full
    // decode refuses them; the header is still readable.
    const frame_list f{"other/", body("LINE")
                                     .u64(9)
                                     .u64(9)
                                     .text("lobby")
                                     .text(std::string(300, 'x'))
                                     .u64(1)
                                     .u64(9)
                                     .u8(0)
                                     .text("")};
    EXPECT_EQ(error_of(decode_event_frames(f)), error_code::too_long);
    EXPECT_EQ(headers_of(views(f), 8),
              (std::vector<event_header>{{event_kind::line, 9, 9, "lobby", ""}}));
    const frame_list g{
        "other/", body("JOIN").u64(9).u64(4).text(room_over_cap).text("bob").u64(1).u32(1).u64(0)};
    EXPECT_EQ(error_of(decode_event_frames(g)), error_code::too_long);
    EXPECT_EQ(headers_of(views(g), 8),
              (std::vector<event_header>{{event_kind::joined, 9, 4, room_over_cap, ""}}));
}

TEST(DecodeEventHeaders, RefuseWhatIsNotAnEvent) {
    const std::vector<std::pair<std::string, frame_list>> cases{
        {"no frames", {}},
        {"only a topic", {"chat/lobby/"}},
        {"only the header", {"chat/lobby/", header()}},
        {"no epoch or seq", {"chat/lobby/", body("LINE")}},
        {"no seq", {"chat/lobby/", body("LINE").u64(1)}},
        {"no room", {"chat/lobby/", body("LINE").u64(1).u64(1)}},
        {"no epoch", {"sys/shutdown/", body("SHUTDOWN")}},
        {"a cut epoch", {"sys/shutdown/", body("SHUTDOWN").u32(1)}},
        {"no topic frame", {body("SHUTDOWN").u64(1)}},
        {"three frames", {"sys/shutdown/", body("SHUTDOWN").u64(1), ""}},
        {"an empty body", {"sys/shutdown/", ""}},
        {"a wrong signature", {"sys/shutdown/", body("SHUTDOWN", "ZCHAX\x02").u64(1)}},
        {"version 1", {"sys/shutdown/", body("SHUTDOWN", "ZCHAT\x01").u64(1)}},
        {"an unknown word", {"sys/shutdown/", body("RESTART").u64(1)}},
        {"a command word", {"sys/shutdown/", body("SAY").u64(1).u64(1)}},
        {"LINE without its text",
         {"chat/lobby/", body("LINE").u64(1).u64(1).text("lobby").text("bob").u64(1).u64(1)}},
        {"a byte after the last event", {"sys/shutdown/", body("SHUTDOWN").u64(1).u8(0)}},
        {"a text length past the end",
         {"chat/lobby/",
          body("LINE").u64(1).u64(1).text("lobby").text("bob").u64(1).u64(1).u32(3).bytes("hi")}},
        {"a room length past the end",
         {"chat/lobby/", body("LINE").u64(1).u64(1).u32(9).bytes("ops")}},
        {"HEARTBEAT counting heads it does not hold",
         {"sys/heartbeat/",
          body("HEARTBEAT").u64(1).u32(1).u32(1000).u32(2).text("lobby").u64(1).u64(1)}},
        {"HEARTBEAT whose head is cut short",
         {"sys/heartbeat/",
          body("HEARTBEAT").u64(1).u32(1).u32(1000).u32(1).text("lobby").u64(1).u32(1)}},
    };
    for (const auto& [what, frames] : cases) {
        SCOPED_TRACE(what);
        EXPECT_EQ(headers_of(views(frames), 64), std::nullopt);
    }
}

// Views of frames that each live in a heap block of exactly their size, so that a sanitizer build
// reports any read past the end of one (a short std::string would hide it in its inline buffer).
struct exact_frames {
    explicit exact_frames(const frame_list& frames) {
        for (const auto& f : frames) {
            blocks.emplace_back(f.begin(), f.end());
            views.emplace_back(blocks.back().data(), blocks.back().size());
        }
    }
    std::deque<std::vector<char>> blocks;
    std::vector<std::string_view> views;
};

TEST(DecodeEventHeaders, ReadNoFurtherThanAnyTruncatedBody) {
    for (const event& e : sample_events()) {
        const frame_list whole = encode(e);
        SCOPED_TRACE(whole[0]);
        for (std::size_t size = 0; size < whole[1].size(); ++size) {
            SCOPED_TRACE("body cut to " + std::to_string(size));
            const exact_frames f(frame_list{whole[0], whole[1].substr(0, size)});
            std::vector<event_header> out;
            EXPECT_FALSE(decode_event_headers(f.views, 64, out));
            EXPECT_EQ(error_of(decode_events(f.views)).has_value(), true);
        }
        // And the whole body, each frame in a block of its own size, reads as it should.
        const exact_frames f(whole);
        std::vector<event_header> out;
        EXPECT_TRUE(decode_event_headers(f.views, 64, out));
        EXPECT_EQ(out, (std::vector<event_header>{header_of(e, 64)}));
    }
}

// ---- Error names ----

TEST(ErrorName, GivesEveryCodeItsStableName) {
    const std::vector<std::pair<std::uint16_t, std::string_view>> names{
        {1, "E_MALFORMED"},       {2, "E_BAD_SIGNATURE"},     {3, "E_VERSION"},
        {4, "E_UNKNOWN_COMMAND"}, {5, "E_TOO_LONG"},          {6, "E_BAD_UTF8"},
        {7, "E_CONTROL_CHAR"},    {8, "E_NAME_TAKEN"},        {9, "E_NAME_INVALID"},
        {10, "E_NOT_JOINED"},     {11, "E_ALREADY_JOINED"},   {12, "E_SERVER_FULL"},
        {13, "E_EMPTY_TEXT"},     {14, "E_SESSION_REPLACED"}, {15, "E_EVICTED"},
        {16, "E_RATE_LIMITED"},   {17, "E_NAME_FORBIDDEN"},   {18, "E_ROOM_INVALID"},
        {19, "E_NOT_IN_ROOM"},    {20, "E_TOO_MANY_ROOMS"},   {21, "E_NO_SUCH_USER"},
        {22, "E_BAD_RANGE"},
    };
    for (const auto& [number, name] : names)
        EXPECT_EQ(error_name(static_cast<error_code>(number)), name);
    EXPECT_EQ(error_name(static_cast<error_code>(0)), "E_UNKNOWN");
    EXPECT_EQ(error_name(static_cast<error_code>(23)), "E_UNKNOWN");
}

// The word of a body, read without decoding the rest: what a relay looks at.
TEST(Codec, TheWordOfABodyIsReadWithoutTheRest) {
    EXPECT_EQ(word_of(encode(command{bye{}}).front()), "BYE");
    EXPECT_EQ(word_of(encode(reply{welcome{}}).front()), "WELCOME");
    const std::string header = encode(command{bye{}}).front().substr(0, signature_bytes);
    EXPECT_EQ(word_of(header), "");
    EXPECT_EQ(word_of(header + "\x07WEL"), "");
    EXPECT_EQ(word_of(""), "");
}

} // namespace
} // namespace zchat::proto
