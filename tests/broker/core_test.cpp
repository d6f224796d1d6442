// Unit tests of the broker core: commands are scripted as frames, outcomes are read from the
// outbox and decoded with the protocol library. No sockets and no sleeps: time is a time_point
// the test moves by hand, and secrets come from a counter so every session's secret is known.
#include "broker/core.hpp"
#include "broker/peer_key.hpp"

#include "proto/codec.hpp"
#include "tests/proto/support.hpp"

#include <gtest/gtest.h>

#include <tuple>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

namespace zchat::broker {
namespace {

using namespace std::chrono_literals;
using proto::error_code;
using names = std::vector<std::string>;

constexpr std::uint64_t test_epoch = 0x0123456789ABCDEF;
const time_point t0 = time_point{} + 1h;

// Heartbeats and stats so rare that they stay out of the way of tests about other things; the
// liveness and stats tests set their own intervals.
constexpr auto test_heartbeat = 1000h;

config test_config() {
    config cfg;
    cfg.heartbeat_interval = test_heartbeat;
    cfg.stats_interval = test_heartbeat;
    return cfg;
}

// The same, logging chat text.
config debug_config() {
    config cfg = test_config();
    cfg.logging = log_level::debug;
    return cfg;
}

// The log entries as "level text": "info join name=bob room=lobby online=1".
names logged(const outbox& out) {
    names lines;
    for (const log_entry& e : out.log)
        lines.push_back(std::string{log_level_name(e.level)} + " " + e.text);
    return lines;
}

// The n-th secret the test core hands out (the first session gets secret_number(1)).
proto::session_secret secret_number(std::uint8_t n) {
    proto::session_secret s{};
    s.fill(0x5A);
    s[0] = n;
    return s;
}

// ---- Reading an outbox ----

struct sent_reply {
    std::string peer;
    proto::reply reply;
};

struct published {
    std::string topic;
    proto::event event;
};

std::vector<sent_reply> replies_of(const outbox& out) {
    std::vector<sent_reply> result;
    for (const auto& r : out.replies) {
        const auto frames = proto::views(r.frames);
        auto decoded = proto::decode_reply(frames);
        if (const auto* bad = std::get_if<proto::decode_error>(&decoded)) {
            ADD_FAILURE() << "the core sent an undecodable reply: " << bad->reason;
            continue;
        }
        result.push_back({r.peer, std::get<proto::reply>(std::move(decoded))});
    }
    return result;
}

std::vector<published> publications_of(const outbox& out) {
    std::vector<published> result;
    for (const auto& p : out.publications) {
        const auto frames = proto::views(p);
        auto decoded = proto::decode_event(frames);
        if (const auto* bad = std::get_if<proto::decode_error>(&decoded)) {
            ADD_FAILURE() << "the core published an undecodable event: " << bad->reason;
            continue;
        }
        auto event = std::get<proto::event>(std::move(decoded));
        EXPECT_EQ(p.front(), proto::topic_of(event)) << "event published under the wrong topic";
        result.push_back({p.front(), std::move(event)});
    }
    return result;
}

// The only reply in the outbox, which must be of type T, sent to `peer`.
template <class T>
T only_reply(const outbox& out, std::string_view peer) {
    const auto replies = replies_of(out);
    if (replies.size() != 1) {
        ADD_FAILURE() << "expected one reply, got " << replies.size();
        return T{};
    }
    EXPECT_EQ(replies[0].peer, peer);
    const T* r = std::get_if<T>(&replies[0].reply);
    if (!r) {
        const auto* e = std::get_if<proto::error>(&replies[0].reply);
        ADD_FAILURE() << "the reply has the wrong type"
                      << (e ? " (ERROR " + std::string{proto::error_name(e->code)} + ": " +
                                  e->reason + ")"
                            : std::string{});
        return T{};
    }
    return *r;
}

// The only event published, which must be of type T.
template <class T>
T only_event(const outbox& out) {
    const auto events = publications_of(out);
    if (events.size() != 1) {
        ADD_FAILURE() << "expected one publication, got " << events.size();
        return T{};
    }
    const T* e = std::get_if<T>(&events[0].event);
    if (!e) {
        ADD_FAILURE() << "the publication under " << events[0].topic << " has the wrong type";
        return T{};
    }
    return *e;
}

// The LEAVEs published, in order.
std::vector<proto::left> departures(const outbox& out) {
    std::vector<proto::left> result;
    for (const auto& p : publications_of(out)) {
        if (const auto* l = std::get_if<proto::left>(&p.event))
            result.push_back(*l);
    }
    return result;
}

// The ERRORs an outbox tells, in order.
std::vector<error_code> errors_told(const outbox& out) {
    std::vector<error_code> codes;
    for (const auto& r : replies_of(out))
        if (const auto* e = std::get_if<proto::error>(&r.reply))
            codes.push_back(e->code);
    return codes;
}

// The outbox holds one ERROR to `peer` with this code and message id, and nothing else: no
// publication, no log line.
::testing::AssertionResult refused(const outbox& out, std::string_view peer, error_code code,
                                   std::uint64_t message_id = 0) {
    if (!out.publications.empty())
        return ::testing::AssertionFailure()
               << "published " << out.publications.size() << " events";
    if (!out.log.empty())
        return ::testing::AssertionFailure() << "logged '" << out.log.front().text << "'";
    const auto replies = replies_of(out);
    if (replies.size() != 1)
        return ::testing::AssertionFailure() << "sent " << replies.size() << " replies";
    if (replies[0].peer != peer)
        return ::testing::AssertionFailure() << "replied to '" << replies[0].peer << "'";
    const auto* e = std::get_if<proto::error>(&replies[0].reply);
    if (!e)
        return ::testing::AssertionFailure() << "the reply is not an ERROR";
    if (e->code != code)
        return ::testing::AssertionFailure()
               << "got " << proto::error_name(e->code) << " (" << e->reason << "), expected "
               << proto::error_name(code);
    if (e->message_id != message_id)
        return ::testing::AssertionFailure()
               << "ERROR names message " << e->message_id << ", expected " << message_id;
    if (e->reason.empty())
        return ::testing::AssertionFailure() << "ERROR without a reason";
    return ::testing::AssertionSuccess();
}

// The outbox is empty: no reply, no publication, no log line.
::testing::AssertionResult silent(const outbox& out) {
    if (out.replies.empty() && out.publications.empty() && out.log.empty())
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << out.replies.size() << " replies, " << out.publications.size() << " publications, "
           << out.log.size() << " log lines";
}

// A PING reporting `seq` as the position in the lobby.
proto::ping ping_at(const proto::session_secret& secret, std::uint64_t seq) {
    return proto::ping{secret, {{"lobby", seq}}};
}

// ---- Driving the core ----

// A core with a deterministic secret source and a hand-moved clock, and shorthands for the
// commands a well-behaved client sends.
class script {
public:
    // The core has published its first heartbeat at t0 before the test begins.
    explicit script(config cfg = test_config())
        : core_(cfg, test_epoch, [n = std::uint8_t{0}]() mutable { return secret_number(++n); }) {
        outbox first;
        core_.tick(t0, first);
    }

    // `key_name` is the name the peer's CURVE key is bound to, as the server passes it on; the
    // key stands for itself there (a test key is named after the name it is bound to).
    outbox send_frames(std::string_view peer, const proto::frame_list& frames,
                       std::string_view key_name = {}) {
        return send_as(peer, frames, {.key = key_name, .bound_name = key_name, .revoked = false});
    }
    outbox send(std::string_view peer, const proto::command& c, std::string_view key_name = {}) {
        return send_frames(peer, proto::encode(c), key_name);
    }
    outbox send_as(std::string_view peer, const proto::frame_list& frames, const credential& who) {
        outbox out;
        const auto v = proto::views(frames);
        core_.handle(peer, v, now, out, who);
        return out;
    }
    outbox tick_at(time_point t) {
        now = t;
        outbox out;
        core_.tick(now, out);
        return out;
    }

    // HELLO naming `room`, expecting a WELCOME: the session is pending.
    proto::welcome hello(std::string_view peer, const std::string& name,
                         const std::string& room = "lobby") {
        return only_reply<proto::welcome>(send(peer, proto::hello{name, room, std::nullopt}), peer);
    }
    // HELLO then READY, expecting the JOIN in `room` and the ROOM reply: the session is joined.
    proto::welcome join(std::string_view peer, const std::string& name,
                        const std::string& room = "lobby") {
        const proto::welcome w = hello(peer, name, room);
        const outbox out = send(peer, proto::ready{w.secret});
        const auto joined = only_event<proto::joined>(out);
        EXPECT_EQ(joined.name, name);
        EXPECT_EQ(joined.room, room);
        EXPECT_EQ(only_reply<proto::room_entered>(out, peer).room, room);
        return w;
    }
    outbox say(std::string_view peer, const proto::welcome& w, std::uint64_t message_id,
               const std::string& text) {
        return say_in(peer, w, "lobby", message_id, text);
    }
    outbox say_in(std::string_view peer, const proto::welcome& w, const std::string& room,
                  std::uint64_t message_id, const std::string& text) {
        return send(peer, proto::say{w.secret, room, message_id, text});
    }
    std::vector<std::string> who(std::string_view peer, const proto::welcome& w,
                                 const std::string& room = "lobby") {
        return only_reply<proto::roster>(send(peer, proto::who{w.secret, room}), peer).names;
    }
    // JOIN of another room, expecting its JOIN event and the ROOM reply.
    proto::room_entered enter(std::string_view peer, const proto::welcome& w,
                              const std::string& room) {
        const outbox out = send(peer, proto::join{w.secret, room});
        const auto joined = only_event<proto::joined>(out);
        EXPECT_EQ(joined.room, room);
        EXPECT_EQ(joined.session_id, w.session_id);
        return only_reply<proto::room_entered>(out, peer);
    }
    // Where a room the session is in stands, as a JOIN of it tells without publishing anything.
    proto::room_entered head(std::string_view peer, const proto::welcome& w,
                             const std::string& room = "lobby") {
        const outbox out = send(peer, proto::join{w.secret, room});
        EXPECT_TRUE(out.publications.empty());
        return only_reply<proto::room_entered>(out, peer);
    }

    core& broker() { return core_; }
    time_point now = t0;

private:
    core core_;
};

config with_max_clients(std::size_t n) {
    config cfg = test_config();
    cfg.max_clients = n;
    return cfg;
}

// ---- Joining ----

TEST(BrokerCore, HelloIsWelcomedAndProbedOnTheSessionsOwnTopic) {
    script s;
    const outbox out = s.send("peer-bob", proto::hello{"bob", "lobby", std::nullopt});

    EXPECT_EQ(only_reply<proto::welcome>(out, "peer-bob"),
              (proto::welcome{
                  "bob", 1, secret_number(1), test_epoch, "lobby", 0,
                  static_cast<std::uint32_t>(std::chrono::milliseconds(test_heartbeat).count()), 3,
                  32, 4096, 20, 40, 32}));
    const auto events = publications_of(out);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].topic, "probe/1/");
    EXPECT_EQ(std::get<proto::probe>(events[0].event), (proto::probe{test_epoch, 1}));
    EXPECT_TRUE(out.log.empty());
    EXPECT_EQ(s.broker().online(), 0u);
}

TEST(BrokerCore, ReadyEntersTheHellosRoomPublishesJoinAndAnswersRoom) {
    script s;
    const proto::welcome w = s.hello("peer-bob", "bob", "ops");

    const outbox out = s.send("peer-bob", proto::ready{w.secret});

    const auto events = publications_of(out);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].topic, "presence/ops/");
    EXPECT_EQ(std::get<proto::joined>(events[0].event),
              (proto::joined{test_epoch, 1, "ops", "bob", 1, 1, 0}));
    EXPECT_EQ(only_reply<proto::room_entered>(out, "peer-bob"),
              (proto::room_entered{"ops", 0, 1, 1}));
    EXPECT_EQ(logged(out), (names{"info join name=bob room=ops online=1"}));
    EXPECT_EQ(s.broker().online(), 1u);
}

TEST(BrokerCore, WelcomeCarriesTheConfigurationAndTheRoomAsItIsNow) {
    config cfg = test_config();
    cfg.heartbeat_interval = 250ms;
    cfg.liveness = 5;
    cfg.max_name_chars = 16;
    cfg.max_text_bytes = 200;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.say("peer-alice", alice, 1, "hello");

    s.join("peer-carol", "carol", "ops");

    EXPECT_EQ(s.hello("peer-bob", "Bob"),
              (proto::welcome{"Bob", 3, secret_number(3), test_epoch, "lobby", 1, 250, 5, 16, 200,
                              20, 40, 32}));
    // Online counts the members of the room the HELLO names.
    EXPECT_EQ(s.hello("peer-dave", "dave", "ops").online, 1u);
    EXPECT_EQ(s.hello("peer-erin", "erin", "empty").online, 0u);
}

TEST(BrokerCore, AReloadChangesTheLiveSettingsForSessionsThatJoinFromThenOn) {
    config cfg = test_config();
    cfg.rate_per_second = 2;
    cfg.rate_burst = 2;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");

    config next = cfg;
    next.rate_per_second = 100;
    next.rate_burst = 100;
    next.max_clients = 2;
    next.liveness = 9; // not a live setting: ignored
    EXPECT_EQ(
        s.broker().reconfigure(next),
        (names{"rate 2 -> 100 (for sessions that join from now on)",
               "burst 2 -> 100 (for sessions that join from now on)", "max-clients 10000 -> 2"}));
    EXPECT_TRUE(s.broker().reconfigure(next).empty()); // the same again changes nothing

    // bob is told the new rate, and gets it; alice keeps what her WELCOME announced.
    const proto::welcome bob = s.join("peer-bob", "bob");
    EXPECT_EQ(bob.rate_per_second, 100u);
    EXPECT_EQ(bob.liveness, 3u);
    for (std::uint64_t id = 1; id <= 5; ++id)
        EXPECT_TRUE(s.say("peer-bob", bob, id, "x").replies.size() == 1);
    std::size_t refused = 0;
    for (std::uint64_t id = 1; id <= 5; ++id)
        refused += s.say("peer-alice", alice, id, "x").publications.empty() ? 1u : 0u;
    EXPECT_EQ(refused, 3u);
    // And the new cap on clients holds.
    EXPECT_EQ(only_reply<proto::error>(
                  s.send("peer-carol", proto::hello{"carol", "lobby", std::nullopt}), "peer-carol")
                  .code,
              proto::error_code::server_full);
}

