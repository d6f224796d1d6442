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

TEST(CodecEncoding, ACommandIsTheSignatureFrameTheWordThenItsFields) {
    EXPECT_EQ(encode(command{say{secret, 258, "hi"}}),
              (frame_list{"ZCHAT\x01", "SAY", bytes(secret), std::string("\0\0\0\0\0\0\x01\x02", 8),
                          "hi"}));
    EXPECT_EQ(encode(command{hello{"bob", std::nullopt}}),
              (frame_list{"ZCHAT\x01", "HELLO", "bob", ""}));
    EXPECT_EQ(encode(command{hello{"bob", resume_ticket{1, secret}}}),
              (frame_list{"ZCHAT\x01", "HELLO", "bob", be<std::uint64_t>(1) + bytes(secret)}));
}

TEST(CodecEncoding, AnEventIsItsTopicTheSignatureTheWordEpochAndSeqThenItsFields) {
    EXPECT_EQ(encode(event{shutdown{1, 2}}),
              (frame_list{"sys/shutdown/", "ZCHAT\x01", "SHUTDOWN", be<std::uint64_t>(1),
                          be<std::uint64_t>(2)}));
    EXPECT_EQ(encode(event{left{1, 2, "bob", 3, 4, 5, leave_reason::timed_out}}),
              (frame_list{"presence/lobby/", "ZCHAT\x01", "LEAVE", be<std::uint64_t>(1),
                          be<std::uint64_t>(2), "bob", be<std::uint64_t>(3), be<std::uint32_t>(4),
                          be<std::uint64_t>(5), std::string(1, '\x02')}));
}

TEST(CodecEncoding, AnErrorCodeIsTwoBytesBigEndian) {
    const frame_list f = encode(reply{error{error_code::server_full, 9, "full"}});
    EXPECT_EQ(f, (frame_list{header(), "ERROR", std::string("\x00\x0c", 2), be<std::uint64_t>(9),
                             "full"}));
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
    const std::string id = be<std::uint64_t>(1);
    const std::string s = bytes(secret);
    const std::vector<bad_command> cases{
        {"no frames", {}, error_code::malformed},
        {"one empty frame", {""}, error_code::malformed},
        {"only the signature", {header()}, error_code::malformed},
        {"an empty delimiter before the signature",
         {"", header(), "WHO", s},
         error_code::malformed},
        {"nine frames", {header(), "SAY", s, id, "a", "b", "c", "d", "e"}, error_code::malformed},
        {"nine frames with a wrong signature",
         {"nope", "SAY", s, id, "a", "b", "c", "d", "e"},
         error_code::malformed},
        {"eight frames", {header(), "SAY", s, id, "a", "b", "c", "d"}, error_code::malformed},
        {"signature without its version byte", {"ZCHAT", "WHO", s}, error_code::bad_signature},
        {"signature with two version bytes",
         {"ZCHAT\x01\x01", "WHO", s},
         error_code::bad_signature},
        {"lower-case signature", {"zchat\x01", "WHO", s}, error_code::bad_signature},
        {"an HTTP request", {"GET / HTTP/1.1"}, error_code::bad_signature},
        {"version 0", {std::string("ZCHAT\0", 6), "WHO", s}, error_code::unsupported_version},
        {"version 2", {"ZCHAT\x02", "WHO", s}, error_code::unsupported_version},
        {"version 255", {"ZCHAT\xff", "WHO", s}, error_code::unsupported_version},
        {"version 2 with only the signature", {"ZCHAT\x02"}, error_code::unsupported_version},
        {"version 2 with an unknown command",
         {"ZCHAT\x02", "SHOUT"},
         error_code::unsupported_version},
        {"an empty command word", {header(), "", s}, error_code::unknown_command},
        {"a lower-case command word", {header(), "who", s}, error_code::unknown_command},
        {"a command word with a trailing space",
         {header(), "WHO ", s},
         error_code::unknown_command},
        {"a reply word sent as a command", {header(), "ACK", id, id}, error_code::unknown_command},
        {"an event word sent as a command", {header(), "LINE"}, error_code::unknown_command},
        {"an unknown command with a wrong frame count",
         {header(), "SHOUT"},
         error_code::unknown_command},
        {"an empty secret", {header(), "WHO", ""}, error_code::malformed},
        {"a 15-byte secret", {header(), "WHO", s.substr(1)}, error_code::malformed},
        {"a 17-byte secret", {header(), "BYE", s + "x"}, error_code::malformed},
        {"a 23-byte resume frame",
         {header(), "HELLO", "bob", id + s.substr(1)},
         error_code::malformed},
        {"a 25-byte resume frame", {header(), "HELLO", "bob", id + s + "x"}, error_code::malformed},
        {"an 8-byte resume frame", {header(), "HELLO", "bob", id}, error_code::malformed},
        {"a 257-byte name", {header(), "HELLO", std::string(257, 'a'), ""}, error_code::too_long},
        {"a 65537-byte text",
         {header(), "SAY", s, id, std::string(65537, 'a')},
         error_code::too_long},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_command_frames(c.frames)), c.code);
    }
}

