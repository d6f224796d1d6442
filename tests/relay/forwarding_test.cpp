// The relay's decisions, without sockets: commands go up as they came unless the broker could
// not answer them along their path, which the relay answers itself as the broker would; replies
// go down when they name the next hop; everything is counted.
#include "relay/forwarding.hpp"

#include "proto/envelope.hpp"

#include <gtest/gtest.h>
#include <zmq.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zchat::relay {
namespace {

using namespace std::chrono_literals;
using frames = std::vector<std::string_view>;
const forwarding::time_point t0 = forwarding::time_point{} + 1h;

const std::string hello =
    proto::encode(proto::command{proto::hello{"alice", "lobby", std::nullopt}}).front();
const std::string welcome_body = proto::encode(proto::reply{proto::welcome{}}).front();

proto::error_code answered_code(const forwarding& f) {
    const auto& answer = f.answer_to_sender();
    const std::vector<std::string_view> views(answer.begin(), answer.end());
    const auto decoded = proto::decode_reply(views);
    return std::get<proto::error>(std::get<proto::reply>(decoded)).code;
}

TEST(Forwarding, CommandsWithARoutableEnvelopeGoUpAsTheyCame) {
    forwarding f;
    EXPECT_EQ(f.from_below(frames{"client", hello}, t0), verdict::forward);
    // From a relay below: its client's identity comes first in what it sends.
    EXPECT_EQ(f.from_below(frames{"relay-below", "client", hello}, t0), verdict::forward);
    // A command of two frames is the broker's to refuse, and it can answer along the path.
    EXPECT_EQ(f.from_below(frames{"client", hello, "extra"}, t0), verdict::forward);
    f.carried(direction::up, true);
    f.carried(direction::up, false); // the queue up was full
    EXPECT_EQ(f.totals(), (counters{.commands_up = 1, .dropped = 1}));
}

// What the broker would answer to the relay itself, never to the client, the relay answers the
// client with: the same ERROR as a direct client gets.
TEST(Forwarding, CommandsTheBrokerCouldNotAnswerAlongTheirPathAreAnsweredHere) {
    forwarding f;
    EXPECT_EQ(f.from_below(frames{"client", "GET / HTTP/1.1"}, t0), verdict::answer);
    EXPECT_EQ(answered_code(f), proto::error_code::bad_signature);
    EXPECT_EQ(f.from_below(frames{"client", ""}, t0), verdict::answer);
    EXPECT_EQ(answered_code(f), proto::error_code::malformed);
    // With the relay's own identity above them, max_hops identities would be one too many.
    frames too_long(proto::max_hops, "hop");
    too_long.push_back(hello);
    EXPECT_EQ(f.from_below(too_long, t0), verdict::answer);
    EXPECT_EQ(answered_code(f), proto::error_code::bad_signature);
    EXPECT_EQ(f.totals().answered_here, 3u);
}

// Under CURVE a client's command goes up with its key; a relay's key below sends the keys of its
// clients itself; an envelope the sender's key may not send is answered here as the broker would.
TEST(Forwarding, UnderCurveEachCommandGoesUpWithItsClientsKey) {
    using proto::carrier;
    forwarding f;
    const std::string key(proto::key_chars, 'K');
    EXPECT_EQ(f.from_below(frames{"client", hello}, t0, carrier::client),
              verdict::forward_with_key);
    EXPECT_EQ(f.from_below(frames{"relay-below", "client", key, hello}, t0, carrier::relay),
              verdict::forward);
    // A client posing as a relay, and a relay sending no key: answered along the identities,
    // so that the client of a relay below hears why.
    EXPECT_EQ(f.from_below(frames{"client", "other", hello}, t0, carrier::client), verdict::answer);
    EXPECT_EQ(answered_code(f), proto::error_code::malformed);
    EXPECT_EQ(f.answer_path(), 2u);
    EXPECT_EQ(f.from_below(frames{"relay-below", "client", key, hello}, t0, carrier::client),
              verdict::answer);
    EXPECT_EQ(f.answer_path(), 2u);
    EXPECT_EQ(f.from_below(frames{"relay-below", "client", hello}, t0, carrier::relay),
              verdict::answer);
    EXPECT_EQ(answered_code(f), proto::error_code::malformed);
    // A malformed command is refused as ever, whoever sends it.
    EXPECT_EQ(f.from_below(frames{"client", "GET /"}, t0, carrier::client), verdict::answer);
    EXPECT_EQ(answered_code(f), proto::error_code::bad_signature);
    EXPECT_EQ(f.answer_path(), 1u);
    EXPECT_EQ(f.totals().answered_here, 4u);
}

TEST(Forwarding, AnswersHereAreLimitedAndTheRestDropped) {
    forwarding f(2);
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(f.from_below(frames{"client", "junk"}, t0), verdict::answer);
    EXPECT_EQ(f.from_below(frames{"client", "junk"}, t0), verdict::drop);
    EXPECT_EQ(f.from_below(frames{"client", "junk"}, t0 + 1s), verdict::answer);
    EXPECT_EQ(f.totals(), (counters{.answered_here = 3, .dropped = 1}));
}

TEST(Forwarding, RepliesGoDownWhenTheyNameTheNextHop) {
    forwarding f;
    EXPECT_EQ(f.from_above(frames{"client", welcome_body}, t0), verdict::forward);
    EXPECT_EQ(f.from_above(frames{"relay-below", "client", welcome_body}, t0), verdict::forward);
    f.carried(direction::down, true);
    // The broker answered the relay itself: nobody below to give it to.
    EXPECT_EQ(f.from_above(frames{welcome_body}, t0), verdict::drop);
    EXPECT_EQ(f.from_above(frames{"", welcome_body}, t0), verdict::drop);
    EXPECT_EQ(f.totals(), (counters{.replies_down = 1, .dropped = 2}));
}

// A session is carried from its WELCOME until its BYE, or until it has been silent for as long
// as the WELCOME allowed (liveness x heartbeat); each path below counts once.
TEST(Forwarding, SessionsAreCarriedFromTheirWelcomeUntilByeOrSilence) {
    forwarding f;
    proto::welcome w;
    w.heartbeat_ms = 100;
    w.liveness = 3; // 300 ms of silence allowed
    const std::string welcome = proto::encode(proto::reply{w}).front();
    const std::string bye = proto::encode(proto::command{proto::bye{}}).front();
    const std::string ping = proto::encode(proto::command{proto::ping{}}).front();
    EXPECT_EQ(f.sessions(t0), 0u);
    EXPECT_EQ(f.from_above(frames{"alice", welcome}, t0), verdict::forward);
    EXPECT_EQ(f.from_above(frames{"relay-below", "bob", welcome}, t0), verdict::forward);
    EXPECT_EQ(f.from_above(frames{"relay-below", "carol", welcome}, t0), verdict::forward);
    EXPECT_EQ(f.sessions(t0), 3u);
    // bob keeps talking; alice and carol fall silent; then bob leaves.
    EXPECT_EQ(f.from_below(frames{"relay-below", "bob", ping}, t0 + 200ms), verdict::forward);
    EXPECT_EQ(f.sessions(t0 + 299ms), 3u);
    EXPECT_EQ(f.sessions(t0 + 300ms), 1u);
    EXPECT_EQ(f.from_below(frames{"relay-below", "bob", bye}, t0 + 400ms), verdict::forward);
    EXPECT_EQ(f.sessions(t0 + 400ms), 0u);
    // A command from a path never welcomed is no session.
    EXPECT_EQ(f.from_below(frames{"dave", ping}, t0 + 400ms), verdict::forward);
    EXPECT_EQ(f.sessions(t0 + 400ms), 0u);
}

// Nothing a client sends keeps a session counted that the broker no longer holds: only a
// command with the session's secret is heard, and an ERROR that ends the session forgets it.
TEST(Forwarding, OnlyTheSessionsOwnSecretKeepsItAndTheBrokersEndForgetsIt) {
    forwarding f;
    proto::welcome w;
    w.heartbeat_ms = 100;
    w.liveness = 3;
    w.secret.fill(0x5a);
    const std::string welcome = proto::encode(proto::reply{w}).front();
    proto::ping own;
    own.secret = w.secret;
    const std::string own_ping = proto::encode(proto::command{own}).front();
    const std::string stranger_ping = proto::encode(proto::command{proto::ping{}}).front();
    f.from_above(frames{"erin", welcome}, t0);
    f.from_above(frames{"frank", welcome}, t0);
    f.from_below(frames{"erin", own_ping}, t0 + 200ms);
    f.from_below(frames{"frank", stranger_ping}, t0 + 200ms);
    EXPECT_EQ(f.sessions(t0 + 300ms), 1u) << "frank's PING without his secret kept him";
    const std::string replaced =
        proto::encode(proto::reply{proto::error{proto::error_code::session_replaced, 0, "moved"}})
            .front();
    f.from_above(frames{"erin", replaced}, t0 + 300ms);
    EXPECT_EQ(f.sessions(t0 + 300ms), 0u);
}

TEST(Forwarding, TheSessionWatchKeepsAtMostItsCap) {
    session_watch watch;
    const proto::session_secret secret{};
    for (std::size_t i = 0; i <= session_watch::max_sessions; ++i)
        watch.welcomed(std::to_string(i), secret, 1h, t0);
    EXPECT_EQ(watch.count(t0), session_watch::max_sessions);
}

TEST(ConnectionCount, CountsAcceptedConnectionsUntilTheyDisconnect) {
    connection_count count;
    count.note(ZMQ_EVENT_ACCEPTED);
    count.note(ZMQ_EVENT_ACCEPTED);
    count.note(ZMQ_EVENT_CONNECTED); // not a connection to a bound socket: ignored
    count.note(ZMQ_EVENT_DISCONNECTED);
    EXPECT_EQ(count.now(), 1u);
    count.note(ZMQ_EVENT_DISCONNECTED);
    count.note(ZMQ_EVENT_DISCONNECTED); // never below none
    EXPECT_EQ(count.now(), 0u);
}

} // namespace
} // namespace zchat::relay