TEST(BrokerCore, ProbeIsRepeatedEveryProbeIntervalUntilReady) {
    config cfg = test_config();
    cfg.probe_interval = 100ms;
    script s(cfg);
    const proto::welcome w = s.hello("peer-bob", "bob");
    EXPECT_EQ(s.broker().next_deadline(), t0 + 100ms);

    EXPECT_TRUE(silent(s.tick_at(t0 + 99ms)));
    const outbox second = s.tick_at(t0 + 100ms);
    EXPECT_EQ(only_event<proto::probe>(second), (proto::probe{test_epoch, 1}));
    EXPECT_EQ(second.publications[0][0], "probe/1/");
    EXPECT_TRUE(second.replies.empty());
    EXPECT_TRUE(second.log.empty());
    EXPECT_EQ(s.broker().next_deadline(), t0 + 200ms);

    EXPECT_TRUE(silent(s.tick_at(t0 + 150ms)));
    EXPECT_EQ(only_event<proto::probe>(s.tick_at(t0 + 200ms)).session_id, 1u);

    EXPECT_EQ(only_event<proto::joined>(s.send("peer-bob", proto::ready{w.secret})).name, "bob");
    EXPECT_EQ(s.broker().next_deadline(), t0 + test_heartbeat);
    EXPECT_TRUE(silent(s.tick_at(t0 + 1h)));
}

TEST(BrokerCore, PendingJoinIsForgottenAfterTheJoinTimeout) {
    config cfg = test_config();
    cfg.probe_interval = 1s;
    cfg.join_timeout = 5s;
    script s(cfg);
    const proto::welcome w = s.hello("peer-bob", "bob");

    const outbox before = s.tick_at(t0 + 4999ms);
    EXPECT_TRUE(before.log.empty());
    EXPECT_TRUE(before.replies.empty());
    EXPECT_EQ(s.broker().next_deadline(), t0 + 5s);

    const outbox expired = s.tick_at(t0 + 5s);
    EXPECT_EQ(logged(expired), (names{"warn join-abandoned name=bob"}));
    EXPECT_TRUE(expired.publications.empty());
    EXPECT_TRUE(expired.replies.empty());
    EXPECT_EQ(s.broker().session_count(), 0u);

    // The late READY finds no session, and the name is free for someone else, whose JOIN is the
    // room's first.
    EXPECT_TRUE(
        refused(s.send("peer-bob", proto::ready{w.secret}), "peer-bob", error_code::not_joined));
    const proto::welcome robert = s.hello("peer-robert", "Bob");
    EXPECT_EQ(robert.session_id, 2u);
    EXPECT_EQ(only_event<proto::joined>(s.send("peer-robert", proto::ready{robert.secret})).seq,
              1u);
}

TEST(BrokerCore, OnlyThePendingSessionsThatTimedOutAreForgotten) {
    config cfg = test_config();
    cfg.probe_interval = 1s;
    cfg.join_timeout = 5s;
    script s(cfg);
    s.hello("peer-bob", "bob");
    s.now = t0 + 2s;
    const proto::welcome carol = s.hello("peer-carol", "carol");

    EXPECT_EQ(logged(s.tick_at(t0 + 5s)), (names{"warn join-abandoned name=bob"}));
    EXPECT_EQ(only_event<proto::joined>(s.send("peer-carol", proto::ready{carol.secret})).online,
              1u);
}

TEST(BrokerCore, ReadyTwiceIsHarmless) {
    script s;
    const proto::welcome w = s.join("peer-bob", "bob");

    EXPECT_TRUE(silent(s.send("peer-bob", proto::ready{w.secret})));
    EXPECT_TRUE(silent(s.send("peer-bob", proto::ready{w.secret})));
    EXPECT_EQ(s.broker().online(), 1u);
    EXPECT_EQ(s.head("peer-bob", w), (proto::room_entered{"lobby", 0, 1, 1}));
}

TEST(BrokerCore, ReadyWithAnotherSessionsSecretDoesNotJoin) {
    script s;
    const proto::welcome bob = s.hello("peer-bob", "bob");
    s.hello("peer-mallory", "mallory");

    EXPECT_TRUE(refused(s.send("peer-mallory", proto::ready{bob.secret}), "peer-mallory",
                        error_code::not_joined));
    EXPECT_EQ(s.broker().online(), 0u);
}

// ---- Chat ----

TEST(BrokerCore, SayIsPublishedWithTheSenderFromTheSessionTableAndAcked) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.join("peer-bob", "bob");

    const outbox out = s.say("peer-alice", alice, 7, "[bob] hi");

    const auto events = publications_of(out);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].topic, "chat/lobby/");
    EXPECT_EQ(std::get<proto::line>(events[0].event),
              (proto::line{test_epoch, 1, "lobby", "alice", alice.session_id, 7, "[bob] hi"}));
    EXPECT_EQ(only_reply<proto::ack>(out, "peer-alice"), (proto::ack{7, 1}));
    // Chat text is not logged at the default level.
    EXPECT_TRUE(out.log.empty());
}

TEST(BrokerCore, AnActionIsPublishedAsAnActionLine) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");

    const outbox out = s.send(
        "peer-alice", proto::say{alice.secret, "lobby", 3, "waves", proto::line_kind::action});

    EXPECT_EQ(only_event<proto::line>(out),
              (proto::line{test_epoch, 1, "lobby", "alice", alice.session_id, 3, "waves",
                           proto::line_kind::action}));
    EXPECT_EQ(only_reply<proto::ack>(out, "peer-alice"), (proto::ack{3, 1}));
}

TEST(BrokerCore, ALineOfAnUnknownKindIsMalformedWithItsMessageIdAndNothingIsPublished) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");

    const outbox out = s.send(
        "peer-alice", proto::say{alice.secret, "lobby", 4, "hi", static_cast<proto::line_kind>(2)});

    EXPECT_TRUE(refused(out, "peer-alice", error_code::malformed, 4));
    // The next line is the room's first: the refused one took no number.
    EXPECT_EQ(only_event<proto::line>(s.say("peer-alice", alice, 5, "fine")).seq, 1u);
}

// An event as "WORD room seq", or just its word for a broker-wide event.
std::string summarised(const proto::event& e) {
    return std::visit(
        [](const auto& m) -> std::string {
            using T = std::decay_t<decltype(m)>;
            const char* word = std::is_same_v<T, proto::line>     ? "LINE"
                               : std::is_same_v<T, proto::joined> ? "JOIN"
                               : std::is_same_v<T, proto::left>   ? "LEAVE"
                               : std::is_same_v<T, proto::probe>  ? "PROBE"
                                                                  : "OTHER";
            if constexpr (requires { m.room; })
                return std::string{word} + " " + m.room + " " + std::to_string(m.seq);
            else
                return word;
        },
        e);
}

TEST(BrokerCore, LinesTakeTheChatSeqJoinsAndLeavesThePresenceSeqAndProbesNeither) {
    config cfg = test_config();
    cfg.probe_interval = 100ms;
    script s(cfg);
    names events;
    const auto record = [&](const outbox& out) {
        for (const auto& p : publications_of(out))
            events.push_back(summarised(p.event));
        return out;
    };

    const proto::welcome alice = s.join("peer-alice", "alice"); // presence 1, not recorded
    const outbox hello = record(s.send("peer-bob", proto::hello{"bob", "lobby", std::nullopt}));
    const proto::welcome bob = only_reply<proto::welcome>(hello, "peer-bob");
    const auto ack1 =
        only_reply<proto::ack>(record(s.say("peer-alice", alice, 10, "one")), "peer-alice");
    record(s.tick_at(t0 + 100ms));
    const auto bob_joined =
        only_event<proto::joined>(record(s.send("peer-bob", proto::ready{bob.secret})));
    const auto ack2 = only_reply<proto::ack>(record(s.say("peer-bob", bob, 10, "two")), "peer-bob");
    record(s.send("peer-bob", proto::bye{bob.secret}));

    EXPECT_EQ(events, (names{"PROBE", "LINE lobby 1", "PROBE", "JOIN lobby 2", "LINE lobby 2",
                             "LEAVE lobby 3"}));
    EXPECT_EQ(bob_joined.chat_seq, 1u); // the line before his join
    EXPECT_EQ(ack1, (proto::ack{10, 1}));
    EXPECT_EQ(ack2, (proto::ack{10, 2}));
    EXPECT_EQ(s.head("peer-alice", alice), (proto::room_entered{"lobby", 2, 3, 1}));
}

TEST(BrokerCore, AckCarriesTheSeqOfItsOwnLine) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    for (std::uint64_t id = 100; id < 110; ++id) {
        const outbox out = s.say("peer-alice", alice, id, "line " + std::to_string(id));
        const auto line = only_event<proto::line>(out);
        EXPECT_EQ(only_reply<proto::ack>(out, "peer-alice"), (proto::ack{id, line.seq}));
        EXPECT_EQ(line.seq, id - 99);
        EXPECT_EQ(line.message_id, id);
    }
    EXPECT_EQ(s.head("peer-alice", alice).seq, 10u);
}

TEST(BrokerCore, TextAtTheLimitIsPublishedAndOneByteMoreIsTooLong) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");

    EXPECT_EQ(only_event<proto::line>(s.say("peer-alice", alice, 1, std::string(4096, 'x'))).seq,
              1u);
    EXPECT_TRUE(refused(s.say("peer-alice", alice, 2, std::string(4097, 'x')), "peer-alice",
                        error_code::too_long, 2));
    EXPECT_EQ(s.head("peer-alice", alice).seq, 1u);
}

TEST(BrokerCore, BadTextIsRefusedWithTheSaysMessageIdAndNothingIsPublished) {
    struct bad_text {
        std::string text;
        error_code code;
    };
    const std::vector<bad_text> cases{
        {"", error_code::empty_text},
        {"\xFF", error_code::bad_utf8},
        {"over\xC0\xAFlong", error_code::bad_utf8},
        {"\xE0\x80\xAF", error_code::bad_utf8},
        {"surrogate \xED\xA0\x80", error_code::bad_utf8},
        {"truncated \xE2\x82", error_code::bad_utf8},
        {"\xF4\x90\x80\x80", error_code::bad_utf8},
        {std::string("nul\0here", 8), error_code::control_char},
        {"\x01", error_code::control_char},
        {"\x1F", error_code::control_char},
        {"del\x7F", error_code::control_char},
        {"csi \xC2\x9B"
         "2J",
         error_code::control_char},
        {"\x1B[2J", error_code::control_char},
        {"\x1B]0;title\x07", error_code::control_char},
        {"\x1B[201~", error_code::control_char},
        {"carriage\rreturn", error_code::control_char},
        {"hi\n[bob] fake", error_code::control_char},
    };
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    std::uint64_t id = 1000;
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.text));
        s.now += 1s; // stay within the per-peer ERROR cap
        ++id;
        EXPECT_TRUE(refused(s.say("peer-alice", alice, id, c.text), "peer-alice", c.code, id));
    }
    // The broker carries on: the next good line is the room's first.
    EXPECT_EQ(only_event<proto::line>(s.say("peer-alice", alice, 1, "fine")).seq, 1u);
}

TEST(BrokerCore, TabIsAllowedInTextAndLoggedAsASpace) {
    script s(debug_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    const outbox out = s.say("peer-alice", alice, 1, "a\tb");
    EXPECT_EQ(only_event<proto::line>(out).text, "a\tb");
    EXPECT_EQ(logged(out), (names{"debug say name=alice room=lobby text=\"a b\""}));
}

TEST(BrokerCore, TextIsPublishedAsSentButLoggedWithInvisibleCharactersEscaped) {
    script s(debug_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    const std::string text = "abc\u202Edef\u200B";
    const outbox out = s.say("peer-alice", alice, 1, text);
    EXPECT_EQ(only_event<proto::line>(out).text, text);
    EXPECT_EQ(logged(out),
              (names{"debug say name=alice room=lobby text=\"abc\\\\u{202E}def\\\\u{200B}\""}));
}

// ---- Commands out of place ----

TEST(BrokerCore, CommandsBeforeHelloAreNotJoinedAndKeepNoState) {
    script s;
    const proto::session_secret none{};
    EXPECT_TRUE(refused(s.send("peer-x", proto::say{none, "lobby", 5, "hi"}), "peer-x",
                        error_code::not_joined, 5));
    EXPECT_TRUE(
        refused(s.send("peer-x", proto::who{none, "lobby"}), "peer-x", error_code::not_joined));
    EXPECT_TRUE(refused(s.send("peer-x", proto::bye{none}), "peer-x", error_code::not_joined));
    EXPECT_TRUE(refused(s.send("peer-x", proto::ready{none}), "peer-x", error_code::not_joined));
    EXPECT_TRUE(
        refused(s.send("peer-x", proto::join{none, "ops"}), "peer-x", error_code::not_joined));
    EXPECT_TRUE(
        refused(s.send("peer-x", proto::part{none, "lobby"}), "peer-x", error_code::not_joined));
    EXPECT_TRUE(
        refused(s.send("peer-x", proto::list_rooms{none}), "peer-x", error_code::not_joined));
    EXPECT_EQ(s.broker().online(), 0u);
    EXPECT_EQ(s.broker().session_count(), 0u);
    EXPECT_EQ(s.hello("peer-x", "x").session_id, 1u);
}

TEST(BrokerCore, PingIsSilentWhetherJoinedOrNot) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    EXPECT_TRUE(silent(s.send("peer-alice", ping_at(alice.secret, 1))));
    EXPECT_TRUE(silent(s.send("peer-alice", ping_at(secret_number(99), 1))));
    EXPECT_TRUE(silent(s.send("peer-x", proto::ping{})));
    const proto::welcome bob = s.hello("peer-bob", "bob");
    EXPECT_TRUE(silent(s.send("peer-bob", ping_at(bob.secret, 0))));
    EXPECT_EQ(s.head("peer-alice", alice), (proto::room_entered{"lobby", 0, 1, 1}));
}

TEST(BrokerCore, WrongSecretIsNotJoinedAndPublishesNothing) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");
    const proto::session_secret wrong = secret_number(99);

    EXPECT_TRUE(refused(s.send("peer-alice", proto::say{wrong, "lobby", 3, "hi"}), "peer-alice",
                        error_code::not_joined, 3));
    EXPECT_TRUE(refused(s.send("peer-alice", proto::who{wrong, "lobby"}), "peer-alice",
                        error_code::not_joined));
    EXPECT_TRUE(
        refused(s.send("peer-alice", proto::bye{wrong}), "peer-alice", error_code::not_joined));
    // Another session's secret from this connection is just as wrong.
    EXPECT_TRUE(refused(s.send("peer-alice", proto::say{bob.secret, "lobby", 4, "as bob"}),
                        "peer-alice", error_code::not_joined, 4));
    EXPECT_TRUE(refused(s.send("peer-alice", proto::bye{bob.secret}), "peer-alice",
                        error_code::not_joined));

    EXPECT_EQ(s.head("peer-alice", alice), (proto::room_entered{"lobby", 0, 2, 2}));
    EXPECT_EQ(s.who("peer-alice", alice), (names{"alice", "bob"}));
}

