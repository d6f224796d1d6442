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
using test::secret;

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t u32_max = std::numeric_limits<std::uint32_t>::max();

std::vector<command> sample_commands() {
    return {
        hello{"alice", std::nullopt},
        hello{"Zo\xc3\xab", resume_ticket{7, secret}},
        ready{secret, 41},
        say{secret, 1, "Hello, world"},
        say{secret, 2, "score:\t42"},
        say{secret, u64_max, std::string(max_text_bytes, 'x')},
        who{secret},
        bye{secret},
        ping{secret, 44},
    };
}

std::vector<reply> sample_replies() {
    return {
        welcome{"alice", 7, secret, test::epoch, 41, 2, 1000, 3, 32, 4096},
        welcome{"Zo\xc3\xab", u64_max, secret, u64_max, u64_max, u32_max, u32_max, u32_max, u32_max,
                u32_max},
        error{error_code::name_taken, 0, "the name 'alice' is already in use"},
        error{error_code::empty_text, 5, ""},
        ack{1, 43},
        ack{u64_max, u64_max, u32_max},
        roster{0, {}},
        roster{5, {"alice", "Bob", "Zo\xc3\xab"}},
    };
}

std::vector<event> sample_events() {
    return {
        line{test::epoch, 43, "alice", 7, 1, "Hello, world"},
        line{test::epoch, 44, "Zo\xc3\xab", 9, 2, "tab\there"},
        joined{test::epoch, 42, "alice", 7, 3, 5},
        left{test::epoch, 46, "alice", 7, 2, 6, leave_reason::quit},
        left{test::epoch, 47, "Bob", 10, 1, 7, leave_reason::timed_out},
        left{test::epoch, 48, "Zo\xc3\xab", 9, 0, 8, leave_reason::server_shutdown},
        heartbeat{test::epoch, 45, 3, 5, 1000},
        probe{test::epoch, 41, 7},
        probe{u64_max, u64_max, u64_max},
        shutdown{test::epoch, 48},
        stats{test::epoch, 48, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, {{error_code::too_long, 11}}},
        stats{u64_max,
              u64_max,
              u64_max,
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
    EXPECT_EQ(
        encode(command{say{secret, 258, "hi"}}),
        (frame_list{std::string("ZCHAT\x02\x03SAY", 10) + bytes(secret) +
                    std::string("\0\0\0\0\0\0\x01\x02", 8) + std::string("\0\0\0\x02hi", 6)}));
    EXPECT_EQ(encode(command{hello{"bob", std::nullopt}}),
              (frame_list{body("HELLO").text("bob").u8(0)}));
    EXPECT_EQ(encode(command{hello{"bob", resume_ticket{1, secret}}}),
              (frame_list{body("HELLO").text("bob").u8(24).u64(1).secret(secret)}));
}

TEST(CodecEncoding, AnEventIsItsTopicThenOneBodyWithEpochAndSeqFirst) {
    EXPECT_EQ(encode(event{shutdown{1, 2}}),
              (frame_list{"sys/shutdown/", body("SHUTDOWN").u64(1).u64(2)}));
    EXPECT_EQ(encode(event{left{1, 2, "bob", 3, 4, 5, leave_reason::timed_out}}),
              (frame_list{"presence/lobby/",
                          body("LEAVE").u64(1).u64(2).text("bob").u64(3).u32(4).u64(5).u8(2)}));
}

TEST(CodecEncoding, ALineIsTwoFrames) {
    EXPECT_EQ(encode(event{line{1, 2, "alice", 7, 3, "hi"}}).size(), 2u);
}

TEST(CodecEncoding, ListsAndRecordsAreCountedFirst) {
    EXPECT_EQ(encode(reply{roster{5, {"al", "b"}}}),
              (frame_list{body("ROSTER").u64(5).u32(2).text("al").text("b")}));
    EXPECT_EQ(
        encode(event{stats{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, {{error_code::too_long, 13}}}}),
        (frame_list{"sys/stats/", body("STATS")
                                      .u64(1)
                                      .u64(2)
                                      .u64(3)
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

TEST(CodecEncoding, ASayTakesItsTextPlusTheDocumentedOverhead) {
    EXPECT_EQ(encode(command{say{secret, 1, ""}}).front().size(), say_overhead_bytes);
    EXPECT_EQ(encode(command{say{secret, 1, "hi"}}).front().size(), say_overhead_bytes + 2);
}

TEST(CodecEncoding, TheLongestHelloIsANameAtItsCapWithATicket) {
    const hello longest{std::string(max_name_bytes, 'a'), resume_ticket{1, secret}};
    EXPECT_EQ(encode(command{longest}).front().size(), longest_hello_bytes);
}

TEST(CodecEncoding, AnErrorCodeIsTwoBytesBigEndian) {
    const frame_list f = encode(reply{error{error_code::server_full, 9, "full"}});
    EXPECT_EQ(f, (frame_list{body("ERROR").bytes(std::string("\x00\x0c", 2)).u64(9).text("full")}));
}

TEST(CodecEncoding, AnAckCarriesHowManySaysItConfirms) {
    EXPECT_EQ(encode(reply{ack{9, 57, 3}}), (frame_list{body("ACK").u64(9).u64(57).u32(3)}));
}

// ---- Batches ----

TEST(Batch, OfOneIsThePlainForm) {
    const event e = line{1, 2, "alice", 7, 3, "hi"};
    EXPECT_EQ(encode_batch(std::span{&e, 1}), encode(e));
}

TEST(Batch, HoldsItsEventsBackToBackUnderTheFirstOnesTopicAndDecodesInOrder) {
    const std::vector<event> events{line{1, 2, "alice", 7, 3, "one"},
                                    line{1, 3, "bob", 8, 1, "two"},
                                    line{1, 4, "alice", 7, 4, "three"}};
    const frame_list f = encode_batch(events);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0], "chat/lobby/");
    EXPECT_EQ(f[1], header() + encode(events[0])[1].substr(6) + encode(events[1])[1].substr(6) +
                        encode(events[2])[1].substr(6));
    EXPECT_EQ(decode_events(views(f)), decoded<std::vector<event>>{events});
}

TEST(Batch, IsOneEventTooManyForDecodeEvent) {
    const std::vector<event> events{shutdown{1, 2}, shutdown{1, 2}};
    EXPECT_EQ(error_of(decode_event_frames(encode_batch(events))), error_code::malformed);
}

TEST(Batch, IsRefusedWholeWhenAnyOfItsEventsIsMalformed) {
    const frame_list good = encode(event{shutdown{1, 2}});
    EXPECT_EQ(error_of(decode_events(views(frame_list{good[0], good[1] + good[1].substr(6, 9)}))),
              error_code::malformed);
    EXPECT_EQ(error_of(decode_events(
                  views(frame_list{good[0], good[1] + std::string(body("NOPE")).substr(6)}))),
              error_code::unknown_command);
}

// ---- Topics ----

TEST(Topics, EachEventIsPublishedUnderItsDocumentedTopic) {
    EXPECT_EQ(topic_of(line{}), "chat/lobby/");
    EXPECT_EQ(topic_of(joined{}), "presence/lobby/");
    EXPECT_EQ(topic_of(left{}), "presence/lobby/");
    EXPECT_EQ(topic_of(heartbeat{}), "sys/heartbeat/");
    EXPECT_EQ(topic_of(shutdown{}), "sys/shutdown/");
    EXPECT_EQ(topic_of(probe{0, 0, 7}), "probe/7/");
    EXPECT_EQ(probe_topic(18446744073709551615u), "probe/18446744073709551615/");
}

TEST(Topics, EveryTopicStartsWithItsSubscriptionPrefixAndEndsWithASlash) {
    for (const event& e : sample_events()) {
        const std::string t = topic_of(e);
        ASSERT_FALSE(t.empty());
        EXPECT_EQ(t.back(), '/') << t;
    }
    EXPECT_TRUE(topic_of(line{}).starts_with(topic::chat));
    EXPECT_TRUE(topic_of(joined{}).starts_with(topic::presence));
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
    const std::string who = body("WHO").secret(secret);
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
         {body("WHO", "zchat\x02").secret(secret)},
         error_code::bad_signature},
        {"an HTTP request", {"GET / HTTP/1.1"}, error_code::bad_signature},
        {"version 0",
         {body("WHO", std::string("ZCHAT\0", 6)).secret(secret)},
         error_code::unsupported_version},
        {"version 1 framing", {"ZCHAT\x01", "WHO", bytes(secret)}, error_code::unsupported_version},
        {"version 3", {body("WHO", "ZCHAT\x03").secret(secret)}, error_code::unsupported_version},
        {"version 255", {body("WHO", "ZCHAT\xff").secret(secret)}, error_code::unsupported_version},
        {"version 3 with only the header", {"ZCHAT\x03"}, error_code::unsupported_version},
        {"version 3 in two frames", {"ZCHAT\x03", "SHOUT"}, error_code::unsupported_version},
        {"an empty command word", {body("").secret(secret)}, error_code::unknown_command},
        {"a lower-case command word", {body("who").secret(secret)}, error_code::unknown_command},
        {"a command word with a trailing space",
         {body("WHO ").secret(secret)},
         error_code::unknown_command},
        {"a reply word sent as a command",
         {body("ACK").u64(1).u64(1).u32(1)},
         error_code::unknown_command},
        {"an event word sent as a command", {body("LINE")}, error_code::unknown_command},
        {"a word length past the end", {header() + "\x05WHO"}, error_code::malformed},
        {"a missing secret", {body("WHO")}, error_code::malformed},
        {"a 15-byte secret", {body("WHO").bytes(bytes(secret).substr(1))}, error_code::malformed},
        {"a 17-byte secret", {body("BYE").secret(secret).bytes("x")}, error_code::malformed},
        {"a resume of length 23",
         {body("HELLO").text("bob").u8(23).u64(1).bytes(bytes(secret).substr(1))},
         error_code::malformed},
        {"a resume of length 25",
         {body("HELLO").text("bob").u8(25).u64(1).secret(secret).bytes("x")},
         error_code::malformed},
        {"a resume of length 24 with 8 bytes",
         {body("HELLO").text("bob").u8(24).u64(1)},
         error_code::malformed},
        {"a 257-byte name",
         {body("HELLO").text(std::string(257, 'a')).u8(0)},
         error_code::too_long},
        {"a 65537-byte text",
         {body("SAY").secret(secret).u64(1).text(std::string(65537, 'a'))},
         error_code::too_long},
        {"a text length of 2^32 - 1 with 2 bytes",
         {body("SAY").secret(secret).u64(1).u32(u32_max).bytes("hi")},
         error_code::too_long},
        {"a text length past the end",
         {body("SAY").secret(secret).u64(1).u32(3).bytes("hi")},
         error_code::malformed},
        {"a byte after the last field", {body("WHO").secret(secret).u8(0)}, error_code::malformed},
        {"a forged sender after a SAY's text",
         {body("SAY").secret(secret).u64(1).text("hi").text("[bob] hi")},
         error_code::malformed},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_command_frames(c.frames)), c.code);
    }
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
    const auto d = decode_command_frames({body("HELLO", "ZCHAT\x03").text("bob").u8(0)});
    EXPECT_EQ(error_of(d), error_code::unsupported_version);
    EXPECT_EQ(test::reason_of(d), "protocol version 3 is not supported; supported versions: 2");
}