TEST(DecodeCommand, RefusesEachCommandWithOneFrameMissing) {
    for (const command& c : sample_commands()) {
        frame_list f = encode(c);
        f.pop_back();
        SCOPED_TRACE(f[1]);
        EXPECT_EQ(error_of(decode_command_frames(f)), error_code::malformed);
    }
}

TEST(DecodeCommand, RefusesEachCommandWithOneExtraFrame) {
    for (const command& c : sample_commands()) {
        frame_list f = encode(c);
        f.push_back("");
        SCOPED_TRACE(f[1]);
        EXPECT_EQ(error_of(decode_command_frames(f)), error_code::malformed);
    }
}

TEST(DecodeCommand, RefusesANarrowNumberAsMalformedAndAWideOneAsTooLong) {
    struct field {
        command message;
        std::size_t frame;
    };
    const std::vector<field> numbers{
        {ready{secret, 41}, 3},
        {say{secret, 1, "hi"}, 3},
        {ping{secret, 44}, 3},
    };
    for (const field& n : numbers) {
        const frame_list good = encode(n.message);
        SCOPED_TRACE(good[1]);
        ASSERT_EQ(good[n.frame].size(), 8u);
        frame_list f = good;
        f[n.frame] = good[n.frame].substr(1);
        EXPECT_EQ(error_of(decode_command_frames(f)), error_code::malformed);
        f[n.frame] = "";
        EXPECT_EQ(error_of(decode_command_frames(f)), error_code::malformed);
        f[n.frame] = std::string(1, '\0') + good[n.frame];
        EXPECT_EQ(error_of(decode_command_frames(f)), error_code::too_long);
    }
}

TEST(DecodeCommand, RefusesAWrongSizedSecretInEveryCommandThatCarriesOne) {
    for (const command& c : sample_commands()) {
        frame_list f = encode(c);
        if (f[1] == "HELLO")
            continue;
        SCOPED_TRACE(f[1]);
        ASSERT_EQ(f[2], bytes(secret));
        f[2] = bytes(secret).substr(1);
        EXPECT_EQ(error_of(decode_command_frames(f)), error_code::malformed);
        f[2] = bytes(secret) + "x";
        EXPECT_EQ(error_of(decode_command_frames(f)), error_code::malformed);
    }
}

TEST(DecodeCommand, NamesTheSupportedVersionWhenRefusingAnother) {
    const auto d = decode_command_frames({"ZCHAT\x02", "HELLO", "bob", ""});
    EXPECT_EQ(error_of(d), error_code::unsupported_version);
    EXPECT_EQ(test::reason_of(d), "protocol version 2 is not supported; supported versions: 1");
}

TEST(DecodeCommand, ChecksTheFrameCountBeforeAnyField) {
    // A wide message id would be E_TOO_LONG, but the missing text frame is found first.
    const frame_list f{header(), "SAY", bytes(secret), std::string(9, '\0')};
    EXPECT_EQ(error_of(decode_command_frames(f)), error_code::malformed);
}