TEST(BrokerCore, RightSecretFromAnotherConnectionIsNotJoined) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.join("peer-mallory", "mallory");

    EXPECT_TRUE(refused(s.send("peer-mallory", proto::say{alice.secret, "lobby", 1, "I am alice"}),
                        "peer-mallory", error_code::not_joined, 1));
    EXPECT_TRUE(refused(s.send("peer-stranger", proto::say{alice.secret, "lobby", 1, "I am alice"}),
                        "peer-stranger", error_code::not_joined, 1));
    EXPECT_EQ(s.head("peer-alice", alice).seq, 0u);
}

TEST(BrokerCore, CommandsWhileTheJoinIsPendingAreNotJoined) {
    script s;
    const proto::welcome bob = s.hello("peer-bob", "bob");

    EXPECT_TRUE(
        refused(s.say("peer-bob", bob, 9, "too early"), "peer-bob", error_code::not_joined, 9));
    EXPECT_TRUE(refused(s.send("peer-bob", proto::who{bob.secret, "lobby"}), "peer-bob",
                        error_code::not_joined));
    EXPECT_TRUE(refused(s.send("peer-bob", proto::join{bob.secret, "ops"}), "peer-bob",
                        error_code::not_joined));
    EXPECT_TRUE(refused(s.send("peer-bob", proto::part{bob.secret, "lobby"}), "peer-bob",
                        error_code::not_joined));
    EXPECT_TRUE(refused(s.send("peer-bob", proto::list_rooms{bob.secret}), "peer-bob",
                        error_code::not_joined));
    // The pending session survives and can still complete its join.
    EXPECT_EQ(only_event<proto::joined>(s.send("peer-bob", proto::ready{bob.secret})).seq, 1u);
}

TEST(BrokerCore, ByeWhileTheJoinIsPendingWithdrawsItSilentlyAndFreesTheName) {
    script s;
    const proto::welcome bob = s.hello("peer-bob", "bob");

    EXPECT_TRUE(silent(s.send("peer-bob", proto::bye{bob.secret})));
    EXPECT_EQ(s.broker().session_count(), 0u);
    EXPECT_TRUE(
        refused(s.send("peer-bob", proto::ready{bob.secret}), "peer-bob", error_code::not_joined));
    // Nobody was told of the withdrawn join: the next is the room's first.
    const proto::welcome again = s.hello("peer-bob2", "bob");
    EXPECT_EQ(only_event<proto::joined>(s.send("peer-bob2", proto::ready{again.secret})).seq, 1u);
}

TEST(BrokerCore, SecondHelloOnAJoinedConnectionIsAlreadyJoinedAndChangesNothing) {
    script s;
    const proto::welcome bob = s.join("peer-bob", "bob");

    EXPECT_TRUE(refused(s.send("peer-bob", proto::hello{"robert", "lobby", std::nullopt}),
                        "peer-bob", error_code::already_joined));
    EXPECT_TRUE(refused(s.send("peer-bob", proto::hello{"bob", "lobby", std::nullopt}), "peer-bob",
                        error_code::already_joined));
    EXPECT_EQ(s.who("peer-bob", bob), (names{"bob"}));
    EXPECT_EQ(only_event<proto::line>(s.say("peer-bob", bob, 1, "still me")).sender, "bob");
    EXPECT_EQ(s.hello("peer-robert", "robert").session_id, 2u);
}

TEST(BrokerCore, SecondHelloWhileTheJoinIsPendingIsAlreadyJoined) {
    script s;
    s.hello("peer-bob", "bob");
    EXPECT_TRUE(refused(s.send("peer-bob", proto::hello{"robert", "lobby", std::nullopt}),
                        "peer-bob", error_code::already_joined));
}

TEST(BrokerCore, ByePublishesLeaveAndTheSecondByeIsNotJoined) {
    script s;
    s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");

    const outbox out = s.send("peer-bob", proto::bye{bob.secret});
    EXPECT_TRUE(out.replies.empty());
    const auto events = publications_of(out);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].topic, "presence/lobby/");
    EXPECT_EQ(std::get<proto::left>(events[0].event),
              (proto::left{test_epoch, 3, "lobby", "bob", 2, 1, proto::leave_reason::quit}));
    EXPECT_EQ(logged(out), (names{"info leave name=bob room=lobby online=1 reason=quit"}));

    EXPECT_TRUE(
        refused(s.send("peer-bob", proto::bye{bob.secret}), "peer-bob", error_code::not_joined));
    EXPECT_TRUE(refused(s.say("peer-bob", bob, 1, "ghost"), "peer-bob", error_code::not_joined, 1));
    EXPECT_EQ(s.broker().online(), 1u);
}

TEST(BrokerCore, MalformedMessagesAreRefusedWithTheRightCodeAndTheBrokerCarriesOn) {
    using proto::test::body;
    const proto::session_secret secret = secret_number(1);
    struct bad_message {
        const char* what;
        proto::frame_list frames;
        error_code code;
    };
    // The codec's tests hold every malformation; these are one of each kind of check.
    const std::vector<bad_message> cases{
        {"no frames", {}, error_code::malformed},
        {"one empty frame", {""}, error_code::malformed},
        {"header only", {proto::test::header()}, error_code::malformed},
        {"http", {"GET / HTTP/1.1", "Host: x"}, error_code::bad_signature},
        {"near-miss signature",
         {body("WHO", "ZCHAX\x02").secret(secret)},
         error_code::bad_signature},
        {"version 0",
         {body("WHO", std::string("ZCHAT\0", 6)).secret(secret)},
         error_code::unsupported_version},
        {"version 3", {body("WHO", "ZCHAT\x03").secret(secret)}, error_code::unsupported_version},
        {"unknown word", {body("SHOUT").secret(secret)}, error_code::unknown_command},
        {"empty word", {body("").secret(secret)}, error_code::unknown_command},
        {"HELLO missing a field", {body("HELLO").text("bob")}, error_code::malformed},
        {"WHO with a byte more",
         {body("WHO").secret(secret).text("lobby").u8(0)},
         error_code::malformed},
        {"two frames", {body("WHO").secret(secret).text("lobby"), ""}, error_code::malformed},
        {"1000 frames", proto::frame_list(1000, "x"), error_code::bad_signature},
        {"short secret", {body("WHO").bytes(std::string(15, 'S'))}, error_code::malformed},
        {"name of 257 bytes",
         {body("HELLO").text(std::string(257, 'a')).text("lobby").u8(0)},
         error_code::too_long},
        {"text of 65537 bytes",
         {body("SAY").secret(secret).text("lobby").u64(1).u8(0).text(std::string(65537, 'a'))},
         error_code::too_long},
        {"bad resume ticket",
         {body("HELLO").text("bob").text("lobby").u8(5).bytes("short")},
         error_code::malformed},
    };

    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        s.now += 1s; // stay within the per-peer ERROR cap
        EXPECT_TRUE(refused(s.send_frames("peer-mallory", c.frames), "peer-mallory", c.code));
    }
    // Nothing was allocated for the sender, and everyone else is served as before.
    EXPECT_EQ(s.broker().session_count(), 1u);
    EXPECT_EQ(only_event<proto::line>(s.say("peer-alice", alice, 1, "still here")).seq, 1u);
    EXPECT_EQ(s.hello("peer-mallory", "mallory").session_id, 2u);
}

TEST(BrokerCore, MalformedMessageFromAJoinedSessionLeavesItJoined) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    EXPECT_TRUE(refused(s.send_frames("peer-alice", {proto::test::body("SHOUT")}), "peer-alice",
                        error_code::unknown_command));
    EXPECT_EQ(s.who("peer-alice", alice), (names{"alice"}));
}

TEST(BrokerCore, AVersionOnePeerIsToldItsVersionInFramesItCanRead) {
    script s;
    const outbox out = s.send_frames("peer-old", {"ZCHAT\x01", "HELLO", "alice", ""});
    ASSERT_EQ(out.replies.size(), 1u);
    EXPECT_EQ(out.replies[0].peer, "peer-old");
    const proto::frame_list& f = out.replies[0].frames;
    ASSERT_EQ(f.size(), 5u);
    EXPECT_EQ(f[0], "ZCHAT\x01");
    EXPECT_EQ(f[1], "ERROR");
    EXPECT_EQ(f[2], std::string("\0\x03", 2));
    EXPECT_EQ(f[4], "protocol version 1 is not supported; supported versions: 2");
    EXPECT_EQ(s.broker().session_count(), 0u);
}

// ---- Names ----

TEST(BrokerCore, InvalidNamesAreRefusedAndKeepNoState) {
    struct bad_name {
        std::string name;
        error_code code;
    };
    const std::vector<bad_name> cases{
        {"", error_code::name_invalid},
        {"You", error_code::name_invalid},
        {"you", error_code::name_invalid},
        {"YOU", error_code::name_invalid},
        {"server", error_code::name_invalid},
        {std::string(33, 'a'), error_code::too_long},
        {"bo b", error_code::name_invalid},
        {"bo\tb", error_code::control_char},
        {"bo\x01"
         "b",
         error_code::control_char},
        {"bob\x7F", error_code::control_char},
        {"\x1B[31mbob", error_code::control_char},
        {"bob\n", error_code::control_char},
        {"\xFF", error_code::bad_utf8},
        {"b\xC0\xAF", error_code::bad_utf8},
        {"bo\u200Bb", error_code::name_invalid},
        {"\uFEFFbob", error_code::name_invalid},
        {"bob\u202E", error_code::name_invalid},
        {"b\u043Eb", error_code::name_invalid}, // Cyrillic o among Latin letters
    };
    script s;
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.name));
        s.now += 1s; // stay within the per-peer ERROR cap
        EXPECT_TRUE(refused(s.send("peer-x", proto::hello{c.name, "lobby", std::nullopt}), "peer-x",
                            c.code));
    }
    EXPECT_EQ(s.broker().session_count(), 0u);
    EXPECT_EQ(s.hello("peer-x", "x").session_id, 1u);
}

TEST(BrokerCore, NamesOfExactlyTheMaximumLengthAreAccepted) {
    script s;
    EXPECT_EQ(s.hello("peer-a", std::string(32, 'a')).name, std::string(32, 'a'));
    std::string accents;
    for (int i = 0; i < 32; ++i)
        accents += "é";
    EXPECT_EQ(s.hello("peer-b", accents).name, accents); // 32 characters, 64 bytes
    EXPECT_TRUE(refused(s.send("peer-c", proto::hello{accents + "é", "lobby", std::nullopt}),
                        "peer-c", error_code::too_long));
}

TEST(BrokerCore, NameIsTakenUnderAsciiCaseFolding) {
    script s;
    s.join("peer-bob", "Bob");
    s.hello("peer-carol", "carol"); // pending names are taken too

    for (const std::string name : {"Bob", "bob", "BOB", "bOb", "carol", "CAROL"}) {
        SCOPED_TRACE(name);
        EXPECT_TRUE(refused(s.send("peer-x", proto::hello{name, "lobby", std::nullopt}), "peer-x",
                            error_code::name_taken));
    }
    EXPECT_EQ(s.hello("peer-x", "bobby").name, "bobby");
}

config with_bound_names(std::unordered_set<std::string> bound) {
    config cfg = test_config();
    cfg.bound_names = std::move(bound);
    return cfg;
}

TEST(BrokerCore, KeyBoundToANameMayJoinUnderThatNameOnly) {
    script s(with_bound_names({"alice"}));
    EXPECT_TRUE(refused(s.send("peer-a", proto::hello{"mallory", "lobby", std::nullopt}, "alice"),
                        "peer-a", error_code::name_forbidden));
    EXPECT_EQ(only_reply<proto::welcome>(
                  s.send("peer-a", proto::hello{"Alice", "lobby", std::nullopt}, "alice"), "peer-a")
                  .name,
              "Alice");
}

TEST(BrokerCore, BoundNameIsRefusedWithoutItsKeyAndOtherNamesAreFree) {
    script s(with_bound_names({"alice"}));
    for (const std::string name : {"alice", "ALICE"}) {
        SCOPED_TRACE(name);
        EXPECT_TRUE(refused(s.send("peer-x", proto::hello{name, "lobby", std::nullopt}), "peer-x",
                            error_code::name_forbidden));
    }
    EXPECT_EQ(s.hello("peer-x", "bob").name, "bob");
}

// HELLO then READY from a peer whose key is bound to `key_name`, expecting the JOIN.
proto::welcome join_with_key(script& s, std::string_view peer, const std::string& name,
                             std::string_view key_name) {
    const proto::welcome w = only_reply<proto::welcome>(
        s.send(peer, proto::hello{name, "lobby", std::nullopt}, key_name), peer);
    EXPECT_EQ(only_event<proto::joined>(s.send(peer, proto::ready{w.secret}, key_name)).name, name);
    return w;
}

TEST(BrokerCore, ResumeTicketDoesNotGetRoundANameBinding) {
    script s(with_bound_names({"alice", "bob"}));
    const proto::welcome alice = join_with_key(s, "peer-a", "alice", "alice");
    const proto::resume_ticket ticket{alice.session_id, alice.secret};
    for (const std::string_view key : {"bob", ""}) {
        SCOPED_TRACE(key);
        EXPECT_TRUE(refused(s.send("peer-b", proto::hello{"alice", "lobby", ticket}, key), "peer-b",
                            error_code::name_forbidden));
    }
    // Her own key takes the session over (and her old connection is told).
    const auto replies =
        replies_of(s.send("peer-c", proto::hello{"alice", "lobby", ticket}, "alice"));
    ASSERT_EQ(replies.size(), 2u);
    const auto* w = std::get_if<proto::welcome>(&replies[1].reply);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->session_id, alice.session_id);
}

TEST(BrokerCore, ASessionUnderABoundNameTakesCommandsFromItsKeyOnly) {
    script s(with_bound_names({"alice"}));
    const proto::welcome alice = join_with_key(s, "peer-a", "alice", "alice");
    // Another key on a connection with her routing id, and her secret: not her.
    for (const std::string_view key : {"bob", ""}) {
        SCOPED_TRACE(key);
        EXPECT_TRUE(refused(s.send("peer-a", proto::say{alice.secret, "lobby", 5, "as alice"}, key),
                            "peer-a", error_code::not_joined, 5));
    }
    EXPECT_EQ(only_event<proto::line>(
                  s.send("peer-a", proto::say{alice.secret, "lobby", 6, "me"}, "alice"))
                  .text,
              "me");
}

TEST(BrokerCore, NameIsFreeAgainAfterBye) {
    script s;
    const proto::welcome bob = s.join("peer-bob", "bob");
    s.send("peer-bob", proto::bye{bob.secret});

    const proto::welcome again = s.hello("peer-other", "BOB");
    EXPECT_EQ(again.name, "BOB");
    EXPECT_EQ(again.session_id, 2u); // session ids are never reused
    EXPECT_EQ(again.secret, secret_number(2));
    // The connection that left may join again too, under another name.
    EXPECT_EQ(s.hello("peer-bob", "bob2").session_id, 3u);
}