TEST(DecodeCommand, ChecksTheVersionBeforeTheFrameCount) {
    // A version 1 client sends a frame per field: it must learn that its version is the problem.
    EXPECT_TRUE(is_v1_message(views(frame_list{"ZCHAT\x01", "HELLO", "bob", ""})));
    EXPECT_FALSE(is_v1_message(views(encode(command{hello{"bob", std::nullopt}}))));
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
    const std::string long_text_then_extra =
        body("SAY").secret(secret).u64(1).text(std::string(65537, 'a')).bytes("x");
    EXPECT_EQ(error_of(decode_command_frames({long_text_then_extra})), error_code::too_long);
    const std::string short_resume_then_extra = body("HELLO").text("bob").u8(3).bytes("xyz");
    EXPECT_EQ(test::reason_of(decode_command_frames({short_resume_then_extra})),
              "resume must be empty or 24 bytes");
}

TEST(DecodeCommand, AcceptsANameOf256BytesAndATextOf65536Bytes) {
    const std::string name(max_name_bytes, 'a');
    EXPECT_EQ(decode_command_frames({body("HELLO").text(name).u8(0)}),
              (decoded<command>{hello{name, std::nullopt}}));
    const std::string text(max_text_bytes, 'a');
    EXPECT_EQ(decode_command_frames({body("SAY").secret(secret).u64(1).text(text)}),
              (decoded<command>{say{secret, 1, text}}));
}