TEST(DecodeCommand, ReportsTheFirstBadFieldInFrameOrder) {
    const frame_list short_secret_then_wide_id{header(), "SAY", bytes(secret).substr(1),
                                               std::string(9, '\0'), "hi"};
    EXPECT_EQ(error_of(decode_command_frames(short_secret_then_wide_id)), error_code::malformed);
    const frame_list wide_id_then_long_text{header(), "SAY", bytes(secret), std::string(9, '\0'),
                                            std::string(65537, 'a')};
    EXPECT_EQ(error_of(decode_command_frames(wide_id_then_long_text)), error_code::too_long);
    EXPECT_EQ(test::reason_of(decode_command_frames(wide_id_then_long_text)),
              "message id must be 8 bytes");
}

TEST(DecodeCommand, AcceptsANameOf256BytesAndATextOf65536Bytes) {
    const std::string name(max_name_bytes, 'a');
    const frame_list long_name{header(), "HELLO", name, ""};
    EXPECT_EQ(decode_command_frames(long_name), (decoded<command>{hello{name, std::nullopt}}));
    const std::string text(max_text_bytes, 'a');
    const frame_list long_text{header(), "SAY", bytes(secret), be<std::uint64_t>(1), text};
    EXPECT_EQ(decode_command_frames(long_text), (decoded<command>{say{secret, 1, text}}));
}

TEST(DecodeCommand, LeavesNameAndTextContentToValidation) {
    // Structure only: bytes that validate.hpp refuses still decode.
    const frame_list empty_name{header(), "HELLO", "", ""};
    EXPECT_EQ(decode_command_frames(empty_name), (decoded<command>{hello{"", std::nullopt}}));
    const frame_list bad_text{header(), "SAY", bytes(secret), be<std::uint64_t>(0), "\xff"};
    EXPECT_EQ(decode_command_frames(bad_text), (decoded<command>{say{secret, 0, "\xff"}}));
}

TEST(DecodeCommand, ReadsAResumeTicketAsSessionIdThenSecret) {
    const frame_list f{header(), "HELLO", "bob",
                       be<std::uint64_t>(0x0102030405060708) + bytes(secret)};
    EXPECT_EQ(decode_command_frames(f),
              (decoded<command>{hello{"bob", resume_ticket{0x0102030405060708, secret}}}));
}

// ---- Malformed replies and events ----

TEST(DecodeReply, RefusesMalformedRepliesWithTheDocumentedCode) {
    const std::string id = be<std::uint64_t>(1);
    const std::vector<bad_command> cases{
        {"no frames", {}, error_code::malformed},
        {"one empty frame", {""}, error_code::malformed},
        {"only the signature", {header()}, error_code::malformed},
        {"a wrong signature", {"ZCHAX\x01", "ACK", id, id}, error_code::bad_signature},
        {"version 2", {"ZCHAT\x02", "ACK", id, id}, error_code::unsupported_version},
        {"a command word", {header(), "WHO", bytes(secret)}, error_code::unknown_command},
        {"ACK with a frame missing", {header(), "ACK", id}, error_code::malformed},
        {"ACK with an extra frame", {header(), "ACK", id, id, id}, error_code::malformed},
        {"ROSTER without its version", {header(), "ROSTER"}, error_code::malformed},
        {"ROSTER with a 257-byte name",
         {header(), "ROSTER", id, std::string(257, 'a')},
         error_code::too_long},
        {"ERROR with a 1-byte code", {header(), "ERROR", "\x01", id, "x"}, error_code::malformed},
        {"ERROR with a 4-byte code",
         {header(), "ERROR", be<std::uint32_t>(1), id, "x"},
         error_code::too_long},
        {"WELCOME with a 9-frame body",
         {header(), "WELCOME", "a", id, bytes(secret), id, id, "", "", "", ""},
         error_code::malformed},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_reply_frames(c.frames)), c.code);
    }
}