// ---- Rosters and the client cap ----

TEST(BrokerCore, WhoListsJoinedNamesOnlyInCaseInsensitiveOrder) {
    script s;
    s.join("peer-carol", "carol");
    const proto::welcome bob = s.join("peer-bob", "Bob");
    s.join("peer-alice", "alice");
    s.hello("peer-dave", "dave");

    const outbox out = s.send("peer-bob", proto::who{bob.secret, "lobby"});
    EXPECT_EQ(only_reply<proto::roster>(out, "peer-bob"),
              (proto::roster{"lobby", 3, {"alice", "Bob", "carol"}}));
    EXPECT_TRUE(out.publications.empty());
    EXPECT_TRUE(out.log.empty());
}

TEST(BrokerCore, MaxClientsCountsPendingSessionsAndTheNextHelloIsServerFull) {
    script s(with_max_clients(2));
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.hello("peer-bob", "bob");

    EXPECT_TRUE(refused(s.send("peer-carol", proto::hello{"carol", "lobby", std::nullopt}),
                        "peer-carol", error_code::server_full));
    EXPECT_EQ(s.broker().next_deadline(), s.now + config{}.probe_interval);

    s.send("peer-alice", proto::bye{alice.secret});
    EXPECT_EQ(s.hello("peer-carol", "carol").session_id, 3u);
    EXPECT_TRUE(refused(s.send("peer-dave", proto::hello{"dave", "lobby", std::nullopt}),
                        "peer-dave", error_code::server_full));
}

TEST(BrokerCore, ServerFullIsLiftedWhenAPendingJoinTimesOut) {
    config cfg = with_max_clients(1);
    cfg.join_timeout = 1s;
    script s(cfg);
    s.hello("peer-bob", "bob");
    EXPECT_TRUE(refused(s.send("peer-carol", proto::hello{"carol", "lobby", std::nullopt}),
                        "peer-carol", error_code::server_full));
    s.tick_at(t0 + 1s);
    EXPECT_EQ(s.hello("peer-carol", "carol").session_id, 2u);
}

TEST(BrokerCore, LogLinesAndEventsCountWhoIsOnlineAlike) {
    script s;
    names seen; // log lines, and the online count of each event after the line it goes with
    const auto keep = [&](const outbox& out) {
        for (const auto& line : logged(out))
            seen.push_back(line);
        for (const auto& p : publications_of(out)) {
            if (const auto* j = std::get_if<proto::joined>(&p.event))
                seen.push_back("JOIN online=" + std::to_string(j->online));
            if (const auto* l = std::get_if<proto::left>(&p.event))
                seen.push_back("LEAVE online=" + std::to_string(l->online));
        }
    };
    std::vector<proto::welcome> w;
    for (const std::string name : {"alice", "bob", "carol"}) {
        w.push_back(s.hello("peer-" + name, name));
        keep(s.send("peer-" + name, proto::ready{w.back().secret}));
    }
    keep(s.send("peer-bob", proto::bye{w[1].secret}));
    keep(s.send("peer-carol", proto::bye{w[2].secret}));
    keep(s.send("peer-alice", proto::bye{w[0].secret}));

    EXPECT_EQ(seen, (names{
                        "info join name=alice room=lobby online=1",
                        "JOIN online=1",
                        "info join name=bob room=lobby online=2",
                        "JOIN online=2",
                        "info join name=carol room=lobby online=3",
                        "JOIN online=3",
                        "info leave name=bob room=lobby online=2 reason=quit",
                        "LEAVE online=2",
                        "info leave name=carol room=lobby online=1 reason=quit",
                        "LEAVE online=1",
                        "info leave name=alice room=lobby online=0 reason=quit",
                        "LEAVE online=0",
                    }));
    EXPECT_EQ(s.broker().online(), 0u);
}

TEST(BrokerCore, ChatTextIsLoggedAtDebugOnlyAndQuotedWhereItMustBe) {
    script quiet;
    const proto::welcome carol = quiet.join("peer-carol", "carol");
    EXPECT_TRUE(quiet.say("peer-carol", carol, 1, "World").log.empty());

    script s(debug_config());
    const proto::welcome bob = s.join("peer-bob", "bob");
    EXPECT_EQ(logged(s.say("peer-bob", bob, 1, "World")),
              (names{"debug say name=bob room=lobby text=World"}));
    EXPECT_EQ(logged(s.say("peer-bob", bob, 2, "say \"x=1\" \\ done")),
              (names{"debug say name=bob room=lobby text=\"say \\\"x=1\\\" \\\\ done\""}));
}

TEST(BrokerCore, AReloadCanTurnChatLoggingOnAndOff) {
    script s;
    const proto::welcome bob = s.join("peer-bob", "bob");
    config next = test_config();
    next.logging = log_level::debug;
    EXPECT_EQ(s.broker().reconfigure(next), (names{"log-level info -> debug"}));
    EXPECT_EQ(logged(s.say("peer-bob", bob, 1, "hi")),
              (names{"debug say name=bob room=lobby text=hi"}));
    EXPECT_EQ(s.broker().reconfigure(test_config()), (names{"log-level debug -> info"}));
    EXPECT_TRUE(s.say("peer-bob", bob, 2, "hi").log.empty());
}

TEST(BrokerCore, ShutDownPublishesShutdownOnTheSystemTopic) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.say("peer-alice", alice, 1, "bye all");

    outbox out;
    s.broker().shut_down(out);

    EXPECT_TRUE(out.replies.empty());
    const auto events = publications_of(out);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].topic, "sys/shutdown/");
    EXPECT_EQ(std::get<proto::shutdown>(events[0].event), (proto::shutdown{test_epoch}));
    EXPECT_EQ(s.broker().epoch(), test_epoch);
}

// ---- Rooms ----

TEST(BrokerRooms, EachRoomNumbersItsLinesFromOne) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice", "a");
    s.enter("peer-alice", alice, "b");

    const outbox in_a = s.say_in("peer-alice", alice, "a", 1, "to a");
    const outbox in_b = s.say_in("peer-alice", alice, "b", 2, "to b");

    EXPECT_EQ(only_event<proto::line>(in_a),
              (proto::line{test_epoch, 1, "a", "alice", alice.session_id, 1, "to a"}));
    EXPECT_EQ(only_event<proto::line>(in_b),
              (proto::line{test_epoch, 1, "b", "alice", alice.session_id, 2, "to b"}));
    EXPECT_EQ(in_a.publications.at(0).at(0), "chat/a/");
    EXPECT_EQ(in_b.publications.at(0).at(0), "chat/b/");
    EXPECT_EQ(only_reply<proto::ack>(in_b, "peer-alice"), (proto::ack{2, 1}));
    EXPECT_EQ(only_event<proto::line>(s.say_in("peer-alice", alice, "a", 3, "again")).seq, 2u);
    EXPECT_EQ(s.head("peer-alice", alice, "b"), (proto::room_entered{"b", 1, 1, 1}));
}

TEST(BrokerRooms, JoinEntersAnotherRoomPublishesItsJoinAndAnswersRoom) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob", "ops");
    s.say_in("peer-bob", bob, "ops", 1, "one");
    s.say_in("peer-bob", bob, "ops", 2, "two");

    const outbox out = s.send("peer-alice", proto::join{alice.secret, "ops"});

    const auto events = publications_of(out);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].topic, "presence/ops/");
    // The JOIN takes the room's presence number and tells where its chat stands.
    EXPECT_EQ(std::get<proto::joined>(events[0].event),
              (proto::joined{test_epoch, 2, "ops", "alice", alice.session_id, 2, 2}));
    EXPECT_EQ(only_reply<proto::room_entered>(out, "peer-alice"),
              (proto::room_entered{"ops", 2, 2, 2}));
    EXPECT_EQ(logged(out), (names{"info join name=alice room=ops online=2"}));
    EXPECT_EQ(s.broker().online(), 2u); // sessions, not memberships
    EXPECT_EQ(only_event<proto::line>(s.say_in("peer-alice", alice, "ops", 1, "hi")).seq, 3u);
    EXPECT_EQ(s.who("peer-alice", alice, "ops"), (names{"alice", "bob"}));
    EXPECT_EQ(s.who("peer-alice", alice, "lobby"), (names{"alice"}));
}

TEST(BrokerRooms, JoinOfARoomAlreadyInIsAnsweredWithRoomAndPublishesNothing) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.join("peer-bob", "bob");
    s.say("peer-alice", alice, 1, "hi");

    const outbox out = s.send("peer-alice", proto::join{alice.secret, "lobby"});

    EXPECT_TRUE(out.publications.empty());
    EXPECT_TRUE(out.log.empty());
    EXPECT_EQ(only_reply<proto::room_entered>(out, "peer-alice"),
              (proto::room_entered{"lobby", 1, 2, 2}));
    EXPECT_EQ(s.who("peer-alice", alice), (names{"alice", "bob"}));
}

TEST(BrokerRooms, PartLeavesOneRoomWithReasonPartedAndTheSessionStays) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.join("peer-bob", "bob");
    s.enter("peer-alice", alice, "ops");

    const outbox out = s.send("peer-alice", proto::part{alice.secret, "ops"});

    EXPECT_TRUE(out.replies.empty());
    const auto events = publications_of(out);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].topic, "presence/ops/");
    EXPECT_EQ(std::get<proto::left>(events[0].event),
              (proto::left{test_epoch, 2, "ops", "alice", alice.session_id, 0,
                           proto::leave_reason::parted}));
    EXPECT_EQ(logged(out), (names{"info leave name=alice room=ops online=0 reason=parted"}));
    EXPECT_EQ(s.broker().online(), 2u);

    // She is still in the lobby, and no longer in #ops.
    EXPECT_EQ(only_event<proto::line>(s.say("peer-alice", alice, 1, "still here")).sender, "alice");
    EXPECT_TRUE(refused(s.say_in("peer-alice", alice, "ops", 2, "anyone?"), "peer-alice",
                        error_code::not_in_room, 2));
    EXPECT_EQ(s.who("peer-alice", alice), (names{"alice", "bob"}));
    // She may come back; the room goes on numbering.
    const outbox back = s.send("peer-alice", proto::join{alice.secret, "ops"});
    EXPECT_EQ(only_event<proto::joined>(back).seq, 3u);
}

TEST(BrokerRooms, PartOfTheLastRoomLeavesTheSessionJoinedInNone) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");

    EXPECT_EQ(departures(s.send("peer-alice", proto::part{alice.secret, "lobby"})).size(), 1u);

    EXPECT_EQ(s.broker().online(), 1u);
    EXPECT_EQ(only_reply<proto::room_list>(s.send("peer-alice", proto::list_rooms{alice.secret}),
                                           "peer-alice"),
              proto::room_list{});
    // Her BYE has no room to be announced in.
    const outbox bye = s.send("peer-alice", proto::bye{alice.secret});
    EXPECT_TRUE(bye.publications.empty());
    EXPECT_EQ(logged(bye), (names{"info leave name=alice reason=quit"}));
    EXPECT_EQ(s.broker().online(), 0u);
}

TEST(BrokerRooms, PartOfARoomNotInIsNotInRoom) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob", "ops");

    for (const std::string room : {"ops", "nowhere", "#Not A Room"}) {
        SCOPED_TRACE(room);
        EXPECT_TRUE(refused(s.send("peer-alice", proto::part{alice.secret, room}), "peer-alice",
                            error_code::not_in_room));
    }
    EXPECT_EQ(s.who("peer-bob", bob, "ops"), (names{"bob"}));
    EXPECT_EQ(s.who("peer-alice", alice), (names{"alice"}));
}

TEST(BrokerRooms, SayToARoomNotInIsNotInRoomWithTheMessageId) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob", "ops");

    EXPECT_TRUE(refused(s.say_in("peer-alice", alice, "ops", 9, "let me in"), "peer-alice",
                        error_code::not_in_room, 9));
    EXPECT_TRUE(refused(s.say_in("peer-alice", alice, "nowhere", 10, "hello?"), "peer-alice",
                        error_code::not_in_room, 10));
    EXPECT_TRUE(refused(s.say_in("peer-alice", alice, "#Ops", 11, "hello?"), "peer-alice",
                        error_code::not_in_room, 11));
    EXPECT_EQ(s.head("peer-bob", bob, "ops").seq, 0u);
}

TEST(BrokerRooms, BadRoomNamesAreRefusedInHelloJoinAndWho) {
    struct bad_room {
        std::string room;
        error_code code;
    };
    const std::vector<bad_room> cases{
        {"", error_code::room_invalid},
        {"#ops", error_code::room_invalid},
        {"Ops", error_code::room_invalid},
        {"two words", error_code::room_invalid},
        {"caf\u00e9", error_code::room_invalid},
        {"a/b", error_code::room_invalid},
        {"ops\n", error_code::room_invalid},
        // Over the codec's structural cap: refused before the name is looked at.
        {std::string(33, 'a'), error_code::too_long},
    };
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.room));
        s.now += 1s; // stay within the per-peer ERROR cap
        EXPECT_TRUE(
            refused(s.send("peer-x", proto::hello{"x", c.room, std::nullopt}), "peer-x", c.code));
        EXPECT_TRUE(
            refused(s.send("peer-alice", proto::join{alice.secret, c.room}), "peer-alice", c.code));
        EXPECT_TRUE(
            refused(s.send("peer-alice", proto::who{alice.secret, c.room}), "peer-alice", c.code));
    }
    EXPECT_EQ(s.broker().session_count(), 1u);
    // The longest name and every allowed character are accepted.
    const std::string longest(32, 'z');
    EXPECT_EQ(s.enter("peer-alice", alice, longest).room, longest);
    EXPECT_EQ(s.enter("peer-alice", alice, "a-z_0-9").room, "a-z_0-9");
    EXPECT_EQ(s.hello("peer-x", "x", "dev_ops-2").room, "dev_ops-2");
}

TEST(BrokerRooms, TheThirtyThirdRoomIsTooManyRooms) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    EXPECT_EQ(alice.max_rooms, proto::max_rooms_per_session);
    for (std::uint32_t n = 2; n <= proto::max_rooms_per_session; ++n)
        s.enter("peer-alice", alice, "room" + std::to_string(n));

    EXPECT_TRUE(refused(s.send("peer-alice", proto::join{alice.secret, "room33"}), "peer-alice",
                        error_code::too_many_rooms));
    // A room she is in is still answered, and after a PART there is space again.
    EXPECT_EQ(s.head("peer-alice", alice, "room32").room, "room32");
    s.send("peer-alice", proto::part{alice.secret, "room2"});
    EXPECT_EQ(s.enter("peer-alice", alice, "room33").roster_version, 1u);
}

config with_max_rooms(std::size_t n) {
    config cfg = test_config();
    cfg.max_rooms = n;
    return cfg;
}