TEST(DecodeCommand, LeavesNameAndTextContentToValidation) {
    // Structure only: bytes that validate.hpp refuses still decode.
    EXPECT_EQ(decode_command_frames({body("HELLO").text("").u8(0)}),
              (decoded<command>{hello{"", std::nullopt}}));
    EXPECT_EQ(decode_command_frames({body("SAY").secret(secret).u64(0).text("\xff")}),
              (decoded<command>{say{secret, 0, "\xff"}}));
}

TEST(DecodeCommand, ReadsAResumeTicketAsSessionIdThenSecret) {
    const std::string f = body("HELLO").text("bob").u8(24).u64(0x0102030405060708).secret(secret);
    EXPECT_EQ(decode_command_frames({f}),
              (decoded<command>{hello{"bob", resume_ticket{0x0102030405060708, secret}}}));
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
        {"a command word", {body("WHO").secret(secret)}, error_code::unknown_command},
        {"ACK without its count", {body("ACK").u64(1).u64(1)}, error_code::malformed},
        {"ACK with a byte more", {body("ACK").u64(1).u64(1).u32(1).u8(0)}, error_code::malformed},
        {"ACK in two frames", {body("ACK").u64(1).u64(1).u32(1), ""}, error_code::malformed},
        {"ROSTER without its version", {body("ROSTER")}, error_code::malformed},
        {"ROSTER with a 257-byte name",
         {body("ROSTER").u64(1).u32(1).text(std::string(257, 'a'))},
         error_code::too_long},
        {"ROSTER counting more names than it holds",
         {body("ROSTER").u64(1).u32(3).text("a").text("b")},
         error_code::malformed},
        {"ROSTER counting 2^32 - 1 names",
         {body("ROSTER").u64(1).u32(u32_max)},
         error_code::malformed},
        {"ERROR with a 1-byte code", {body("ERROR").u8(1)}, error_code::malformed},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_reply_frames(c.frames)), c.code);
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
        {"no topic frame", {body("SHUTDOWN").u64(1).u64(1)}, error_code::malformed},
        {"three frames",
         {"sys/shutdown/", body("SHUTDOWN").u64(1).u64(1), ""},
         error_code::malformed},
        {"a wrong signature",
         {"sys/shutdown/", body("SHUTDOWN", "ZCHAX\x02").u64(1).u64(1)},
         error_code::bad_signature},
        {"version 1 framing",
         {"sys/shutdown/", "ZCHAT\x01", "SHUTDOWN", be<std::uint64_t>(1), be<std::uint64_t>(1)},
         error_code::unsupported_version},
        {"an unknown word",
         {"sys/shutdown/", body("RESTART").u64(1).u64(1)},
         error_code::unknown_command},
        {"SHUTDOWN without its seq",
         {"sys/shutdown/", body("SHUTDOWN").u64(1)},
         error_code::malformed},
        {"LEAVE without its reason",
         {"presence/lobby/", body("LEAVE").u64(1).u64(1).text("bob").u64(1).u32(1).u64(1)},
         error_code::malformed},
        {"STATS counting more records than it holds",
         {"sys/stats/", body("STATS")
                            .u64(1)
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
                            .u32(2)
                            .u16(5)
                            .u64(1)},
         error_code::malformed},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_event_frames(c.frames)), c.code);
        EXPECT_EQ(error_of(decode_events(views(c.frames))), c.code);
    }
}

