// One hostile message against the real broker, case by case (RELIABILITY.md A1 to A5, A7 to A11):
// a raw DEALER sends the frames while alice and bob chat, and the case asserts the exact ERROR
// code and message id (or the documented silent drop), that nothing else comes back, then the
// oracles of scene::finish: a probe client is served, fds return to the baseline, RSS stays
// bounded, the conversation lost nothing, and the shutdown counters hold exactly this one
// rejection. Each case has a broker of its own, so every counter is the case's alone.
#include "tests/hostile/harness.hpp"

#include "tests/broker/test_client.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace zchat::hostile {
namespace {

using proto::error_code;
using frames = proto::frame_list;

// Who sends the message: a connection that never said HELLO (its "secret" is 16 zero bytes), or
// mallory, joined through the whole handshake, sending with her real secret.
enum class sender { stranger, joined };

struct bad_message {
    std::string name;
    sender from;
    // Builds the frames from the sender's secret frame.
    std::function<frames(const std::string& secret)> build;
    // The ERROR expected, or nothing for a documented silent drop: a PING without a session,
    // which is counted as E_NOT_JOINED all the same.
    std::optional<error_code> expect;
    std::uint64_t message_id = 0; // the ERROR's message id
    std::string reason_has;       // a fragment the reason must contain, if any
};

void PrintTo(const bad_message& m, std::ostream* os) {
    *os << m.name;
}

// Frames of well-known commands with one part replaced.
frames hello(std::string name, std::string resume = "") {
    return {sig, "HELLO", std::move(name), std::move(resume)};
}
frames say(const std::string& secret, std::string text, std::string id = u64(77)) {
    return {sig, "SAY", secret, std::move(id), std::move(text)};
}

const std::string zero_secret(16, '\0');

std::vector<bad_message> cases() {
    std::vector<bad_message> c;
    const auto stranger = [&](std::string name, frames f, std::optional<error_code> e,
                              std::uint64_t id = 0, std::string reason = {}) {
        c.push_back({std::move(name), sender::stranger,
                     [f = std::move(f)](const std::string&) { return f; }, e, id,
                     std::move(reason)});
    };
    const auto joined = [&](std::string name, std::function<frames(const std::string&)> build,
                            std::optional<error_code> e, std::uint64_t id = 0) {
        c.push_back({std::move(name), sender::joined, std::move(build), e, id, {}});
    };

    // A1: nothing, or next to nothing.
    stranger("EmptyMessage", {}, error_code::malformed);
    stranger("TwoEmptyFrames", {"", ""}, error_code::malformed);
    stranger("EmptyDelimiterBeforeHello", {"", sig, "HELLO", "mallory", ""}, error_code::malformed);
    stranger("OnlyTheSignature", {sig}, error_code::malformed);
    stranger("EmptyCommandWord", {sig, ""}, error_code::unknown_command);

    // A2: not our signature.
    stranger("HttpRequest", {"GET / HTTP/1.1", "Host: broker", ""}, error_code::bad_signature);
    stranger("NearMissSignature", {std::string{"ZCHAX\x01", 6}, "WHO", zero_secret},
             error_code::bad_signature);
    stranger("LowerCaseSignature", {std::string{"zchat\x01", 6}, "WHO", zero_secret},
             error_code::bad_signature);
    stranger("SignatureWithoutVersion", {"ZCHAT", "WHO", zero_secret}, error_code::bad_signature);
    stranger("SignatureOneByteTooLong", {sig + '\x01', "WHO", zero_secret},
             error_code::bad_signature);
    stranger("HugeSignatureFrame", {sig + std::string(60000, 'A'), "WHO", zero_secret},
             error_code::bad_signature);

    // A3: our signature, another version; the reason names the supported versions.
    for (const unsigned v : {0u, 2u, 255u})
        stranger("Version" + std::to_string(v),
                 {std::string{"ZCHAT"} + static_cast<char>(v), "HELLO", "mallory", ""},
                 error_code::unsupported_version, 0, "supported versions: 1");

    // A4: not a command word. Replies and events are not commands either.
    for (const auto& [label, word] : std::vector<std::pair<std::string, std::string>>{
             {"Shout", "SHOUT"},
             {"LowerCaseHello", "hello"},
             {"HelloWithTrailingSpace", "HELLO "},
             {"HelloWithTrailingNul", std::string{"HELLO\0", 6}},
             {"ReplyWord", "WELCOME"},
             {"EventWord", "LINE"},
             {"BinaryWord", "\xff\xfe\x00\x01"}})
        stranger("UnknownCommand" + label, {sig, word, "mallory", ""}, error_code::unknown_command);

    // A5: a frame missing, one extra, more than 8, a thousand.
    stranger("HelloMissingResume", {sig, "HELLO", "mallory"}, error_code::malformed);
    stranger("HelloExtraFrame", {sig, "HELLO", "mallory", "", ""}, error_code::malformed);
    stranger("HelloEightFrames", {sig, "HELLO", "m", "", "", "", "", ""}, error_code::malformed);
    stranger("NineFrames", frames(9, sig), error_code::malformed);
    stranger("ThousandFrames", frames(1000, sig), error_code::malformed);
    stranger("WhoMissingSecret", {sig, "WHO"}, error_code::malformed);
    stranger("WhoExtraFrame", {sig, "WHO", zero_secret, ""}, error_code::malformed);
    stranger("ByeExtraFrame", {sig, "BYE", zero_secret, "x"}, error_code::malformed);
    stranger("ReadyMissingSeq", {sig, "READY", zero_secret}, error_code::malformed);
    // A PING that fails decoding is answered like any other message (PROTOCOL.md, PING).
    stranger("PingMissingSeq", {sig, "PING", zero_secret}, error_code::malformed);
    joined(
        "SayMissingText",
        [](const std::string& s) {
            return frames{sig, "SAY", s, u64(77)};
        },
        error_code::malformed);
    joined(
        "SayExtraFrame",
        [](const std::string& s) {
            return frames{sig, "SAY", s, u64(77), "hi", "[bob] forged sender"};
        },
        error_code::malformed);

    // A7: every field too long, or of the wrong width.
    stranger("NameOf257Bytes", hello(std::string(257, 'n')), error_code::too_long);
    stranger("NameOf60000Bytes", hello(std::string(60000, 'n')), error_code::too_long);
    stranger("NameOf33Chars", hello(std::string(33, 'n')), error_code::too_long);
    stranger("NameOf33TwoByteChars", hello([] {
                 std::string s;
                 for (int i = 0; i < 33; ++i)
                     s += "\xc3\xa9"; // é
                 return s;
             }()),
             error_code::too_long);
    stranger("ResumeOf23Bytes", hello("mallory", std::string(23, 'r')), error_code::malformed);
    stranger("ResumeOf25Bytes", hello("mallory", std::string(25, 'r')), error_code::malformed);
    stranger("SecretOf15Bytes", {sig, "WHO", std::string(15, 's')}, error_code::malformed);
    stranger("SecretOf17Bytes", {sig, "BYE", std::string(17, 's')}, error_code::malformed);
    stranger("EmptySecret", {sig, "WHO", ""}, error_code::malformed);
    stranger("ProbeSeqOf4Bytes", {sig, "READY", zero_secret, std::string(4, '\0')},
             error_code::malformed);
    stranger("ProbeSeqOf9Bytes", {sig, "READY", zero_secret, std::string(9, '\0')},
             error_code::too_long);
    stranger("PingSeqOf9Bytes", {sig, "PING", zero_secret, std::string(9, '\0')},
             error_code::too_long);
    joined(
        "MessageIdOf9Bytes",
        [](const std::string& s) { return say(s, "hi", std::string(9, '\0')); },
        error_code::too_long);
    joined(
        "MessageIdOf7Bytes",
        [](const std::string& s) { return say(s, "hi", std::string(7, '\0')); },
        error_code::malformed);
    joined(
        "EmptyMessageId", [](const std::string& s) { return say(s, "hi", ""); },
        error_code::malformed);
    // Over the broker's limit (4096) but within the codec's: refused with the SAY's id.
    joined(
        "TextOf4097Bytes", [](const std::string& s) { return say(s, std::string(4097, 't')); },
        error_code::too_long, 77);
    joined(
        "TextOf65536Bytes", [](const std::string& s) { return say(s, std::string(65536, 't')); },
        error_code::too_long, 77);
    // A text over the codec's cap (65537 bytes) is a frame over ZMQ_MAXMSGSIZE: libzmq drops
    // the connection before the broker sees it (floods_test, Frames.AFrameOverTheMaximum...).
    joined(
        "EmptyText", [](const std::string& s) { return say(s, ""); }, error_code::empty_text, 77);

    // A8: invalid UTF-8, in a name (HELLO) and in a text (SAY).
    for (const auto& [label, bytes] :
         std::vector<std::pair<std::string, std::string>>{{"OverlongC0AF", "\xc0\xaf"},
                                                          {"OverlongE080AF", "\xe0\x80\xaf"},
                                                          {"SurrogateEDA080", "\xed\xa0\x80"},
                                                          {"TruncatedE282", "\xe2\x82"},
                                                          {"ByteFF", "\xff"},
                                                          {"AboveMaxF4908080", "\xf4\x90\x80\x80"},
                                                          {"StrayContinuation80", "\x80"},
                                                          {"ByteF5", "\xf5\x80\x80\x80"}}) {
        stranger("NameUtf8" + label, hello("m" + bytes + "x"), error_code::bad_utf8);
        joined(
            "TextUtf8" + label, [b = bytes](const std::string& s) { return say(s, "a" + b + "z"); },
            error_code::bad_utf8, 77);
    }
    // Noncharacters are refused in names (E_NAME_INVALID) and allowed in text (sessions_test).
    stranger("NameNoncharacterFFFF", hello("m\xef\xbf\xbfx"), error_code::name_invalid);

    // A9: C0 and C1 controls and terminal escapes: refused in names (TAB too) and texts.
    const std::vector<std::pair<std::string, std::string>> controls{
        {"Nul", std::string{"\0", 1}},
        {"U0001", "\x01"},
        {"U001F", "\x1f"},
        {"Del", "\x7f"},
        {"C1Csi", "\xc2\x9b"},
        {"C1U0080", "\xc2\x80"},
        {"ClearScreen", "\x1b[2J"},
        {"OscTitle", "\x1b]0;owned\x07"},
        {"OscClipboard", "\x1b]52;c;Zm9v\x07"},
        {"BracketedPasteEnd", "\x1b[201~"},
        {"MouseTracking", "\x1b[?1000h"},
        {"Dcs", "\x1bPq#0\x1b\\"},
        {"CarriageReturn", "\r"},
        {"LineFeedForgery", "\n[bob] fake"},
    };
    for (const auto& [label, bytes] : controls) {
        stranger("NameControl" + label, hello("m" + bytes), error_code::control_char);
        joined(
            "TextControl" + label, [b = bytes](const std::string& s) { return say(s, "hi" + b); },
            error_code::control_char, 77);
    }
    stranger("NameControlTab", hello("m\tx"), error_code::control_char);

    // A10: names. ASCII case twins of a joined name are taken; invisible, bidi, mixed-script,
    // space, private-use and reserved names are invalid (PROTOCOL.md section 11).
    stranger("NameCaseTwinUpper", hello("ALICE"), error_code::name_taken);
    stranger("NameCaseTwinMixed", hello("Bob"), error_code::name_taken);
    stranger("NameCyrillicLookalike", hello("\xd0\xb0lice"), error_code::name_invalid); // а
    stranger("NameGreekLookalike",
             hello("b\xce\xbf"
                   "b"),
             error_code::name_invalid); // ο
    stranger("NameZeroWidthSpace", hello("al\xe2\x80\x8bice"), error_code::name_invalid);
    stranger("NameByteOrderMark",
             hello("\xef\xbb\xbf"
                   "alice"),
             error_code::name_invalid);
    stranger("NameBidiOverride", hello("m\xe2\x80\xaex"), error_code::name_invalid);
    stranger("NameBidiIsolate", hello("m\xe2\x81\xa6x"), error_code::name_invalid);
    stranger("NameReplacementChar", hello("m\xef\xbf\xbd"), error_code::name_invalid);
    stranger("NamePrivateUse", hello("m\xee\x80\x80"), error_code::name_invalid);
    stranger("NameWithSpace", hello("mal lory"), error_code::name_invalid);
    stranger("NameWithNoBreakSpace", hello("mal\xc2\xa0lory"), error_code::name_invalid);
    stranger("NameEmpty", hello(""), error_code::name_invalid);
    for (const auto& [label, reserved] :
         std::vector<std::pair<std::string, std::string>>{{"You", "You"},
                                                          {"YouLower", "you"},
                                                          {"YouUpper", "YOU"},
                                                          {"Server", "server"},
                                                          {"ServerCapital", "Server"}})
        stranger("NameReserved" + label, hello(reserved), error_code::name_invalid);

    // A11: commands before HELLO. SAY's ERROR carries its message id; PING is dropped silently
    // (and counted).
    stranger("SayBeforeHello", say(zero_secret, "hi", u64(5)), error_code::not_joined, 5);
    stranger("WhoBeforeHello", {sig, "WHO", zero_secret}, error_code::not_joined);
    stranger("ByeBeforeHello", {sig, "BYE", zero_secret}, error_code::not_joined);
    stranger("ReadyBeforeHello", {sig, "READY", zero_secret, u64(0)}, error_code::not_joined);
    stranger("PingBeforeHello", {sig, "PING", zero_secret, u64(0)}, std::nullopt);
    // A joined connection presenting another secret is a stranger too.
    joined(
        "SayWithWrongSecret",
        [](const std::string&) { return say(std::string(16, '\x5a'), "hi", u64(9)); },
        error_code::not_joined, 9);
    joined(
        "PingWithWrongSecret",
        [](const std::string&) {
            return frames{sig, "PING", std::string(16, '\x5a'), u64(0)};
        },
        std::nullopt);
    return c;
}

class BadMessage : public ::testing::TestWithParam<bad_message> {};

TEST_P(BadMessage, DrawsItsErrorAndHarmsNobody) {
    const bad_message& m = GetParam();
    scene s;
    {
        std::optional<test::test_client> mallory;
        std::optional<raw_peer> raw;
        zmq::socket_t* socket = nullptr;
        std::string secret = zero_secret;
        if (m.from == sender::joined) {
            mallory.emplace(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
            ASSERT_NO_THROW(mallory->join("mallory"));
            secret = secret_frame(mallory->welcome()->secret);
            socket = &mallory->dealer();
        } else {
            raw.emplace(s.ctx, s.broker.router());
            socket = &raw->socket();
        }
        send_frames(*socket, m.build(secret));
        const auto first = recv_reply(*socket, m.expect ? 3000ms : 300ms);
        if (m.expect) {
            const auto* e = first ? std::get_if<proto::error>(&*first) : nullptr;
            ASSERT_NE(e, nullptr) << "expected " << proto::error_name(*m.expect) << ", got "
                                  << describe(first);
            EXPECT_EQ(e->code, *m.expect) << describe(first);
            EXPECT_EQ(e->message_id, m.message_id) << describe(first);
            if (!m.reason_has.empty()) {
                EXPECT_NE(e->reason.find(m.reason_has), std::string::npos) << e->reason;
            }
            // One ERROR per refused message, and nothing else.
            EXPECT_EQ(recv_reply(*socket, 100ms), std::nullopt);
        } else {
            EXPECT_EQ(first, std::nullopt) << "expected silence, got " << describe(first);
        }
        if (mallory) {
            // The session is unharmed: it still talks, then leaves cleanly.
            mallory->say(78, "still here");
            const auto ack = recv_reply(*socket, 3000ms);
            EXPECT_TRUE(ack && std::holds_alternative<proto::ack>(*ack))
                << "mallory's session after the bad message: " << describe(ack);
            mallory->bye();
            EXPECT_NO_THROW(mallory->take_event<proto::left>());
        }
    }
    s.finish({{std::string{proto::error_name(m.expect.value_or(error_code::not_joined))}, 1}});
}

INSTANTIATE_TEST_SUITE_P(Hostile, BadMessage, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<bad_message>& p) {
                             return p.param.name;
                         });

} // namespace
} // namespace zchat::hostile