TEST(BrokerRooms, AtMaxRoomsAnEmptyRoomIsForgottenToMakeSpaceAndOtherwiseNoneOpens) {
    script s(with_max_rooms(2));
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob", "ops");
    s.say_in("peer-bob", bob, "ops", 1, "one");
    s.say_in("peer-bob", bob, "ops", 2, "two");

    // Both rooms kept have members: no third opens, by JOIN or by the first room of a HELLO.
    EXPECT_TRUE(refused(s.send("peer-alice", proto::join{alice.secret, "dev"}), "peer-alice",
                        error_code::too_many_rooms));
    EXPECT_TRUE(refused(s.send("peer-carol", proto::hello{"carol", "dev", std::nullopt}),
                        "peer-carol", error_code::too_many_rooms));
    EXPECT_EQ(s.broker().session_count(), 2u);
    // A room that exists can still be entered.
    const proto::welcome carol = s.join("peer-carol", "carol");
    EXPECT_EQ(s.enter("peer-carol", carol, "ops").online, 2u);
    s.send("peer-carol", proto::part{carol.secret, "ops"});

    // #ops, emptied, gives its place to #dev, which numbers its events in the generation after
    // the one forgotten room (their high 32 bits).
    constexpr std::uint64_t generation_1 = std::uint64_t{1} << 32;
    constexpr std::uint64_t generation_2 = std::uint64_t{2} << 32;
    s.send("peer-bob", proto::part{bob.secret, "ops"});
    EXPECT_EQ(s.enter("peer-alice", alice, "dev"),
              (proto::room_entered{"dev", generation_1, generation_1 + 1, 1}));
    EXPECT_TRUE(refused(s.send("peer-bob", proto::join{bob.secret, "ops"}), "peer-bob",
                        error_code::too_many_rooms));
    // Opened again, a forgotten room numbers its sequences in a later generation, above every
    // number its name had: subscribers tell it from a loss.
    s.send("peer-alice", proto::part{alice.secret, "dev"});
    const outbox reopened = s.send("peer-bob", proto::join{bob.secret, "ops"});
    EXPECT_EQ(only_event<proto::joined>(reopened),
              (proto::joined{test_epoch, generation_2 + 1, "ops", "bob", bob.session_id, 1,
                             generation_2}));
    EXPECT_EQ(only_reply<proto::room_entered>(reopened, "peer-bob"),
              (proto::room_entered{"ops", generation_2, generation_2 + 1, 1}));

    // A reload may raise the cap.
    config next = with_max_rooms(3);
    EXPECT_EQ(s.broker().reconfigure(next), (names{"max-rooms 2 -> 3"}));
    EXPECT_EQ(s.enter("peer-alice", alice, "dev").room, "dev");
}

// The room a HELLO names could be opened then, but by its READY the last empty room went to
// another: the session is joined in no room and told, and may enter one that exists.
TEST(BrokerRooms, AReadyWhoseRoomCanNoLongerBeOpenedIsTooManyRooms) {
    script s(with_max_rooms(2));
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob", "ops");
    s.send("peer-bob", proto::part{bob.secret, "ops"});
    const proto::welcome carol = s.hello("peer-carol", "carol", "dev");
    s.enter("peer-alice", alice, "qa"); // takes the place of the empty #ops
    EXPECT_TRUE(refused(s.send("peer-carol", proto::ready{carol.secret}), "peer-carol",
                        error_code::too_many_rooms));
    EXPECT_EQ(s.broker().online(), 3u); // carol is joined, in no room
    EXPECT_EQ(s.enter("peer-carol", carol, "lobby").online, 2u);
}

TEST(BrokerRooms, RoomsListsTheRoomsWithMembersInNameOrder) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice", "ops");
    const proto::welcome bob = s.join("peer-bob", "bob", "lobby");
    s.enter("peer-bob", bob, "ops");
    s.join("peer-carol", "carol", "a-team");
    const proto::welcome dave = s.join("peer-dave", "dave", "zz");
    s.send("peer-dave", proto::part{dave.secret, "zz"}); // kept, but empty

    const outbox out = s.send("peer-alice", proto::list_rooms{alice.secret});

    EXPECT_EQ(only_reply<proto::room_list>(out, "peer-alice"),
              (proto::room_list{{{"a-team", 1}, {"lobby", 1}, {"ops", 2}}}));
    EXPECT_TRUE(out.publications.empty());
    EXPECT_TRUE(out.log.empty());
}

TEST(BrokerRooms, WhoOfAnyRoomGivesItsRosterAndRosterVersion) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob", "ops");
    s.join("peer-carol", "Carol", "ops");
    s.send("peer-bob", proto::part{bob.secret, "ops"});
    s.send("peer-bob", proto::join{bob.secret, "ops"});

    // Whether or not the asker is in the room, so a user can look before joining.
    EXPECT_EQ(only_reply<proto::roster>(s.send("peer-alice", proto::who{alice.secret, "ops"}),
                                        "peer-alice"),
              (proto::roster{"ops", 4, {"bob", "Carol"}}));
    EXPECT_EQ(
        only_reply<proto::roster>(s.send("peer-bob", proto::who{bob.secret, "lobby"}), "peer-bob"),
        (proto::roster{"lobby", 1, {"alice"}}));
    EXPECT_EQ(only_reply<proto::roster>(s.send("peer-alice", proto::who{alice.secret, "nowhere"}),
                                        "peer-alice"),
              (proto::roster{"nowhere", 0, {}}));
}

TEST(BrokerRooms, ByeAnnouncesALeaveInEachRoomOfTheSession) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.join("peer-bob", "bob");
    s.enter("peer-alice", alice, "ops");
    s.enter("peer-alice", alice, "dev");

    const outbox out = s.send("peer-alice", proto::bye{alice.secret});

    const auto events = publications_of(out);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].topic, "presence/lobby/");
    EXPECT_EQ(events[1].topic, "presence/ops/");
    EXPECT_EQ(events[2].topic, "presence/dev/");
    const auto gone = departures(out);
    EXPECT_EQ(gone[0], (proto::left{test_epoch, 3, "lobby", "alice", alice.session_id, 1,
                                    proto::leave_reason::quit}));
    EXPECT_EQ(gone[1], (proto::left{test_epoch, 2, "ops", "alice", alice.session_id, 0,
                                    proto::leave_reason::quit}));
    EXPECT_EQ(gone[2], (proto::left{test_epoch, 2, "dev", "alice", alice.session_id, 0,
                                    proto::leave_reason::quit}));
    EXPECT_EQ(logged(out), (names{"info leave name=alice room=lobby online=1 reason=quit",
                                  "info leave name=alice room=ops online=0 reason=quit",
                                  "info leave name=alice room=dev online=0 reason=quit"}));
    EXPECT_EQ(s.broker().online(), 1u);
}

// ---- Liveness ----

config liveness_config() {
    config cfg;
    cfg.heartbeat_interval = 1s;
    cfg.liveness = 3;
    return cfg;
}

TEST(BrokerLiveness, SilentClientExpiresExactlyAtLivenessTimesInterval) {
    script s(liveness_config());
    s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");
    s.send("peer-alice", ping_at(secret_number(1), 0));
    s.now = t0 + 2s;
    s.send("peer-alice", ping_at(secret_number(1), 0));

    EXPECT_TRUE(departures(s.tick_at(t0 + 3s - 1ns)).empty());
    const outbox out = s.tick_at(t0 + 3s);
    const auto gone = departures(out);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].name, "bob");
    EXPECT_EQ(gone[0].session_id, bob.session_id);
    EXPECT_EQ(gone[0].reason, proto::leave_reason::timed_out);
    EXPECT_EQ(gone[0].online, 1u);
    EXPECT_EQ(logged(out), (names{"info leave name=bob room=lobby online=1 reason=timed_out"}));
    EXPECT_EQ(s.broker().online(), 1u);
}

TEST(BrokerLiveness, TimeTheBrokerDidNotRunIsNotCountedAsAnyonesSilence) {
    script s(liveness_config());
    s.join("peer-alice", "alice");
    s.join("peer-bob", "bob");
    // The broker was stopped from t0 to t0 + 10s: both clients' pings sat unread. Its loop woke
    // 10 s past its deadline and excused all but the first interval of that.
    outbox excused;
    s.broker().excuse_pause(9s, excused);
    EXPECT_EQ(logged(excused), (names{"warn pause-excused ms=9000"}));
    EXPECT_TRUE(excused.publications.empty());

    EXPECT_TRUE(departures(s.tick_at(t0 + 10s)).empty());
    s.now = t0 + 10500ms;
    s.send("peer-alice", ping_at(secret_number(1), 0)); // alice's queued ping is read
    // bob really left: he expires 3 s of counted silence later, alice does not.
    EXPECT_TRUE(departures(s.tick_at(t0 + 12s - 1ns)).empty());
    const auto gone = departures(s.tick_at(t0 + 12s));
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].name, "bob");
    EXPECT_EQ(s.broker().online(), 1u);
}

TEST(BrokerLiveness, ALoopThatIsOftenLateStillExpiresClientsThatLeft) {
    script s(liveness_config());
    s.join("peer-bob", "bob");
    // Every second the loop comes half a second later than it may: half of each second counts.
    std::optional<time_point> gone_at;
    for (int second = 1; second <= 10 && !gone_at; ++second) {
        const time_point t = t0 + std::chrono::seconds(second);
        if (!departures(s.tick_at(t)).empty())
            gone_at = t;
        outbox excused;
        s.broker().excuse_pause(500ms, excused);
    }
    // Four half seconds excused by then: 5 s passed, 3 s of them counted.
    EXPECT_EQ(gone_at, t0 + 5s);
}