TEST(DecodeReply, KeepsAnErrorCodeItDoesNotKnow) {
    const frame_list f{header(), "ERROR", be<std::uint16_t>(999), be<std::uint64_t>(0), "new"};
    EXPECT_EQ(decode_reply_frames(f),
              (decoded<reply>{error{static_cast<error_code>(999), 0, "new"}}));
}

TEST(DecodeEvent, RefusesMalformedEventsWithTheDocumentedCode) {
    const std::string n = be<std::uint64_t>(1);
    const std::vector<bad_command> cases{
        {"no frames", {}, error_code::malformed},
        {"only a topic", {"chat/lobby/"}, error_code::malformed},
        {"a topic and an empty frame", {"chat/lobby/", ""}, error_code::malformed},
        {"no topic frame", {header(), "SHUTDOWN", n, n}, error_code::bad_signature},
        {"a wrong signature",
         {"sys/shutdown/", "ZCHAX\x01", "SHUTDOWN", n, n},
         error_code::bad_signature},
        {"version 2",
         {"sys/shutdown/", "ZCHAT\x02", "SHUTDOWN", n, n},
         error_code::unsupported_version},
        {"an unknown word",
         {"sys/shutdown/", header(), "RESTART", n, n},
         error_code::unknown_command},
        {"SHUTDOWN without its seq",
         {"sys/shutdown/", header(), "SHUTDOWN", n},
         error_code::malformed},
        {"LEAVE without its reason",
         {"presence/lobby/", header(), "LEAVE", n, n, "bob", n, be<std::uint32_t>(1), n},
         error_code::malformed},
        {"LEAVE with a 2-byte reason",
         {"presence/lobby/", header(), "LEAVE", n, n, "bob", n, be<std::uint32_t>(1), n,
          be<std::uint16_t>(1)},
         error_code::too_long},
        {"HEARTBEAT with an 8-byte online count",
         {"sys/heartbeat/", header(), "HEARTBEAT", n, n, n, n, be<std::uint32_t>(1000)},
         error_code::too_long},
        {"PROBE with a 4-byte epoch",
         {"probe/1/", header(), "PROBE", be<std::uint32_t>(1), n, n},
         error_code::malformed},
    };
    for (const bad_command& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(error_of(decode_event_frames(c.frames)), c.code);
    }
}

TEST(DecodeEvent, KeepsALeaveReasonItDoesNotKnow) {
    const std::string n = be<std::uint64_t>(1);
    const frame_list f{"presence/lobby/",    header(), "LEAVE", n, n, "bob", n,
                       be<std::uint32_t>(0), n,        "\x09"};
    EXPECT_EQ(decode_event_frames(f),
              (decoded<event>{left{1, 1, "bob", 1, 0, 1, static_cast<leave_reason>(9)}}));
}

TEST(DecodeEvent, DecodesByItsWordWhateverTheTopicSays) {
    frame_list f = encode(event{shutdown{3, 4}});
    f[0] = "chat/lobby/";
    EXPECT_EQ(decode_event_frames(f), (decoded<event>{shutdown{3, 4}}));
}

// ---- Event headers ----

TEST(DecodeEventHeader, AgreesWithTheFullDecodeOnEveryEvent) {
    for (const event& e : sample_events()) {
        const frame_list f = encode(e);
        const auto v = views(f);
        const auto h = decode_event_header(v, 5);
        ASSERT_TRUE(h.has_value());
        EXPECT_EQ(h->kind, event_kind_of(e));
        std::visit(
            [&](const auto& ev) {
                EXPECT_EQ(h->epoch, ev.epoch);
                EXPECT_EQ(h->seq, ev.seq);
            },
            e);
        if (const auto* l = std::get_if<line>(&e))
            EXPECT_EQ(h->text_head, std::string_view{l->text}.substr(0, 5));
        else
            EXPECT_TRUE(h->text_head.empty());
    }
}