TEST(DecodeEvent, KeepsALeaveReasonItDoesNotKnow) {
    const frame_list f{"presence/lobby/",
                       body("LEAVE").u64(1).u64(1).text("bob").u64(1).u32(0).u64(1).u8(9)};
    EXPECT_EQ(decode_event_frames(f),
              (decoded<event>{left{1, 1, "bob", 1, 0, 1, static_cast<leave_reason>(9)}}));
}

TEST(DecodeEvent, DecodesByItsWordWhateverTheTopicSays) {
    frame_list f = encode(event{shutdown{3, 4}});
    f[0] = "chat/lobby/";
    EXPECT_EQ(decode_event_frames(f), (decoded<event>{shutdown{3, 4}}));
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

event_header header_of(const event& e) {
    event_header h;
    h.kind = event_kind_of(e);
    std::visit(
        [&](const auto& ev) {
            h.epoch = ev.epoch;
            h.seq = ev.seq;
        },
        e);
    return h;
}

TEST(DecodeEventHeaders, AgreeWithTheFullDecodeOnEveryEvent) {
    for (const event& e : sample_events()) {
        const frame_list f = encode(e);
        const auto h = headers_of(views(f), 5);
        ASSERT_TRUE(h.has_value());
        ASSERT_EQ(h->size(), 1u);
        const event_header& got = h->front();
        EXPECT_EQ(got.kind, event_kind_of(e));
        EXPECT_EQ(got.epoch, header_of(e).epoch);
        EXPECT_EQ(got.seq, header_of(e).seq);
        if (const auto* l = std::get_if<line>(&e))
            EXPECT_EQ(got.text_head, std::string_view{l->text}.substr(0, 5));
        else
            EXPECT_TRUE(got.text_head.empty());
    }
}

TEST(DecodeEventHeaders, ReadEveryEventOfABatchInOrder) {
    const std::vector<event> events{line{1, 2, "alice", 7, 3, "one"},
                                    line{1, 3, "bob", 8, 1, "two"}};
    const frame_list f = encode_batch(events);
    EXPECT_EQ(headers_of(views(f), 8), (std::vector<event_header>{
                                           {event_kind::line, 1, 2, "one"},
                                           {event_kind::line, 1, 3, "two"},
                                       }));
}

TEST(DecodeEventHeaders, KeepAsMuchOfTheTextAsAskedAndNoMoreThanThereIs) {
    const frame_list f = encode(event{line{1, 2, "alice", 7, 3, "Hello"}});
    const auto v = views(f);
    EXPECT_EQ(headers_of(v, 0)->front().text_head, "");
    EXPECT_EQ(headers_of(v, 4)->front().text_head, "Hell");
    EXPECT_EQ(headers_of(v, 5)->front().text_head, "Hello");
    EXPECT_EQ(headers_of(v, 1000)->front().text_head, "Hello");
    // A view into the body itself: nothing copied.
    EXPECT_EQ(headers_of(v, 5)->front().text_head.data(), v[1].data() + v[1].size() - 5);
}

TEST(DecodeEventHeaders, CheckNothingButThatTheFieldsFit) {
    // A sender longer than allowed and a topic of another kind: a full decode refuses the first;
    // the header is still readable.
    const frame_list f{
        "other/", body("LINE").u64(9).u64(9).text(std::string(300, 'x')).u64(1).u64(9).text("")};
    EXPECT_EQ(error_of(decode_event_frames(f)), error_code::too_long);
    EXPECT_EQ(headers_of(views(f), 8), (std::vector<event_header>{{event_kind::line, 9, 9, ""}}));
}

TEST(DecodeEventHeaders, RefuseWhatIsNotAnEvent) {
    const std::vector<std::pair<std::string, frame_list>> cases{
        {"no frames", {}},
        {"only a topic", {"chat/lobby/"}},
        {"only the header", {"chat/lobby/", header()}},
        {"no epoch or seq", {"chat/lobby/", body("LINE")}},
        {"no seq", {"sys/shutdown/", body("SHUTDOWN").u64(1)}},
        {"no topic frame", {body("SHUTDOWN").u64(1).u64(1)}},
        {"three frames", {"sys/shutdown/", body("SHUTDOWN").u64(1).u64(1), ""}},
        {"an empty body", {"sys/shutdown/", ""}},
        {"a wrong signature", {"sys/shutdown/", body("SHUTDOWN", "ZCHAX\x02").u64(1).u64(1)}},
        {"version 1", {"sys/shutdown/", body("SHUTDOWN", "ZCHAT\x01").u64(1).u64(1)}},
        {"an unknown word", {"sys/shutdown/", body("RESTART").u64(1).u64(1)}},
        {"a command word", {"sys/shutdown/", body("SAY").u64(1).u64(1)}},
        {"LINE without its text",
         {"chat/lobby/", body("LINE").u64(1).u64(1).text("bob").u64(1).u64(1)}},
        {"a byte after the last event", {"sys/shutdown/", body("SHUTDOWN").u64(1).u64(1).u8(0)}},
        {"a text length past the end",
         {"chat/lobby/", body("LINE").u64(1).u64(1).text("bob").u64(1).u64(1).u32(3).bytes("hi")}},
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
    const frame_list whole = encode(event{line{1, 2, "alice", 7, 3, "Hello"}});
    for (std::size_t size = 0; size < whole[1].size(); ++size) {
        SCOPED_TRACE("body cut to " + std::to_string(size));
        const exact_frames f(frame_list{whole[0], whole[1].substr(0, size)});
        std::vector<event_header> out;
        EXPECT_FALSE(decode_event_headers(f.views, 64, out));
        EXPECT_EQ(error_of(decode_events(f.views)).has_value(), true);
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
        {16, "E_RATE_LIMITED"},   {17, "E_NAME_FORBIDDEN"},
    };
    for (const auto& [number, name] : names)
        EXPECT_EQ(error_name(static_cast<error_code>(number)), name);
    EXPECT_EQ(error_name(static_cast<error_code>(0)), "E_UNKNOWN");
    EXPECT_EQ(error_name(static_cast<error_code>(18)), "E_UNKNOWN");
}

} // namespace
} // namespace zchat::proto
