// The bench's ZMTP bytes: what its connections say, byte for byte, and how they split a peer's
// stream, whatever the reads that bring it.
#include "tools/bench/zmtp.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zchat::bench::zmtp {
namespace {

using namespace std::string_literals;

// A publisher's greeting (ZMTP 3.1, NULL, as libzmq sends it) and its READY.
std::string publisher_hello() {
    std::string greeting = "\xff\0\0\0\0\0\0\0\1\x7f\3\1NULL"s;
    greeting.resize(64, '\0');
    return greeting + "\4\31\5READY\13Socket-Type\0\0\0\3PUB"s;
}

// Message frames: all but the last with MORE.
std::string message(const std::vector<std::string>& frames) {
    std::string out;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const bool more = i + 1 < frames.size();
        out += static_cast<char>(more ? 1 : 0);
        out += static_cast<char>(frames[i].size());
        out += frames[i];
    }
    return out;
}

TEST(Zmtp, AClientGreetsAsZmtp30WithTheNullMechanismAndNamesItsSocketType) {
    std::string greeting = "\xff\0\0\0\0\0\0\0\0\x7f\3\0NULL"s;
    greeting.resize(64, '\0');
    EXPECT_EQ(hello("SUB"), greeting + "\4\31\5READY\13Socket-Type\0\0\0\3SUB"s);
    EXPECT_EQ(hello("DEALER"), greeting + "\4\34\5READY\13Socket-Type\0\0\0\6DEALER"s);
}

TEST(Zmtp, AMessagesFramesAllButTheLastSayMore) {
    std::string out = "x";
    const std::vector<std::string_view> frames = {"SAY", "", "hi"};
    append_message(out, frames);
    EXPECT_EQ(out, "x\1\3SAY\1\0\0\2hi"s);
}

TEST(Zmtp, SubscriptionsAreOneFrameMessagesOfOneOrZeroAndThePrefix) {
    EXPECT_EQ(subscription("chat/lobby/", true), "\0\14\1chat/lobby/"s);
    EXPECT_EQ(subscription("probe/7/", false), "\0\11\0probe/7/"s);
    EXPECT_EQ(subscription("", true), "\0\1\1"s);
}

TEST(Zmtp, APongSendsThePingsContextBack) {
    EXPECT_EQ(pong("ctx"), "\4\10\4PONGctx"s);
    EXPECT_EQ(pong(""), "\4\5\4PONG"s);
}

TEST(Zmtp, FramesOverTwoHundredFiftyFiveBytesTakeALongSize) {
    const std::string topic(300, 't');
    const std::string bytes = subscription(topic, true);
    ASSERT_EQ(bytes.size(), 1 + 8 + 1 + topic.size());
    EXPECT_EQ(bytes.substr(0, 9), "\2\0\0\0\0\0\0\1\55"s); // 301, big-endian

    reader r;
    std::vector<std::string_view> frames;
    const std::string stream = publisher_hello() + "\2\0\0\0\0\0\0\1\55"s + bytes.substr(9);
    const parsed p = r.next(stream, frames);
    ASSERT_EQ(p.what, parsed::kind::message);
    EXPECT_EQ(p.used, stream.size());
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0], "\1" + topic);
}

TEST(Zmtp, TheReaderTakesTheHandshakeThenMessagesHoweverTheBytesAreCut) {
    const std::string stream = publisher_hello() + message({"chat/lobby/", "body one"}) +
                               message({"sys/heartbeat/", "", "third"});
    // Every split of the stream into two reads gives the same two messages.
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        reader r;
        std::vector<std::vector<std::string>> got;
        std::string pending;
        std::vector<std::string_view> frames;
        for (const std::string& chunk : {stream.substr(0, cut), stream.substr(cut)}) {
            pending += chunk;
            for (;;) {
                const parsed p = r.next(pending, frames);
                ASSERT_NE(p.what, parsed::kind::failed) << p.error;
                if (p.what == parsed::kind::message)
                    got.emplace_back(frames.begin(), frames.end());
                pending.erase(0, p.used);
                if (p.what == parsed::kind::need_more)
                    break;
            }
        }
        EXPECT_TRUE(r.ready());
        EXPECT_TRUE(pending.empty()) << "cut at " << cut;
        ASSERT_EQ(got.size(), 2u) << "cut at " << cut;
        EXPECT_EQ(got[0], (std::vector<std::string>{"chat/lobby/", "body one"}));
        EXPECT_EQ(got[1], (std::vector<std::string>{"sys/heartbeat/", "", "third"}));
    }
}

TEST(Zmtp, TheHandshakeIsNotOverUntilThePublishersReadyHasCome) {
    reader r;
    std::vector<std::string_view> frames;
    const std::string hello = publisher_hello();
    const parsed greeting_only = r.next(hello.substr(0, 64), frames);
    EXPECT_EQ(greeting_only.what, parsed::kind::need_more);
    EXPECT_EQ(greeting_only.used, 64u);
    EXPECT_FALSE(r.ready());
    const parsed ready = r.next(hello.substr(64), frames);
    EXPECT_EQ(ready.what, parsed::kind::need_more);
    EXPECT_EQ(ready.used, hello.size() - 64);
    EXPECT_TRUE(r.ready());
}

TEST(Zmtp, APingIsHandedOutWithItsContextAndOtherCommandsAreSkipped) {
    reader r;
    std::vector<std::string_view> frames;
    const std::string stream =
        publisher_hello() + "\4\7\4PONGab"s + "\4\12\4PING\0\12ctx"s + message({"a/", "x"});
    const parsed ping = r.next(stream, frames);
    ASSERT_EQ(ping.what, parsed::kind::ping);
    EXPECT_EQ(ping.context, "ctx");
    const parsed next = r.next(std::string_view(stream).substr(ping.used), frames);
    ASSERT_EQ(next.what, parsed::kind::message);
    EXPECT_EQ(frames, (std::vector<std::string_view>{"a/", "x"}));
}

TEST(Zmtp, WhatIsNotAPublishersZmtpFailsWithAReason) {
    struct bad_case {
        std::string stream;
        std::string reason;
    };
    std::string http = "HTTP/1.1 400 Bad Request\r\n";
    http.resize(64, ' ');
    std::string zmtp2 = publisher_hello();
    zmtp2[10] = 1;
    std::string curve = publisher_hello();
    curve.replace(12, 5, "CURVE");
    const std::vector<bad_case> cases = {
        {http, "no ZMTP signature"},
        {zmtp2, "ZMTP 1, not 3"},
        {curve, "other than NULL"},
        {publisher_hello().substr(0, 64) + message({"a/", "x"}), "before the peer's READY"},
        {publisher_hello().substr(0, 64) + "\4\6\5HELLO"s, "began with HELLO"},
        {publisher_hello() + "\4\13\5ERROR\4gone"s, "ERROR: gone"},
        {publisher_hello() + "\1\2a/\4\7\4PING\0\0"s, "a command inside a message"},
        {publisher_hello() + "\2\0\0\0\0\2\0\0\0"s, "a frame larger than"},
    };
    for (const bad_case& c : cases) {
        reader r;
        std::vector<std::string_view> frames;
        const parsed p = r.next(c.stream, frames);
        EXPECT_EQ(p.what, parsed::kind::failed) << c.reason;
        EXPECT_NE(p.error.find(c.reason), std::string::npos) << p.error;
    }
}

} // namespace
} // namespace zchat::bench::zmtp