TEST(BrokerLiveness, AnyMessageCountsAsASignOfLife) {
    script s(liveness_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.now = t0 + 2s;
    s.say("peer-alice", alice, 1, "still here");
    s.now = t0 + 4s;
    s.who("peer-alice", alice);
    EXPECT_TRUE(departures(s.tick_at(t0 + 7s - 1ns)).empty());
    EXPECT_EQ(departures(s.tick_at(t0 + 7s)).size(), 1u);
}

TEST(BrokerLiveness, ManyClientsExpireInTheOrderTheyFellSilentEachOnce) {
    script s(liveness_config());
    for (int i = 0; i < 100; ++i) {
        s.now = t0 + std::chrono::milliseconds(i);
        s.join("peer-" + std::to_string(i), "user" + std::to_string(i));
    }
    const auto gone = departures(s.tick_at(t0 + 1h));
    ASSERT_EQ(gone.size(), 100u);
    for (std::size_t i = 0; i < gone.size(); ++i) {
        EXPECT_EQ(gone[i].name, "user" + std::to_string(i));
        EXPECT_EQ(gone[i].online, 99u - i);
    }
    EXPECT_TRUE(departures(s.tick_at(t0 + 2h)).empty());
    EXPECT_EQ(s.broker().session_count(), 0u);
}

TEST(BrokerLiveness, NextDeadlineIsTheFirstExpiryOrHeartbeat) {
    script s(liveness_config());
    s.join("peer-alice", "alice");
    EXPECT_EQ(s.broker().next_deadline(), t0 + 1s); // the heartbeat comes first
    s.tick_at(t0 + 1s);
    s.tick_at(t0 + 2s);
    EXPECT_EQ(s.broker().next_deadline(), t0 + 3s); // both at once
}

TEST(BrokerLiveness, HeartbeatIsPublishedEveryIntervalWithTheRoomsState) {
    script s(liveness_config());
    s.join("peer-alice", "alice");
    EXPECT_TRUE(s.tick_at(t0 + 999ms).publications.empty());
    const outbox out = s.tick_at(t0 + 1s);
    EXPECT_EQ(only_event<proto::heartbeat>(out),
              (proto::heartbeat{test_epoch, 1, 1000, {{"lobby", 0, 1}}}));
    EXPECT_EQ(out.publications[0][0], "sys/heartbeat/");
    EXPECT_TRUE(s.tick_at(t0 + 1500ms).publications.empty());
    // Unchanged since, the lobby is still listed, in turn.
    EXPECT_EQ(only_event<proto::heartbeat>(s.tick_at(t0 + 2s)).heads,
              (std::vector<proto::room_head>{{"lobby", 0, 1}}));
}

TEST(BrokerLiveness, ExpiredClientsNextHeartbeatIsToldToJoinAgainOnce) {
    script s(liveness_config());
    const proto::welcome bob = s.join("peer-bob", "bob");
    EXPECT_EQ(departures(s.tick_at(t0 + 3s)).size(), 1u);

    EXPECT_TRUE(
        refused(s.send("peer-bob", ping_at(bob.secret, 1)), "peer-bob", error_code::not_joined));
    EXPECT_TRUE(silent(s.send("peer-bob", ping_at(bob.secret, 1))));
    EXPECT_TRUE(silent(s.send("peer-stranger", ping_at(bob.secret, 1))));
    EXPECT_TRUE(
        refused(s.say("peer-bob", bob, 4, "anyone?"), "peer-bob", error_code::not_joined, 4));
    EXPECT_EQ(s.join("peer-bob", "bob").name, "bob");
}

TEST(BrokerLiveness, AnExpiredSessionLeavesEachOfItsRooms) {
    script s(liveness_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.enter("peer-alice", alice, "ops");

    const outbox out = s.tick_at(t0 + 3s);

    const auto gone = departures(out);
    ASSERT_EQ(gone.size(), 2u);
    EXPECT_EQ(gone[0], (proto::left{test_epoch, 2, "lobby", "alice", alice.session_id, 0,
                                    proto::leave_reason::timed_out}));
    EXPECT_EQ(gone[1], (proto::left{test_epoch, 2, "ops", "alice", alice.session_id, 0,
                                    proto::leave_reason::timed_out}));
    EXPECT_EQ(s.broker().online(), 0u);
}

// The rooms a HEARTBEAT lists, by name.
names rooms_of(const proto::heartbeat& h) {
    names rooms;
    for (const auto& head : h.heads)
        rooms.push_back(head.room);
    return rooms;
}

TEST(BrokerLiveness, HeartbeatListsTheRoomsThatChangedThenSixteenOthersInTurn) {
    config cfg = liveness_config();
    cfg.liveness = 100; // alice stays without pinging
    script s(cfg);
    names all;
    for (int n = 0; n < 20; ++n)
        all.push_back((n < 10 ? "r0" : "r") + std::to_string(n));
    const proto::welcome alice = s.join("peer-alice", "alice", all[0]);
    for (std::size_t n = 1; n < all.size(); ++n)
        s.enter("peer-alice", alice, all[n]);

    // Every room changed since the last heartbeat: all are listed, however many.
    const auto first = only_event<proto::heartbeat>(s.tick_at(t0 + 1s));
    EXPECT_EQ(rooms_of(first), all);
    EXPECT_EQ(first.heads[7], (proto::room_head{"r07", 0, 1}));

    // None changed: sixteen, going on from where the turn stopped, round to the start.
    const auto second = only_event<proto::heartbeat>(s.tick_at(t0 + 2s));
    EXPECT_EQ(rooms_of(second), (names{"r16", "r17", "r18", "r19", "r00", "r01", "r02", "r03",
                                       "r04", "r05", "r06", "r07", "r08", "r09", "r10", "r11"}));

    // One changed: it comes first, and is not listed twice when its turn comes.
    s.say_in("peer-alice", alice, "r05", 1, "hi");
    const auto third = only_event<proto::heartbeat>(s.tick_at(t0 + 3s));
    EXPECT_EQ(third.heads.front(), (proto::room_head{"r05", 1, 1}));
    EXPECT_EQ(rooms_of(third), (names{"r05", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19",
                                      "r00", "r01", "r02", "r03", "r04", "r06", "r07"}));
    EXPECT_EQ(third.online, 1u);
}

TEST(BrokerLiveness, ByeStopsTheClockSoNoSecondDepartureFollows) {
    script s(liveness_config());
    const proto::welcome bob = s.join("peer-bob", "bob");
    EXPECT_EQ(departures(s.send("peer-bob", proto::bye{bob.secret})).size(), 1u);
    EXPECT_TRUE(departures(s.tick_at(t0 + 1h)).empty());
}

// ---- Reconnecting ----

TEST(BrokerResume, TicketFromANewConnectionTakesTheSessionOverWithoutLeaveOrJoin) {
    script s(liveness_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");

    const outbox out =
        s.send("peer-bob-2",
               proto::hello{"bob", "lobby", proto::resume_ticket{bob.session_id, bob.secret}});
    const auto replies = replies_of(out);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].peer, "peer-bob");
    EXPECT_EQ(std::get<proto::error>(replies[0].reply).code, error_code::session_replaced);
    EXPECT_EQ(replies[1].peer, "peer-bob-2");
    const auto w = std::get<proto::welcome>(replies[1].reply);
    EXPECT_EQ(w.session_id, bob.session_id);
    EXPECT_EQ(w.secret, bob.secret);
    EXPECT_EQ(w.online, 2u);
    EXPECT_EQ(only_event<proto::probe>(out).session_id, bob.session_id);

    // The READY on the new connection is silent: nobody sees bob leave or enter.
    EXPECT_TRUE(silent(s.send("peer-bob-2", proto::ready{bob.secret})));
    EXPECT_EQ(s.head("peer-alice", alice), (proto::room_entered{"lobby", 0, 2, 2}));
    EXPECT_EQ(only_event<proto::line>(s.say("peer-bob-2", bob, 1, "back")).sender, "bob");
    EXPECT_TRUE(refused(s.say("peer-bob", bob, 2, "old"), "peer-bob", error_code::not_joined, 2));
    EXPECT_EQ(s.broker().online(), 2u);
}

TEST(BrokerResume, AResumedSessionKeepsItsRoomsAndItsWelcomeCountsTheRoomNamed) {
    script s(liveness_config());
    const proto::welcome bob = s.join("peer-bob", "bob");
    s.enter("peer-bob", bob, "ops");
    s.join("peer-carol", "carol", "ops");

    const outbox out = s.send(
        "peer-bob-2", proto::hello{"bob", "ops", proto::resume_ticket{bob.session_id, bob.secret}});
    const auto replies = replies_of(out);
    ASSERT_EQ(replies.size(), 2u);
    const auto w = std::get<proto::welcome>(replies[1].reply);
    EXPECT_EQ(w.room, "ops");
    EXPECT_EQ(w.online, 2u);
    EXPECT_TRUE(departures(out).empty());

    EXPECT_TRUE(silent(s.send("peer-bob-2", proto::ready{bob.secret})));
    EXPECT_EQ(only_event<proto::line>(s.say_in("peer-bob-2", bob, "ops", 1, "back")).room, "ops");
    EXPECT_EQ(only_event<proto::line>(s.say("peer-bob-2", bob, 2, "back")).room, "lobby");
}

TEST(BrokerResume, ResumedSessionIsNoLongerProbedAfterReady) {
    script s(liveness_config());
    const proto::welcome bob = s.join("peer-bob", "bob");
    s.send("peer-bob-2",
           proto::hello{"bob", "lobby", proto::resume_ticket{bob.session_id, bob.secret}});
    s.send("peer-bob-2", proto::ready{bob.secret});
    for (const auto& p : publications_of(s.tick_at(t0 + 500ms)))
        EXPECT_FALSE(std::holds_alternative<proto::probe>(p.event));
}

TEST(BrokerResume, WrongSecretOrAnotherNameIsNotATakeover) {
    script s(liveness_config());
    const proto::welcome bob = s.join("peer-bob", "bob");
    EXPECT_TRUE(refused(
        s.send("peer-x", proto::hello{"bob", "lobby", proto::resume_ticket{bob.session_id, {}}}),
        "peer-x", error_code::name_taken));
    const outbox other =
        s.send("peer-y",
               proto::hello{"robert", "lobby", proto::resume_ticket{bob.session_id, bob.secret}});
    EXPECT_NE(only_reply<proto::welcome>(other, "peer-y").session_id, bob.session_id);
    EXPECT_EQ(s.who("peer-bob", bob), (names{"bob"}));
}

TEST(BrokerResume, UnknownTicketIsAFreshJoinUnderTheSameName) {
    script s(liveness_config());
    const proto::session_secret old_secret = secret_number(42);
    const outbox out =
        s.send("peer-bob", proto::hello{"bob", "lobby", proto::resume_ticket{7, old_secret}});
    const auto w = only_reply<proto::welcome>(out, "peer-bob");
    EXPECT_EQ(w.name, "bob");
    EXPECT_EQ(w.session_id, 1u);
    EXPECT_EQ(only_event<proto::joined>(s.send("peer-bob", proto::ready{w.secret})).name, "bob");
}

TEST(BrokerResume, ResumingOnTheSameConnectionIsWelcomedAgain) {
    script s(liveness_config());
    const proto::welcome bob = s.join("peer-bob", "bob");
    const outbox out = s.send(
        "peer-bob", proto::hello{"bob", "lobby", proto::resume_ticket{bob.session_id, bob.secret}});
    EXPECT_EQ(only_reply<proto::welcome>(out, "peer-bob").session_id, bob.session_id);
}

// ---- Slow subscribers ----

config lag_config() {
    config cfg = liveness_config();
    cfg.max_lag = 5;
    return cfg;
}

TEST(BrokerLag, ClientFarBehindForTheGracePeriodIsEvictedAsTooSlow) {
    script s(lag_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");
    for (int i = 1; i <= 10; ++i)
        s.say("peer-alice", alice, static_cast<std::uint64_t>(i), "line");
    constexpr std::uint64_t latest = 10; // the lobby's chat

    s.now = t0 + 1s;
    const outbox first = s.send("peer-bob", ping_at(bob.secret, latest - 6));
    EXPECT_EQ(logged(first), (names{"warn lagging name=bob behind=6"}));
    s.now = t0 + 3s;
    EXPECT_TRUE(silent(s.send("peer-bob", ping_at(bob.secret, latest - 6))));
    s.send("peer-alice", ping_at(alice.secret, latest));
    s.now = t0 + 4s;
    const outbox evicted = s.send("peer-bob", ping_at(bob.secret, latest - 6));
    EXPECT_EQ(std::get<proto::error>(replies_of(evicted).at(0).reply).code, error_code::evicted);
    const auto gone = departures(evicted);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].reason, proto::leave_reason::too_slow);
    EXPECT_EQ(logged(evicted).back(), "info leave name=bob room=lobby online=1 reason=too_slow");
}

TEST(BrokerLag, CatchingUpClearsTheLag) {
    script s(lag_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");
    for (int i = 1; i <= 10; ++i)
        s.say("peer-alice", alice, static_cast<std::uint64_t>(i), "line");
    constexpr std::uint64_t latest = 10; // the lobby's chat
    s.send("peer-bob", ping_at(bob.secret, 0));
    s.now = t0 + 2s;
    EXPECT_TRUE(silent(s.send("peer-bob", ping_at(bob.secret, latest))));
    s.now = t0 + 4s;
    s.send("peer-alice", ping_at(alice.secret, latest));
    EXPECT_TRUE(departures(s.send("peer-bob", ping_at(bob.secret, latest - 6))).empty());
    EXPECT_EQ(s.broker().online(), 2u);
}

TEST(BrokerLag, BehindInOneRoomIsLaggingThoughUpToDateInTheOthers) {
    script s(lag_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");
    s.enter("peer-alice", alice, "ops");
    s.enter("peer-bob", bob, "ops");
    const proto::welcome carol = s.join("peer-carol", "carol", "dev");
    for (std::uint64_t id = 1; id <= 10; ++id)
        s.say_in("peer-alice", alice, "ops", id, "line");
    for (std::uint64_t id = 1; id <= 20; ++id)
        s.say_in("peer-carol", carol, "dev", id, "line");
    s.say("peer-alice", alice, 11, "hi");
    // #dev is not his: what he reports of it is not judged.
    const proto::ping behind_in_ops{bob.secret, {{"lobby", 1}, {"ops", 4}, {"dev", 0}}};
    const proto::ping up_to_date{bob.secret, {{"lobby", 1}, {"ops", 10}, {"dev", 0}}};

    s.now = t0 + 1s;
    EXPECT_EQ(logged(s.send("peer-bob", behind_in_ops)), (names{"warn lagging name=bob behind=6"}));
    s.now = t0 + 2s;
    EXPECT_TRUE(silent(s.send("peer-bob", up_to_date)));
    s.now = t0 + 3s;
    EXPECT_EQ(logged(s.send("peer-bob", behind_in_ops)), (names{"warn lagging name=bob behind=6"}));
    s.now = t0 + 6s - 1ns;
    EXPECT_TRUE(silent(s.send("peer-bob", behind_in_ops)));
    s.now = t0 + 6s;
    const outbox evicted = s.send("peer-bob", behind_in_ops);
    EXPECT_EQ(errors_told(evicted), std::vector{error_code::evicted});
    names rooms;
    for (const auto& l : departures(evicted)) {
        EXPECT_EQ(l.reason, proto::leave_reason::too_slow);
        rooms.push_back(l.room);
    }
    EXPECT_EQ(rooms, (names{"lobby", "ops"}));
}

// ---- Stats ----

TEST(BrokerStats, CountersArePublishedEveryStatsInterval) {
    config cfg = test_config();
    cfg.stats_interval = 5s;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");
    s.join("peer-carol", "carol", "ops");
    const proto::welcome dave = s.join("peer-dave", "dave", "dev");
    s.say("peer-alice", alice, 1, "hi");
    s.say("peer-alice", alice, 2, "");                        // E_EMPTY_TEXT
    s.send("peer-x", proto::who{});                           // E_NOT_JOINED
    s.send_frames("peer-x", proto::frame_list{"GET / HTTP"}); // E_BAD_SIGNATURE
    s.send("peer-bob", proto::bye{bob.secret});
    s.send("peer-dave", proto::bye{dave.secret}); // #dev is kept, empty

    EXPECT_TRUE(s.tick_at(t0 + 5s - 1ns).publications.empty());
    const outbox out = s.tick_at(t0 + 5s);
    const auto st = only_event<proto::stats>(out);
    EXPECT_EQ(out.publications[0][0], "sys/stats/");
    EXPECT_EQ(st.uptime_ms, 5000u);
    EXPECT_EQ(st.events_published, 7u); // four joins, one line, two leaves, in three rooms
    EXPECT_EQ(st.online, 2u);
    EXPECT_EQ(st.peak_online, 4u);
    EXPECT_EQ(st.rooms, 2u); // #lobby and #ops have members, #dev none
    EXPECT_EQ(st.lines_in, 1u);
    EXPECT_GT(st.bytes_in, 0u);
    EXPECT_GT(st.bytes_out, st.bytes_in);
    EXPECT_EQ(st.rejected, (std::vector<proto::rejection>{{error_code::bad_signature, 1},
                                                          {error_code::not_joined, 1},
                                                          {error_code::empty_text, 1}}));
    EXPECT_EQ(st.expired, 0u);
    EXPECT_EQ(st.evicted, 0u);
    // The log shows the counters with the STATS, when something happened since they were last
    // logged.
    const auto starts_and_ends = [](const names& lines, std::string_view start,
                                    std::string_view end) {
        return lines.size() == 1 && lines[0].starts_with(start) && lines[0].ends_with(end);
    };
    EXPECT_TRUE(starts_and_ends(logged(out),
                                "info stats online=2 peak_online=4 events=7 lines_in=1 "
                                "bytes_in=",
                                " expired=0 evicted=0 errors_not_sent=0 "
                                "rejected=E_BAD_SIGNATURE:1,E_NOT_JOINED:1,E_EMPTY_TEXT:1"))
        << logged(out).at(0);
    EXPECT_TRUE(s.tick_at(t0 + 9s).publications.empty());
    const outbox quiet = s.tick_at(t0 + 10s);
    EXPECT_EQ(only_event<proto::stats>(quiet).uptime_ms, 10000u);
    EXPECT_TRUE(quiet.log.empty());
    s.send("peer-x", proto::who{});
    EXPECT_TRUE(starts_and_ends(logged(s.tick_at(t0 + 15s)), "info stats online=2 ",
                                "rejected=E_BAD_SIGNATURE:1,E_NOT_JOINED:2,E_EMPTY_TEXT:1"));
}

// A resume clears the session's lag record, and with it its place in the lagging count.
TEST(BrokerStats, AResumeTakesItsSessionOutOfTheLaggingCount) {
    config cfg = lag_config();
    cfg.stats_interval = 2s;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");
    for (int i = 1; i <= 10; ++i)
        s.say("peer-alice", alice, static_cast<std::uint64_t>(i), "line");
    s.send("peer-bob", ping_at(bob.secret, 0)); // lagging from now
    s.send("peer-bob2",
           proto::hello{"bob", "lobby", proto::resume_ticket{bob.session_id, bob.secret}});
    s.send("peer-alice", ping_at(alice.secret, 10));
    std::optional<std::uint32_t> lagging;
    for (const auto& p : publications_of(s.tick_at(t0 + 2s)))
        if (const auto* st = std::get_if<proto::stats>(&p.event))
            lagging = st->lagging;
    EXPECT_EQ(lagging, 0u);
}

TEST(BrokerStats, ExpiryEvictionAndLagAreCounted) {
    config cfg = lag_config();
    cfg.stats_interval = 1h;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");
    s.join("peer-carol", "carol");
    for (int i = 1; i <= 10; ++i)
        s.say("peer-alice", alice, static_cast<std::uint64_t>(i), "line");
    s.send("peer-bob", ping_at(bob.secret, 0)); // lagging from now
    s.tick_at(t0 + 3s);                         // everyone expires, bob included
    const std::string summary = s.broker().summary();
    EXPECT_NE(summary.find("expired=3 evicted=0"), std::string::npos) << summary;
    EXPECT_NE(summary.find("peak_online=3"), std::string::npos) << summary;
    EXPECT_NE(summary.find("lines_in=10"), std::string::npos) << summary;
    bool published = false;
    for (const auto& p : publications_of(s.tick_at(t0 + 1h))) {
        if (const auto* st = std::get_if<proto::stats>(&p.event)) {
            EXPECT_EQ(st->expired, 3u);
            EXPECT_EQ(st->lagging, 0u); // bob's lag ended with his session
            published = true;
        }
    }
    EXPECT_TRUE(published);
}

// ---- Rate limits and the ERROR cap ----

config rate_config() {
    config cfg = test_config();
    cfg.rate_per_second = 20;
    cfg.rate_burst = 40;
    cfg.flood_grace = 5s;
    cfg.max_errors = 0; // these tests send garbage too, and are about the rate
    return cfg;
}

std::size_t count_lines(const outbox& out) {
    const auto events = publications_of(out);
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [](const auto& p) {
        return std::holds_alternative<proto::line>(p.event);
    }));
}