TEST(DecodeEventHeader, KeepsAsMuchOfTheTextAsAskedAndNoMoreThanThereIs) {
    const frame_list f = encode(event{line{1, 2, "alice", 7, 3, "Hello"}});
    const auto v = views(f);
    EXPECT_EQ(decode_event_header(v, 0)->text_head, "");
    EXPECT_EQ(decode_event_header(v, 4)->text_head, "Hell");
    EXPECT_EQ(decode_event_header(v, 5)->text_head, "Hello");
    EXPECT_EQ(decode_event_header(v, 1000)->text_head, "Hello");
    // A view into the frame itself: nothing copied.
    EXPECT_EQ(decode_event_header(v, 5)->text_head.data(), v[8].data());
}

TEST(DecodeEventHeader, ChecksNothingBeyondTheHeaderAndTheFrameCount) {
    const std::string n = be<std::uint64_t>(9);
    // A sender longer than allowed, a 1-byte session id, an empty text: a full decode refuses
    // the first two; the header is still readable.
    const frame_list f{"other/", header(), "LINE", n, n, std::string(300, 'x'), "1", n, ""};
    const auto v = views(f);
    EXPECT_EQ(decode_event_header(v, 8), (event_header{event_kind::line, 9, 9, ""}));
}

TEST(DecodeEventHeader, RefusesWhatIsNotAnEventHeader) {
    const std::string n = be<std::uint64_t>(1);
    const std::vector<std::pair<std::string, frame_list>> cases{
        {"no frames", {}},
        {"only a topic", {"chat/lobby/"}},
        {"no epoch or seq", {"chat/lobby/", header(), "LINE"}},
        {"no seq", {"sys/shutdown/", header(), "SHUTDOWN", n}},
        {"no topic frame", {header(), "SHUTDOWN", n, n}},
        {"an empty signature frame", {"sys/shutdown/", "", "SHUTDOWN", n, n}},
        {"a wrong signature", {"sys/shutdown/", "ZCHAX\x01", "SHUTDOWN", n, n}},
        {"version 2", {"sys/shutdown/", "ZCHAT\x02", "SHUTDOWN", n, n}},
        {"a long signature frame", {"sys/shutdown/", header() + "x", "SHUTDOWN", n, n}},
        {"an unknown word", {"sys/shutdown/", header(), "RESTART", n, n}},
        {"a command word", {"sys/shutdown/", header(), "SAY", n, n}},
        {"LINE without its text", {"chat/lobby/", header(), "LINE", n, n, "bob", n, n}},
        {"LINE with an extra frame",
         {"chat/lobby/", header(), "LINE", n, n, "bob", n, n, "hi", "more"}},
        {"a 7-byte epoch", {"sys/shutdown/", header(), "SHUTDOWN", n.substr(1), n}},
        {"a 9-byte seq", {"sys/shutdown/", header(), "SHUTDOWN", n, n + "x"}},
        {"an empty seq", {"sys/shutdown/", header(), "SHUTDOWN", n, ""}},
    };
    for (const auto& [what, frames] : cases) {
        SCOPED_TRACE(what);
        const auto v = views(frames);
        EXPECT_EQ(decode_event_header(v, 64), std::nullopt);
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

TEST(DecodeEventHeader, ReadsNoFurtherThanAnyTruncatedFrameOrFrameList) {
    const frame_list whole = encode(event{line{1, 2, "alice", 7, 3, "Hello"}});
    for (std::size_t count = 0; count <= whole.size(); ++count) {
        const exact_frames f(
            frame_list(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(count)));
        EXPECT_EQ(decode_event_header(f.views, 64).has_value(), count == whole.size());
    }
    for (std::size_t i = 0; i < whole.size(); ++i) {
        for (std::size_t size = 0; size < whole[i].size(); ++size) {
            SCOPED_TRACE("frame " + std::to_string(i) + " cut to " + std::to_string(size));
            frame_list cut = whole;
            cut[i] = whole[i].substr(0, size);
            const exact_frames f(cut);
            const auto h = decode_event_header(f.views, 64);
            // Only the frames the header does not read may be cut without refusal.
            const bool read = i >= 1 && i <= 4;
            EXPECT_EQ(h.has_value(), !read);
            if (h && i == 8) {
                EXPECT_EQ(h->text_head, whole[8].substr(0, size));
            }
        }
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