TEST(BrokerRate, BurstThenRateArePublishedAndTheRestRefused) {
    script s(rate_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    EXPECT_EQ(alice.rate_per_second, 20u);
    EXPECT_EQ(alice.rate_burst, 40u);
    std::size_t published = 0;
    std::size_t refused_count = 0;
    // 1,000 lines within one second: the burst of 40 plus 20 more as tokens come back.
    for (int i = 1; i <= 1000; ++i) {
        s.now = t0 + std::chrono::milliseconds(i);
        const outbox out = s.say("peer-alice", alice, static_cast<std::uint64_t>(i), "flood");
        published += count_lines(out);
        for (const auto& r : replies_of(out)) {
            if (const auto* e = std::get_if<proto::error>(&r.reply)) {
                EXPECT_EQ(e->code, error_code::rate_limited);
                ++refused_count;
            }
        }
    }
    EXPECT_GE(published, 59u);
    EXPECT_LE(published, 61u);
    // One ERROR per refused line until the per-peer ERROR cap (10/s) takes over.
    EXPECT_LE(refused_count, 10u + 10u);
    EXPECT_GE(refused_count, 10u);
}

TEST(BrokerRate, FloodingOnPastTheGraceEndsTheSession) {
    script s(rate_config());
    s.join("peer-bob", "bob");
    const proto::welcome alice = s.join("peer-alice", "alice");
    std::vector<proto::left> gone;
    for (int i = 1; i <= 200 && gone.empty(); ++i) {
        s.now = t0 + std::chrono::milliseconds(50 * i); // 20/s, but each burst spent at once
        for (int j = 0; j < 5 && gone.empty(); ++j)
            gone = departures(
                s.say("peer-alice", alice, static_cast<std::uint64_t>(i * 10 + j), "flood"));
    }
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].name, "alice");
    EXPECT_EQ(gone[0].reason, proto::leave_reason::flooding);
    EXPECT_GE(s.now - t0, 5s);
    EXPECT_LE(s.now - t0, 8s);
    EXPECT_EQ(s.broker().online(), 1u);
}

TEST(BrokerRate, EvictionIsToldEvenWhenTheErrorCapIsSpent) {
    script s(rate_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    std::vector<error_code> told;
    for (int i = 1; i <= 200; ++i) {
        s.now = t0 + std::chrono::milliseconds(50 * i);
        // Garbage first, so that the ERROR budget is always spent when the eviction comes.
        for (int j = 0; j < 20; ++j)
            s.send_frames("peer-alice", proto::frame_list{"junk"});
        for (int j = 0; j < 5; ++j) {
            const outbox out =
                s.say("peer-alice", alice, static_cast<std::uint64_t>(i * 10 + j), "flood");
            for (const auto& r : replies_of(out))
                if (const auto* e = std::get_if<proto::error>(&r.reply))
                    told.push_back(e->code);
        }
    }
    EXPECT_EQ(std::count(told.begin(), told.end(), error_code::evicted), 1);
    EXPECT_EQ(s.broker().online(), 0u);
}

TEST(BrokerRate, SendingWithinTheRateIsNeverRefused) {
    script s(rate_config());
    const proto::welcome alice = s.join("peer-alice", "alice");
    for (int i = 1; i <= 200; ++i) {
        s.now = t0 + std::chrono::milliseconds(50 * i);
        EXPECT_EQ(count_lines(s.say("peer-alice", alice, static_cast<std::uint64_t>(i), "ok")), 1u);
    }
}

TEST(BrokerRate, RateZeroLiftsTheLimit) {
    config cfg = rate_config();
    cfg.rate_per_second = 0;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    EXPECT_EQ(alice.rate_per_second, 0u);
    for (int i = 1; i <= 5000; ++i)
        ASSERT_EQ(count_lines(s.say("peer-alice", alice, static_cast<std::uint64_t>(i), "x")), 1u);
}

TEST(BrokerRate, PingIsNeverChargedAgainstTheRate) {
    config cfg = rate_config();
    cfg.rate_per_second = 1;
    cfg.rate_burst = 1;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    EXPECT_EQ(count_lines(s.say("peer-alice", alice, 1, "spends the only token")), 1u);
    // A hundred PINGs a second for twice the flood grace: none refused, none counted.
    for (int i = 1; i <= 1000; ++i) {
        s.now = t0 + std::chrono::milliseconds(10 * i);
        ASSERT_TRUE(silent(s.send("peer-alice", ping_at(alice.secret, 1))));
    }
    EXPECT_EQ(s.broker().online(), 1u);
    EXPECT_NE(s.broker().summary().find("rejected=none"), std::string::npos)
        << s.broker().summary();
}

// ---- The error budget (RELIABILITY S8) ----

config budget_config(std::uint32_t max_errors) {
    config cfg = test_config();
    cfg.max_errors = max_errors;
    return cfg;
}

const proto::frame_list junk{"junk"};

TEST(BrokerErrorBudget, OneErrorShortOfTheBudgetKeepsTheSession) {
    script s(budget_config(5));
    s.join("peer-bob", "bob");
    const proto::welcome alice = s.join("peer-alice", "alice");
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(departures(s.send_frames("peer-alice", junk)).empty());
    EXPECT_EQ(s.broker().online(), 2u);
    EXPECT_EQ(count_lines(s.say("peer-alice", alice, 1, "still here")), 1u);
}

TEST(BrokerErrorBudget, TheErrorThatReachesTheBudgetEndsTheSession) {
    script s(budget_config(5));
    s.join("peer-bob", "bob");
    s.join("peer-alice", "alice");
    for (int i = 0; i < 4; ++i)
        s.send_frames("peer-alice", junk);
    const outbox out = s.send_frames("peer-alice", junk);
    EXPECT_EQ(errors_told(out), (std::vector{error_code::bad_signature, error_code::evicted}));
    const auto gone = departures(out);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].name, "alice");
    EXPECT_EQ(gone[0].reason, proto::leave_reason::too_many_errors);
    EXPECT_EQ(gone[0].online, 1u);
    EXPECT_EQ(logged(out).back(),
              "info leave name=alice room=lobby online=1 reason=too_many_errors");
    EXPECT_EQ(s.broker().online(), 1u);
    // One over: the connection has no session now, so nothing more ends.
    const outbox after = s.send_frames("peer-alice", junk);
    EXPECT_TRUE(departures(after).empty());
    EXPECT_EQ(errors_told(after), std::vector{error_code::bad_signature});
    EXPECT_NE(s.broker().summary().find("evicted=1"), std::string::npos) << s.broker().summary();
}

TEST(BrokerErrorBudget, EveryKindOfRefusalCountsButTheRateLimit) {
    config cfg = budget_config(4);
    cfg.rate_per_second = 1;
    cfg.rate_burst = 1;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.say("peer-alice", alice, 1, "spends the only token");
    for (int i = 0; i < 10; ++i) // refused for the rate: not counted
        s.say("peer-alice", alice, 2, "x");
    EXPECT_EQ(s.broker().online(), 1u);
    s.send("peer-alice", proto::hello{"alice", "lobby", std::nullopt}); // E_ALREADY_JOINED
    s.send("peer-alice", proto::ready{secret_number(9)}); // wrong secret: E_NOT_JOINED
    s.send_frames("peer-alice", proto::frame_list{"ZCHAT\x01", "PING"}); // E_VERSION
    EXPECT_EQ(s.broker().online(), 1u);
    const auto gone = departures(s.send_frames("peer-alice", junk));
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].reason, proto::leave_reason::too_many_errors);
}

TEST(BrokerErrorBudget, TheCountStartsAgainAfterTenSeconds) {
    script s(budget_config(5));
    s.join("peer-alice", "alice");
    for (int i = 0; i < 3; ++i)
        s.send_frames("peer-alice", junk);
    s.now = t0 + 9999ms; // still the first window
    s.send_frames("peer-alice", junk);
    s.now = t0 + 10s;
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(departures(s.send_frames("peer-alice", junk)).empty());
    EXPECT_EQ(s.broker().online(), 1u);
    EXPECT_EQ(departures(s.send_frames("peer-alice", junk)).size(), 1u);
}

TEST(BrokerErrorBudget, OnlyTheSessionsOwnConnectionAndKeySpendIt) {
    config cfg = budget_config(3);
    cfg.bound_names = {"alice"};
    script s(cfg);
    const proto::welcome w = only_reply<proto::welcome>(
        s.send("peer-alice", proto::hello{"alice", "lobby", std::nullopt}, "alice"), "peer-alice");
    s.send("peer-alice", proto::ready{w.secret}, "alice");
    ASSERT_EQ(s.broker().online(), 1u);
    for (int i = 0; i < 10; ++i) {
        s.send_frames("peer-mallory", junk);
        // The same routing id under another key is not alice's connection.
        s.send_frames("peer-alice", junk, "mallory");
    }
    EXPECT_EQ(s.broker().online(), 1u);
    s.send_frames("peer-alice", junk, "alice");
    s.send_frames("peer-alice", junk, "alice");
    EXPECT_EQ(departures(s.send_frames("peer-alice", junk, "alice")).size(), 1u);
}

TEST(BrokerErrorBudget, ARefusedLineCanEndItAndItsErrorComesFirst) {
    script s(budget_config(2));
    s.join("peer-bob", "bob");
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.say("peer-alice", alice, 1, "");
    const outbox out = s.say("peer-alice", alice, 2, "");
    EXPECT_EQ(errors_told(out), (std::vector{error_code::empty_text, error_code::evicted}));
    EXPECT_EQ(replies_of(out).front().peer, "peer-alice");
    ASSERT_EQ(departures(out).size(), 1u);
    EXPECT_EQ(departures(out)[0].name, "alice");
}

TEST(BrokerErrorBudget, HeartbeatsWithAWrongSecretCountThoughTheyAreNeverAnswered) {
    script s(budget_config(3));
    s.join("peer-alice", "alice");
    const proto::ping forged = ping_at(secret_number(9), 0);
    EXPECT_TRUE(s.send("peer-alice", forged).replies.empty());
    EXPECT_TRUE(s.send("peer-alice", forged).replies.empty());
    const outbox out = s.send("peer-alice", forged);
    EXPECT_EQ(errors_told(out), std::vector{error_code::evicted});
    EXPECT_EQ(departures(out).size(), 1u);
}

TEST(BrokerErrorBudget, ZeroLiftsIt) {
    script s(budget_config(0));
    s.join("peer-alice", "alice");
    for (int i = 0; i < 1000; ++i)
        ASSERT_TRUE(departures(s.send_frames("peer-alice", junk)).empty());
    EXPECT_EQ(s.broker().online(), 1u);
}

TEST(BrokerErrorCap, GarbageFromOnePeerDrawsAtMostTenErrorsASecondButIsAllCounted) {
    script s(test_config());
    std::size_t errors = 0;
    for (int i = 0; i < 1000; ++i)
        errors += s.send_frames("peer-mallory", proto::frame_list{"junk"}).replies.size();
    EXPECT_EQ(errors, 10u);
    s.now += 1s;
    EXPECT_EQ(s.send_frames("peer-mallory", proto::frame_list{"junk"}).replies.size(), 1u);
    // Another peer has a budget of its own.
    EXPECT_EQ(s.send_frames("peer-other", proto::frame_list{"junk"}).replies.size(), 1u);
    const std::string summary = s.broker().summary();
    EXPECT_NE(summary.find("errors_not_sent=990"), std::string::npos) << summary;
    EXPECT_NE(summary.find("E_BAD_SIGNATURE:1002"), std::string::npos) << summary;
}

TEST(BrokerCore, SessionsOfKeysRemovedFromTheAllowlistEndAndTheirConnectionsAreNotHeard) {
    script s(with_bound_names({"alice"}));
    const credential anyone{.key = "key-b", .bound_name = "", .revoked = false};
    const proto::welcome alice = join_with_key(s, "peer-a", "alice", "alice");
    const auto bob = only_reply<proto::welcome>(
        s.send_as("peer-b", proto::encode(proto::hello{"bob", "lobby", std::nullopt}), anyone),
        "peer-b");
    s.send_as("peer-b", proto::encode(proto::ready{bob.secret}), anyone);
    // carol, on bob's key too, has not confirmed her join yet.
    s.send_as("peer-c", proto::encode(proto::hello{"carol", "lobby", std::nullopt}), anyone);
    ASSERT_EQ(s.broker().session_count(), 3u);

    // The reload keeps alice's key, drops key-b.
    const auto reloaded = [](std::string_view key) -> std::optional<std::string_view> {
        if (key == "alice")
            return "alice";
        return std::nullopt;
    };
    outbox out;
    s.broker().end_sessions_not_allowed(reloaded, out);
    const auto replies = replies_of(out);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].peer, "peer-b");
    EXPECT_EQ(std::get<proto::error>(replies[0].reply).code, error_code::evicted);
    const auto gone = departures(out);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].name, "bob");
    EXPECT_EQ(gone[0].reason, proto::leave_reason::key_revoked);
    EXPECT_EQ(logged(out), (names{"info leave name=bob room=lobby online=1 reason=key_revoked"}));
    EXPECT_EQ(s.broker().session_count(), 1u); // carol's join is forgotten without a word
    EXPECT_EQ(s.broker().online(), 1u);

    // Whatever the connection sends afterwards is refused, a new HELLO included.
    const credential revoked{.key = "key-b", .bound_name = "", .revoked = true};
    EXPECT_TRUE(refused(
        s.send_as("peer-b", proto::encode(proto::hello{"bob", "lobby", std::nullopt}), revoked),
        "peer-b", error_code::evicted));
    EXPECT_EQ(s.broker().session_count(), 1u);
    // alice, on a key still listed, chats on.
    EXPECT_EQ(only_event<proto::line>(
                  s.send("peer-a", proto::say{alice.secret, "lobby", 1, "still"}, "alice"))
                  .text,
              "still");
}

// A command whose envelope its connection may not send (PROTOCOL.md, section 2a; the server
// splits the envelope and says why) is refused with that reason, along its path.
TEST(BrokerCore, ACommandWithAnEnvelopeItsConnectionMayNotSendIsRefusedWithTheReason) {
    script s;
    credential no_relay{.key = "key-r", .bound_name = "", .revoked = false};
    no_relay.refusal = "commands through a relay are refused: the key that sent this one is not a "
                       "relay's";
    std::string scratch;
    const std::vector<std::string_view> path{"peer-r", "client-1"};
    const std::string relayed_peer{peer_key(path, scratch)};
    const outbox out = s.send_as(
        relayed_peer, proto::encode(proto::hello{"mallory", "lobby", std::nullopt}), no_relay);
    ASSERT_TRUE(refused(out, relayed_peer, error_code::malformed));
    EXPECT_EQ(only_reply<proto::error>(out, relayed_peer).reason, no_relay.refusal);
    EXPECT_EQ(s.broker().session_count(), 0u);
    // Without a refusal the same path joins.
    const credential anyone{.key = "", .bound_name = "", .revoked = false};
    only_reply<proto::welcome>(
        s.send_as(relayed_peer, proto::encode(proto::hello{"alice", "lobby", std::nullopt}),
                  anyone),
        relayed_peer);
}

// A session carried by a relay ends when the relay's key is removed, though its own key stays
// listed, and whatever that relay carries afterwards is refused with the reason.
TEST(BrokerCore, SessionsCarriedByARelayWhoseKeyIsRemovedEnd) {
    script s;
    std::string scratch;
    const std::vector<std::string_view> path{"peer-r", "client-1"};
    const std::string relayed{peer_key(path, scratch)};
    credential via_relay{.key = "key-d", .bound_name = "", .revoked = false};
    via_relay.relay_key = "key-r";
    const auto dave = only_reply<proto::welcome>(
        s.send_as(relayed, proto::encode(proto::hello{"dave", "lobby", std::nullopt}), via_relay),
        relayed);
    s.send_as(relayed, proto::encode(proto::ready{dave.secret}), via_relay);
    ASSERT_EQ(s.broker().online(), 1u);

    const auto without_relay = [](std::string_view key) -> std::optional<std::string_view> {
        if (key == "key-d")
            return "";
        return std::nullopt;
    };
    outbox out;
    s.broker().end_sessions_not_allowed(without_relay, out);
    const auto replies = replies_of(out);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].peer, relayed);
    EXPECT_EQ(std::get<proto::error>(replies[0].reply).reason,
              "the relay that carries your commands was removed from the broker's allowlist");
    const auto gone = departures(out);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].reason, proto::leave_reason::key_revoked);

    via_relay.relay_revoked = true;
    const outbox later =
        s.send_as(relayed, proto::encode(proto::hello{"dave", "lobby", std::nullopt}), via_relay);
    ASSERT_TRUE(refused(later, relayed, error_code::evicted));
    EXPECT_EQ(only_reply<proto::error>(later, relayed).reason,
              "the relay that carries your commands was removed from the broker's allowlist");
}

// A reload that binds names differently ends the sessions the new bindings forbid: a key now
// bound to another name, and an unbound key under a name now bound to another key.
TEST(BrokerCore, SessionsThatANewNameBindingForbidsEnd) {
    script s;
    const auto as = [](std::string_view key) {
        return credential{.key = key, .bound_name = "", .revoked = false};
    };
    for (const auto& [peer, name, key] : {std::tuple{"peer-a", "alice", "k1"},
                                          {"peer-c", "carol", "k2"},
                                          {"peer-d", "dave", "k3"}}) {
        const auto w = only_reply<proto::welcome>(
            s.send_as(peer, proto::encode(proto::hello{name, "lobby", std::nullopt}), as(key)),
            peer);
        s.send_as(peer, proto::encode(proto::ready{w.secret}), as(key));
    }
    ASSERT_EQ(s.broker().online(), 3u);

    // k1 is now bound to "alicia"; "carol" now belongs to k9; dave's k3 stays unbound.
    config next = test_config();
    next.bound_names = {"alicia", "carol"};
    s.broker().reconfigure(next);
    const auto reloaded = [](std::string_view key) -> std::optional<std::string_view> {
        if (key == "k1")
            return "alicia";
        return "";
    };
    outbox out;
    s.broker().end_sessions_not_allowed(reloaded, out);
    names gone;
    for (const auto& l : departures(out)) {
        EXPECT_EQ(l.reason, proto::leave_reason::key_revoked);
        gone.push_back(l.name);
    }
    EXPECT_EQ(gone, (names{"alice", "carol"}));
    EXPECT_EQ(replies_of(out).size(), 2u); // each told E_EVICTED
    EXPECT_EQ(s.broker().online(), 1u);
}

// ---- Private messages ----

TEST(BrokerPrivate, AMsgReachesItsRecipientAloneIsAcknowledgedAndIsNeverPublished) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.join("peer-bob", "bob");
    s.join("peer-carol", "carol");
    const outbox out = s.send("peer-alice", proto::private_say{alice.secret, "BOB", 4, "psst"});
    EXPECT_TRUE(out.publications.empty());
    EXPECT_TRUE(out.log.empty()); // its text is logged at debug level only
    const auto replies = replies_of(out);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].peer, "peer-bob");
    EXPECT_EQ(std::get<proto::private_line>(replies[0].reply),
              (proto::private_line{"alice", alice.session_id, 4, "psst"}));
    EXPECT_EQ(replies[1].peer, "peer-alice");
    EXPECT_EQ(std::get<proto::ack>(replies[1].reply), (proto::ack{4, 0, 1}));
}

TEST(BrokerPrivate, AMsgToANameNobodyOnlineHasIsNoSuchUserWithItsMessageId) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    EXPECT_TRUE(refused(s.send("peer-alice", proto::private_say{alice.secret, "zed", 5, "hi"}),
                        "peer-alice", error_code::no_such_user, 5));
    // A session still joining is nobody to write to yet.
    s.hello("peer-carol", "carol");
    EXPECT_TRUE(refused(s.send("peer-alice", proto::private_say{alice.secret, "carol", 6, "hi"}),
                        "peer-alice", error_code::no_such_user, 6));
}

TEST(BrokerPrivate, AMsgToOneselfComesBackAsPrivateAndAck) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    const auto replies =
        replies_of(s.send("peer-alice", proto::private_say{alice.secret, "alice", 1, "note"}));
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(std::get<proto::private_line>(replies[0].reply).text, "note");
    EXPECT_EQ(std::get<proto::ack>(replies[1].reply).message_id, 1u);
}

TEST(BrokerPrivate, AMsgBreakingATextRuleIsRefusedWithItsMessageIdAndReachesNobody) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.join("peer-bob", "bob");
    EXPECT_TRUE(refused(s.send("peer-alice", proto::private_say{alice.secret, "bob", 7, ""}),
                        "peer-alice", error_code::empty_text, 7));
    EXPECT_TRUE(refused(s.send("peer-alice", proto::private_say{alice.secret, "bob", 8, "a\nb"}),
                        "peer-alice", error_code::control_char, 8));
}

TEST(BrokerRate, PrivateMessagesAreChargedLikeLines) {
    config cfg = rate_config();
    cfg.rate_per_second = 1;
    cfg.rate_burst = 1;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.join("peer-bob", "bob");
    EXPECT_EQ(
        replies_of(s.send("peer-alice", proto::private_say{alice.secret, "bob", 1, "a"})).size(),
        2u);
    EXPECT_TRUE(refused(s.send("peer-alice", proto::private_say{alice.secret, "bob", 2, "b"}),
                        "peer-alice", error_code::rate_limited, 2));
}

// ---- History (PROTOCOL.md, section 7a) ----

// The HISTORY replies an outbox holds, which must be all its replies, to `peer`.
std::vector<proto::history> histories_of(const outbox& out, std::string_view peer) {
    std::vector<proto::history> result;
    for (const sent_reply& r : replies_of(out)) {
        EXPECT_EQ(r.peer, peer);
        if (const auto* h = std::get_if<proto::history>(&r.reply))
            result.push_back(*h);
        else
            ADD_FAILURE() << "a reply other than HISTORY";
    }
    return result;
}

std::vector<std::uint64_t> seqs_of(const std::vector<proto::history_line>& lines) {
    std::vector<std::uint64_t> seqs;
    for (const auto& l : lines)
        seqs.push_back(l.seq);
    return seqs;
}

TEST(BrokerHistory, FetchAnswersWithTheLinesKeptInOrderWithTheirAgeAndPublishesNothing) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    const proto::welcome bob = s.join("peer-bob", "bob");
    s.say("peer-alice", alice, 1, "one");
    s.now += 2s;
    s.send("peer-bob", proto::say{bob.secret, "lobby", 7, "waves", proto::line_kind::action});
    s.now += 500ms;

    const outbox out = s.send("peer-bob", proto::fetch{bob.secret, "lobby", 1, 2});

    EXPECT_TRUE(out.publications.empty());
    EXPECT_EQ(histories_of(out, "peer-bob"),
              (std::vector<proto::history>{
                  {"lobby",
                   1,
                   2,
                   0,
                   {{1, 2500, "alice", alice.session_id, 1, proto::line_kind::text, "one"},
                    {2, 500, "bob", bob.session_id, 7, proto::line_kind::action, "waves"}}}}));
}

TEST(BrokerHistory, AnyRangeIsAnsweredWithWhatIsKeptOfItAndNoMore) {
    config cfg = test_config();
    cfg.history.lines = 3;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    for (std::uint64_t id = 1; id <= 5; ++id)
        s.say("peer-alice", alice, id, "line " + std::to_string(id));
    const auto fetch = [&](std::uint64_t first, std::uint64_t last) {
        const auto answers = histories_of(
            s.send("peer-alice", proto::fetch{alice.secret, "lobby", first, last}), "peer-alice");
        EXPECT_EQ(answers.size(), 1u);
        EXPECT_EQ(answers.at(0).first, first);
        EXPECT_EQ(answers.at(0).last, last);
        EXPECT_EQ(answers.at(0).more, 0u);
        return seqs_of(answers.at(0).lines);
    };
    using seqs = std::vector<std::uint64_t>;
    EXPECT_EQ(fetch(1, 5), (seqs{3, 4, 5}));
    EXPECT_EQ(fetch(1, UINT64_MAX), (seqs{3, 4, 5}));
    EXPECT_EQ(fetch(4, 4), (seqs{4}));
    EXPECT_EQ(fetch(1, 2), seqs{});
    EXPECT_EQ(fetch(6, 1000), seqs{});
}

TEST(BrokerHistory, AReversedOrZeroRangeIsABadRangeAndAnotherRoomIsNotInRoom) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.join("peer-bob", "bob", "ops");
    s.say("peer-alice", alice, 1, "hi");
    EXPECT_TRUE(refused(s.send("peer-alice", proto::fetch{alice.secret, "lobby", 5, 3}),
                        "peer-alice", error_code::bad_range));
    EXPECT_TRUE(refused(s.send("peer-alice", proto::fetch{alice.secret, "lobby", 0, 3}),
                        "peer-alice", error_code::bad_range));
    EXPECT_TRUE(refused(s.send("peer-alice", proto::fetch{alice.secret, "ops", 1, 3}), "peer-alice",
                        error_code::not_in_room));
    EXPECT_TRUE(refused(s.send("peer-alice", proto::fetch{alice.secret, "Not a room", 1, 3}),
                        "peer-alice", error_code::not_in_room));
    const proto::welcome pending = s.hello("peer-carol", "carol");
    EXPECT_TRUE(refused(s.send("peer-carol", proto::fetch{pending.secret, "lobby", 1, 1}),
                        "peer-carol", error_code::not_joined));
}

TEST(BrokerHistory, ALongAnswerIsSpreadOverHistoriesOfBoundedSizeInOrder) {
    config cfg = test_config();
    cfg.rate_per_second = 0;
    cfg.history = {100, 1024 * 1024};
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    for (std::uint64_t id = 1; id <= 40; ++id)
        s.say("peer-alice", alice, id, std::string(4000, 'x'));

    const outbox out = s.send("peer-alice", proto::fetch{alice.secret, "lobby", 1, 40});

    const auto answers = histories_of(out, "peer-alice");
    ASSERT_GE(answers.size(), 3u);
    std::vector<std::uint64_t> all;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        EXPECT_EQ(answers[i].more, i + 1 < answers.size() ? 1u : 0u);
        EXPECT_EQ(answers[i].first, 1u);
        EXPECT_EQ(answers[i].last, 40u);
        const auto seqs = seqs_of(answers[i].lines);
        all.insert(all.end(), seqs.begin(), seqs.end());
    }
    std::vector<std::uint64_t> expected(40);
    std::iota(expected.begin(), expected.end(), 1u);
    EXPECT_EQ(all, expected);
    for (const auto& r : out.replies)
        EXPECT_LE(r.frames.front().size(), 64u * 1024 + 100);
}

TEST(BrokerHistory, WithHistoryOffNothingIsKept) {
    config cfg = test_config();
    cfg.history.lines = 0;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    s.say("peer-alice", alice, 1, "hi");
    const auto answers =
        histories_of(s.send("peer-alice", proto::fetch{alice.secret, "lobby", 1, 1}), "peer-alice");
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_TRUE(answers[0].lines.empty());
}

TEST(BrokerHistory, AReloadToASmallerHistoryForgetsTheOldestLinesAtOnce) {
    script s;
    const proto::welcome alice = s.join("peer-alice", "alice");
    for (std::uint64_t id = 1; id <= 5; ++id)
        s.say("peer-alice", alice, id, "line");
    config next = test_config();
    next.history.lines = 2;
    EXPECT_EQ(s.broker().reconfigure(next), (names{"history-size 200 -> 2"}));
    const auto answers =
        histories_of(s.send("peer-alice", proto::fetch{alice.secret, "lobby", 1, 5}), "peer-alice");
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(seqs_of(answers[0].lines), (std::vector<std::uint64_t>{4, 5}));
}

TEST(BrokerHistory, AFetchIsChargedLikeALine) {
    config cfg = rate_config();
    cfg.rate_per_second = 1;
    cfg.rate_burst = 1;
    script s(cfg);
    const proto::welcome alice = s.join("peer-alice", "alice");
    EXPECT_EQ(
        histories_of(s.send("peer-alice", proto::fetch{alice.secret, "lobby", 1, 1}), "peer-alice")
            .size(),
        1u);
    EXPECT_TRUE(refused(s.send("peer-alice", proto::fetch{alice.secret, "lobby", 1, 1}),
                        "peer-alice", error_code::rate_limited));
}

} // namespace
} // namespace zchat::broker
