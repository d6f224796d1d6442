// The receive thread's decisions with a scripted clock and no sockets: joining, giving up,
// joining again with backoff, pacing typed lines, heartbeats, and leaving once the input ends.
// Each test plays the broker's part and reads the actions the core asks for.
#include "client/session_core.hpp"

#include "proto/runtime/process.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zchat::client {
namespace {

using namespace std::chrono_literals;
using clock = session_core::clock;
using lines = std::vector<std::string>;

const clock::time_point t0 = clock::time_point{} + 1h;
constexpr std::uint64_t epoch = 77;
constexpr std::uint64_t me = 5;
const proto::session_secret secret{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

session_settings settings() {
    session_settings s;
    s.router_endpoint = "tcp://broker:5555";
    s.sub_endpoint = "tcp://broker:5556";
    s.name = "alice";
    return s;
}

// Heartbeat 1 s, liveness 3, 20 lines a second in bursts of 40.
proto::welcome welcome_for_me() {
    return proto::welcome{"alice", me, secret, epoch, "lobby", 1, 1000, 3, 32, 4096, 20, 40, 32};
}

// Our own JOIN of `room`, the room's presence sequence at `seq`, its chat at 0.
proto::joined own_join(std::string room, std::uint64_t seq, std::uint32_t online) {
    return proto::joined{epoch, seq, std::move(room), "alice", me, online, 0};
}

// The topics a SUB follows for one room: its chat and its presence.
lines room_topics(const std::string& room) {
    return {proto::chat_topic(room), proto::presence_topic(room)};
}

// What fresh sockets subscribe to: the broker's heartbeat and shutdown, then the rooms. Not
// "sys/", which would bring every STATS and RELAY to every client.
lines fresh_topics(const std::vector<std::string>& rooms) {
    lines topics{"sys/heartbeat/", "sys/shutdown/"};
    for (const std::string& room : rooms)
        for (std::string& topic : room_topics(room))
            topics.push_back(std::move(topic));
    return topics;
}

// The lines a terminal shows by default: all but -v's details.
lines texts(const actions& a) {
    lines out;
    for (const auto& p : a.lines)
        if (p.look != style::detail)
            out.push_back(p.text);
    return out;
}

// -v's details alone.
lines details(const actions& a) {
    lines out;
    for (const auto& p : a.lines)
        if (p.look == style::detail)
            out.push_back(p.text);
    return out;
}

template <class T>
std::vector<T> commands_of(const actions& a) {
    std::vector<T> out;
    for (const auto& c : a.commands)
        if (const auto* x = std::get_if<T>(&c))
            out.push_back(*x);
    return out;
}

// A core driven by hand: each call returns the actions it asked for.
class script {
public:
    explicit script(session_settings s = settings(), bool encrypted = false) : core(s, encrypted) {}

    actions start() {
        return call([&](actions& a) { core.start(now, a); });
    }
    actions reply(const proto::reply& r) {
        return call([&](actions& a) { core.on_reply(r, now, a); });
    }
    actions event(const proto::event& e) {
        return call([&](actions& a) { core.on_event(e, now, a); });
    }
    actions typed(pipe_message m) {
        return call([&](actions& a) { core.on_typed(std::move(m), now, a); });
    }
    actions tick_at(clock::time_point t) {
        now = t;
        return call([&](actions& a) { core.tick(now, a); });
    }
    // The broker heartbeating every second from `now` up to `last`.
    void heartbeats_until(clock::time_point last) {
        for (now += 1s; now <= last; now += 1s)
            event(proto::heartbeat{epoch, 1, 1000, {}});
        now -= 1s;
    }
    // Start, WELCOME, probe and the session's own JOIN of #lobby: joined at `now`.
    void join() {
        start();
        reply(welcome_for_me());
        event(proto::probe{epoch, me});
        event(own_join("lobby", 1, 1));
        EXPECT_TRUE(core.chat().joined());
    }
    // Joined in #lobby, then in #ops too (the current room).
    void join_two_rooms() {
        join();
        typed(pipe_message::join("ops"));
        reply(proto::room_entered{"ops", 0, 1, 1});
        EXPECT_EQ(core.chat().rooms(), (std::vector<std::string>{"lobby", "ops"}));
    }

    session_core core;
    clock::time_point now = t0;

private:
    template <class F>
    actions call(F&& f) {
        actions a;
        f(a);
        return a;
    }
};

TEST(SessionCore, JoinsWithHelloThenReadyAndSwapsTheProbeSubscription) {
    script s;
    const actions started = s.start();
    EXPECT_TRUE(started.open_sockets);
    EXPECT_EQ(started.subscribe, fresh_topics({"lobby"}));
    EXPECT_EQ(commands_of<proto::hello>(started),
              (std::vector{proto::hello{"alice", "lobby", {}}}));

    const actions welcomed = s.reply(welcome_for_me());
    EXPECT_EQ(welcomed.subscribe, lines{proto::probe_topic(me)});
    EXPECT_TRUE(welcomed.commands.empty());

    EXPECT_EQ(commands_of<proto::ready>(s.event(proto::probe{epoch, me})),
              (std::vector{proto::ready{secret}}));
    const actions joined = s.event(own_join("lobby", 1, 1));
    EXPECT_EQ(joined.unsubscribe, lines{proto::probe_topic(me)});
    EXPECT_EQ(texts(joined), (lines{"> Connected to the chat server (1 user online)"}));
}

// What -v shows: where each attempt connects, and what the broker announced.
TEST(SessionCore, DetailsSayWhereItConnectsAndWhatTheBrokerAnnounced) {
    script s(settings(), true);
    EXPECT_EQ(details(s.start()), lines{"* Connecting to tcp://broker:5555 (commands) and "
                                        "tcp://broker:5556 (events), encrypted"});
    EXPECT_EQ(details(s.reply(welcome_for_me())),
              lines{"* Session 5 as alice: heartbeat every 1000 ms (expired after 3 silent), 20 "
                    "lines/s in bursts of 40, names up to 32 characters, lines up to 4096 bytes, "
                    "up to 32 rooms"});
    proto::welcome unlimited = welcome_for_me();
    unlimited.rate_per_second = 0;
    script t;
    t.start();
    EXPECT_NE(details(t.reply(unlimited)).at(0).find(", no rate limit,"), std::string::npos);
}

TEST(SessionCore, NoAnswerWithinTheConnectTimeoutGivesUpNamingTheEndpoint) {
    script s;
    s.start();
    EXPECT_EQ(s.core.next_deadline(s.now), t0 + 5s);
    EXPECT_FALSE(s.tick_at(t0 + 5s - 1ms).exit_code);
    const actions gave_up = s.tick_at(t0 + 5s);
    EXPECT_EQ(
        texts(gave_up),
        (lines{"! Cannot reach the chat server at tcp://broker:5555 (no answer within 5 s)"}));
    EXPECT_EQ(gave_up.exit_code, runtime::exit_failure);
    EXPECT_TRUE(s.core.over());
}

TEST(SessionCore, UnderCurveTheTimeoutSaysWhyTheHandshakeFailed) {
    script s(settings(), true);
    s.start();
    actions a;
    s.core.on_handshake_failure("the broker refused our key", false, a);
    EXPECT_FALSE(a.exit_code);
    EXPECT_EQ(texts(s.tick_at(t0 + 5s)),
              (lines{"! Cannot join the chat at tcp://broker:5555: the broker refused our key"}));
}

TEST(SessionCore, AFinalHandshakeFailureEndsTheSessionAtOnce) {
    script s;
    s.start();
    actions a;
    s.core.on_handshake_failure("security mechanism mismatch", true, a);
    EXPECT_EQ(texts(a),
              (lines{"! Cannot join the chat at tcp://broker:5555: security mechanism mismatch"}));
    EXPECT_EQ(a.exit_code, runtime::exit_failure);
}

TEST(SessionCore, ARefusalAtTheDoorEndsTheSessionWithTheBrokersReason) {
    script s;
    s.start();
    const actions refused =
        s.reply(proto::error{proto::error_code::name_taken, 0, "the name 'alice' is in use"});
    EXPECT_EQ(texts(refused),
              (lines{"! Cannot join the chat: the name 'alice' is in use (E_NAME_TAKEN)"}));
    EXPECT_EQ(refused.exit_code, runtime::exit_failure);
}

TEST(SessionCore, AReplyInAnotherProtocolVersionEndsTheSession) {
    script s;
    s.start();
    actions a;
    s.core.on_unreadable("reply",
                         {proto::error_code::unsupported_version,
                          "protocol version 1 is not supported; supported versions: 2"},
                         t0, a);
    EXPECT_EQ(texts(a), (lines{"! Cannot talk to the chat server, which speaks another protocol "
                               "version: protocol version 1 is not supported; supported versions: "
                               "2 (E_VERSION)"}));
    EXPECT_EQ(a.exit_code, runtime::exit_failure);
}

TEST(SessionCore, AWelcomeWithoutAProbeMeansTheSubscriberNeverConnected) {
    script s;
    s.start();
    s.reply(welcome_for_me());
    EXPECT_FALSE(s.tick_at(t0 + 5s - 1ms).exit_code);
    const actions gave_up = s.tick_at(t0 + 5s);
    EXPECT_EQ(texts(gave_up),
              (lines{"! The chat server at tcp://broker:5555 answered, but no events arrive from "
                     "tcp://broker:5556: the subscriber connection was never confirmed (check "
                     "--sub)"}));
    EXPECT_EQ(commands_of<proto::bye>(gave_up), (std::vector{proto::bye{secret}}));
    EXPECT_EQ(gave_up.exit_code, runtime::exit_failure);
}

TEST(SessionCore, LinesTypedBeforeTheJoinAreSentOnceJoined) {
    script s;
    s.start();
    EXPECT_TRUE(s.typed(pipe_message::say("early")).commands.empty());
    EXPECT_TRUE(s.typed(pipe_message::who()).commands.empty());
    s.reply(welcome_for_me());
    s.event(proto::probe{epoch, me});
    const actions joined = s.event(own_join("lobby", 1, 1));
    ASSERT_EQ(joined.commands.size(), 2u);
    EXPECT_EQ(std::get<proto::say>(joined.commands[0]).text, "early");
    EXPECT_TRUE(std::holds_alternative<proto::who>(joined.commands[1]));
}

TEST(SessionCore, TypedLinesArePacedUnderTheAnnouncedRate) {
    script s;
    s.join();
    // Burst 40 announced: the core allows itself half, then 90 % of 20 a second.
    std::size_t sent = 0;
    for (int i = 0; i < 30; ++i)
        sent += s.typed(pipe_message::say("line " + std::to_string(i))).commands.size();
    EXPECT_EQ(sent, 20u);
    // The next token comes after 1/18 s.
    EXPECT_NEAR(std::chrono::duration<double>(s.core.next_deadline(s.now) - t0).count(), 1.0 / 18,
                1e-6);
    EXPECT_EQ(s.tick_at(t0 + 1s).commands.size(), 10u);
}

TEST(SessionCore, APingGoesOutAfterAnIntervalWithoutSending) {
    script s;
    s.join(); // the READY at t0 was the last command
    EXPECT_TRUE(commands_of<proto::ping>(s.tick_at(t0 + 1s - 1ms)).empty());
    EXPECT_EQ(commands_of<proto::ping>(s.tick_at(t0 + 1s)),
              (std::vector{proto::ping{secret, {{"lobby", 0}}}}));
}

TEST(SessionCore, ASilentBrokerLosesTheSessionAndItIsTakenOverWithTheTicket) {
    script s;
    s.join();
    s.event(proto::heartbeat{epoch, 1, 1000, {}});
    EXPECT_FALSE(s.tick_at(t0 + 3s - 1ms).open_sockets);
    const actions lost = s.tick_at(t0 + 3s); // liveness 3 x 1 s of silence
    EXPECT_EQ(texts(lost), (lines{"! Connection to the chat server lost; reconnecting..."}));
    EXPECT_TRUE(lost.open_sockets);
    EXPECT_EQ(commands_of<proto::hello>(lost),
              (std::vector{proto::hello{"alice", "lobby", proto::resume_ticket{me, secret}}}));

    // No answer: each attempt waits twice as long as the last, up to 5 s.
    std::vector<std::chrono::milliseconds> waits;
    clock::time_point attempt = s.now;
    for (int i = 0; i < 5; ++i) {
        const clock::time_point next = s.core.next_deadline(s.now);
        waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(next - attempt));
        EXPECT_TRUE(s.tick_at(next).open_sockets);
        attempt = next;
    }
    EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 5s, 5s}));
}

TEST(SessionCore, ADroppedConnectionIsTakenOverSoonUnlessAShutdownExplainsIt) {
    script s;
    s.join();
    s.core.on_connection_dropped(t0 + 100ms);
    EXPECT_EQ(s.core.next_deadline(t0 + 100ms), t0 + 300ms);
    EXPECT_FALSE(s.tick_at(t0 + 300ms - 1ms).open_sockets);
    EXPECT_TRUE(s.tick_at(t0 + 300ms).open_sockets);
}

TEST(SessionCore, AtTheEndOfInputItLeavesOnceEverythingIsAnswered) {
    script s;
    s.join();
    s.typed(pipe_message::say("deploy finished"));
    EXPECT_FALSE(s.typed(pipe_message::eof()).exit_code);
    EXPECT_FALSE(s.tick_at(t0 + 10ms).exit_code); // the ACK is still on its way
    s.now = t0 + 20ms;
    EXPECT_EQ(texts(s.reply(proto::ack{1, 1})), (lines{"[You] deploy finished"}));
    const actions left = s.tick_at(t0 + 20ms);
    EXPECT_EQ(commands_of<proto::bye>(left), (std::vector{proto::bye{secret}}));
    EXPECT_EQ(left.exit_code, runtime::exit_ok);
}

TEST(SessionCore, AtTheEndOfInputUnconfirmedLinesAreReportedAfterTheDrainTimeout) {
    script s;
    s.join();
    s.typed(pipe_message::say("one"));
    s.typed(pipe_message::say("two"));
    s.typed(pipe_message::eof());
    s.heartbeats_until(t0 + 4s); // the broker is there
    EXPECT_FALSE(s.tick_at(t0 + 5s - 1ms).exit_code);
    const actions gave_up = s.tick_at(t0 + 5s);
    EXPECT_EQ(texts(gave_up), (lines{"! 2 line(s) not confirmed by the chat server within 5 s; "
                                     "they may not have been delivered"}));
    EXPECT_EQ(commands_of<proto::bye>(gave_up), (std::vector{proto::bye{secret}}));
    EXPECT_EQ(gave_up.exit_code, runtime::exit_failure);
}

TEST(SessionCore, QuitLeavesAtOnceAndNothingFollows) {
    script s;
    s.join();
    const actions quit = s.typed(pipe_message::quit());
    EXPECT_EQ(commands_of<proto::bye>(quit), (std::vector{proto::bye{secret}}));
    EXPECT_EQ(quit.exit_code, runtime::exit_ok);
    const actions after = s.tick_at(t0 + 1h);
    EXPECT_TRUE(after.commands.empty());
    EXPECT_FALSE(after.exit_code);
}

TEST(SessionCore, AFirstQuitWaitsForTheLinesStillUnconfirmedThenLeaves) {
    script s;
    s.join();
    s.typed(pipe_message::say("one"));
    const actions quit = s.typed(pipe_message::quit());
    EXPECT_EQ(texts(quit), (lines{"Leaving once the chat server confirms 1 line(s), within 5 s "
                                  "(Ctrl-C again leaves now)"}));
    EXPECT_FALSE(quit.exit_code);
    EXPECT_TRUE(commands_of<proto::bye>(quit).empty());
    s.now = t0 + 1s;
    s.reply(proto::ack{1, 1});
    const actions left = s.tick_at(t0 + 1s);
    EXPECT_EQ(commands_of<proto::bye>(left), (std::vector{proto::bye{secret}}));
    EXPECT_EQ(left.exit_code, runtime::exit_ok);
}

TEST(SessionCore, AQuitWhileTheBrokerIsFrozenReportsTheUnconfirmedLinesAfterTheWait) {
    script s;
    s.join();
    s.typed(pipe_message::say("one"));
    s.typed(pipe_message::msg("bob", "two"));
    s.typed(pipe_message::who()); // not a line: not counted
    s.typed(pipe_message::quit());
    EXPECT_FALSE(s.tick_at(t0 + 5s - 1ms).exit_code);
    const actions gave_up = s.tick_at(t0 + 5s);
    EXPECT_EQ(texts(gave_up), (lines{"! 2 line(s) not confirmed by the chat server within 5 s; "
                                     "they may not have been delivered"}));
    EXPECT_EQ(gave_up.exit_code, runtime::exit_failure);
}

TEST(SessionCore, ASecondQuitLeavesAtOnceSayingHowManyLinesAreUnconfirmed) {
    script s;
    s.start(); // never joined: the line waits for a join that does not come
    s.typed(pipe_message::say("one"));
    EXPECT_FALSE(s.typed(pipe_message::quit()).exit_code);
    s.now = t0 + 1s;
    const actions now = s.typed(pipe_message::quit());
    EXPECT_EQ(texts(now), (lines{"! 1 line(s) not confirmed by the chat server; they may not "
                                 "have been delivered"}));
    EXPECT_TRUE(commands_of<proto::bye>(now).empty()); // no session to say goodbye to
    EXPECT_EQ(now.exit_code, runtime::exit_failure);
}

TEST(SessionCore, AQuitWaitsNoLongerThanTheDrainTimeoutEvenWhileLinesAreStillPaced) {
    script s;
    s.join();
    for (int i = 0; i < 100; ++i) // more than the burst: the rest is paced at 18 a second
        s.typed(pipe_message::say("line " + std::to_string(i)));
    s.typed(pipe_message::quit());
    for (auto t = 100ms; t < 5s; t += 100ms)
        EXPECT_FALSE(s.tick_at(t0 + t).exit_code) << t.count();
    const actions gave_up = s.tick_at(t0 + 5s);
    EXPECT_EQ(gave_up.exit_code, runtime::exit_failure);
}

TEST(SessionCore, AQuitWithOnlyAQuestionUnansweredLeavesWithZeroAfterTheWait) {
    script s;
    s.join();
    s.typed(pipe_message::say("one"));
    s.typed(pipe_message::who());
    s.typed(pipe_message::quit());
    s.reply(proto::ack{1, 1});   // the line is confirmed; the WHO never answered
    s.heartbeats_until(t0 + 4s); // the broker is there
    const actions left = s.tick_at(t0 + 5s);
    EXPECT_EQ(texts(left), lines{});
    EXPECT_EQ(left.exit_code, runtime::exit_ok);
}

TEST(SessionCore, QuitAfterALineWasLostWithTheConnectionLeavesAtOnceWithExitCodeOne) {
    script s;
    s.join();
    s.typed(pipe_message::say("lost"));
    s.event(proto::shutdown{epoch});
    const actions quit = s.typed(pipe_message::quit());
    EXPECT_EQ(texts(quit), (lines{"! 1 line(s) were not delivered"}));
    EXPECT_EQ(quit.exit_code, runtime::exit_failure);
}

TEST(SessionCore, ATypedLineIsSettledOnceConfirmedRefusedOrLost) {
    script s;
    s.join();
    s.typed(pipe_message::say("confirmed", 1));
    s.typed(pipe_message::say(std::string(5000, 'x'), 2)); // over the 4096 bytes announced
    s.typed(pipe_message::msg("nobody", "refused", 3));
    s.typed(pipe_message::say("lost", 4));
    EXPECT_EQ(s.core.take_settled(), (std::vector<std::uint32_t>{2}));
    s.reply(proto::ack{1, 1});
    s.reply(proto::error{proto::error_code::no_such_user, 2, "no such user"});
    EXPECT_EQ(s.core.take_settled(), (std::vector<std::uint32_t>{1, 3}));
    s.event(proto::shutdown{epoch});
    EXPECT_EQ(s.core.take_settled(), (std::vector<std::uint32_t>{4}));
    EXPECT_EQ(s.core.take_settled(), (std::vector<std::uint32_t>{}));
}

TEST(SessionCore, AJoinConfirmedByItsRoomReplyBeforeItsJoinEventStartsTheSessionAllTheSame) {
    // The broker publishes the JOIN and replies ROOM at once; the reply may be read first.
    script s;
    s.start();
    s.typed(pipe_message::say("early"));
    s.reply(welcome_for_me());
    s.event(proto::probe{epoch, me});
    const actions entered = s.reply(proto::room_entered{"lobby", 0, 1, 1});
    EXPECT_EQ(texts(entered), (lines{"> Connected to the chat server (1 user online)"}));
    EXPECT_EQ(entered.unsubscribe, lines{proto::probe_topic(me)});
    EXPECT_EQ(commands_of<proto::say>(entered).size(), 1u);
    // Paced under the announced rate as after a JOIN event: half the burst of 40 at once, less
    // the one "early" took, and no more until time passes.
    std::size_t sent = 0;
    for (int i = 0; i < 30; ++i)
        sent += s.typed(pipe_message::say("line " + std::to_string(i))).commands.size();
    EXPECT_EQ(sent, 19u);
}

// ---- Rooms ----

TEST(SessionCore, AJoinSubscribesToTheRoomSendsAJoinAndMakesItCurrent) {
    script s;
    s.join();
    const actions joining = s.typed(pipe_message::join("ops"));
    EXPECT_EQ(joining.subscribe, room_topics("ops"));
    EXPECT_TRUE(joining.unsubscribe.empty());
    EXPECT_EQ(commands_of<proto::join>(joining), (std::vector{proto::join{secret, "ops"}}));
    EXPECT_EQ(texts(s.reply(proto::room_entered{"ops", 0, 1, 2})),
              (lines{"> Joined #ops (2 users online)"}));
    const actions said = s.typed(pipe_message::say("hi"));
    ASSERT_EQ(commands_of<proto::say>(said).size(), 1u);
    EXPECT_EQ(commands_of<proto::say>(said)[0].room, "ops");
    // The same room again subscribes to nothing more and sends nothing.
    const actions again = s.typed(pipe_message::join("ops"));
    EXPECT_TRUE(again.subscribe.empty());
    EXPECT_TRUE(again.commands.empty());
}

TEST(SessionCore, AJoinTypedBeforeTheSessionIsJoinedIsSentAfterIt) {
    script s;
    s.start();
    const actions typed = s.typed(pipe_message::join("ops"));
    EXPECT_EQ(typed.subscribe, room_topics("ops"));
    EXPECT_TRUE(typed.commands.empty());
    s.reply(welcome_for_me());
    s.event(proto::probe{epoch, me});
    EXPECT_EQ(commands_of<proto::join>(s.event(own_join("lobby", 1, 1))),
              (std::vector{proto::join{secret, "ops"}}));
}

TEST(SessionCore, APartUnsubscribesFromTheRoomAndSendsAPart) {
    script s;
    s.join_two_rooms();
    const actions parted = s.typed(pipe_message::part());
    EXPECT_EQ(parted.unsubscribe, room_topics("ops"));
    EXPECT_TRUE(parted.subscribe.empty());
    EXPECT_EQ(commands_of<proto::part>(parted), (std::vector{proto::part{secret, "ops"}}));
    EXPECT_TRUE(texts(parted).empty());
    EXPECT_EQ(s.core.chat().current_room(), "lobby");
    const actions said = s.typed(pipe_message::say("back"));
    ASSERT_EQ(commands_of<proto::say>(said).size(), 1u);
    EXPECT_EQ(commands_of<proto::say>(said)[0].room, "lobby");
}

// Lines held back by the pace: a /part then a /join of the same room typed behind them must
// reach the broker in that order, or it would take the JOIN for a repeat and then the PART.
TEST(SessionCore, APartThenAJoinOfTheSameRoomReachTheBrokerInTheOrderTyped) {
    script s;
    s.join_two_rooms();
    for (int i = 0; i < 30; ++i)
        s.typed(pipe_message::say("line " + std::to_string(i)));
    s.typed(pipe_message::part("ops"));
    s.typed(pipe_message::join("ops"));
    std::vector<std::string> order;
    for (int tick = 1; tick <= 100 && order.size() < 2; ++tick)
        for (const proto::command& c : s.tick_at(t0 + tick * 100ms).commands) {
            if (std::holds_alternative<proto::part>(c))
                order.push_back("PART");
            else if (std::holds_alternative<proto::join>(c))
                order.push_back("JOIN");
        }
    EXPECT_EQ(order, (lines{"PART", "JOIN"}));
}

TEST(SessionCore, APartNamingARoomLeavesThatOne) {
    script s;
    s.join_two_rooms();
    const actions parted = s.typed(pipe_message::part("lobby"));
    EXPECT_EQ(parted.unsubscribe, room_topics("lobby"));
    EXPECT_EQ(commands_of<proto::part>(parted), (std::vector{proto::part{secret, "lobby"}}));
    EXPECT_TRUE(texts(parted).empty());
    EXPECT_EQ(s.core.chat().rooms(), (std::vector<std::string>{"ops"}));
}

TEST(SessionCore, APartOfARoomNotInIsReportedAndNothingIsSent) {
    script s;
    s.join();
    const actions parted = s.typed(pipe_message::part("dev"));
    EXPECT_EQ(texts(parted), (lines{"! You are not in #dev"}));
    EXPECT_TRUE(parted.commands.empty());
    EXPECT_TRUE(parted.unsubscribe.empty());
}

TEST(SessionCore, APartOfTheLastRoomEndsTheSessionLikeTheEndOfInput) {
    script s;
    s.join();
    s.typed(pipe_message::say("last words"));
    const actions parted = s.typed(pipe_message::part());
    EXPECT_TRUE(commands_of<proto::part>(parted).empty());
    EXPECT_FALSE(parted.exit_code);
    s.now = t0 + 10ms;
    EXPECT_EQ(texts(s.reply(proto::ack{1, 1})), (lines{"[You] last words"}));
    const actions left = s.tick_at(t0 + 10ms);
    EXPECT_EQ(commands_of<proto::bye>(left), (std::vector{proto::bye{secret}}));
    EXPECT_EQ(left.exit_code, runtime::exit_ok);
}

TEST(SessionCore, AnInvalidRoomTypedIsReportedAndNothingIsSent) {
    script s;
    s.join();
    const std::string why = " (a room name is 1 to 32 characters of a-z, 0-9, '-' and '_')";
    const std::vector<std::pair<pipe_message, std::string>> typed{
        {pipe_message::join("Ops"), "! Not a room: #Ops" + why},
        {pipe_message::part("no room"), "! Not a room: #no room" + why},
        {pipe_message::who(std::string(33, 'a')), "! Not a room: #" + std::string(33, 'a') + why},
    };
    for (const auto& [m, line] : typed) {
        SCOPED_TRACE(m.text);
        const actions a = s.typed(m);
        EXPECT_EQ(texts(a), lines{line});
        EXPECT_TRUE(a.commands.empty());
        EXPECT_TRUE(a.subscribe.empty());
        EXPECT_TRUE(a.unsubscribe.empty());
    }
    EXPECT_EQ(s.core.chat().rooms(), (std::vector<std::string>{"lobby"}));
    EXPECT_FALSE(s.core.over());
}

TEST(SessionCore, WhoAndRoomsAskAboutTheRoomNamedOrTheCurrentOne) {
    script s;
    s.join_two_rooms();
    EXPECT_EQ(commands_of<proto::who>(s.typed(pipe_message::who())),
              (std::vector{proto::who{secret, "ops"}}));
    EXPECT_EQ(commands_of<proto::who>(s.typed(pipe_message::who("dev"))),
              (std::vector{proto::who{secret, "dev"}}));
    EXPECT_EQ(commands_of<proto::list_rooms>(s.typed(pipe_message::rooms())),
              (std::vector{proto::list_rooms{secret}}));
}

TEST(SessionCore, AMsgIsSentToItsRecipientWhateverTheRoomAndAnEmptyOneNotAtAll) {
    script s;
    s.join_two_rooms();
    const auto sent = commands_of<proto::private_say>(s.typed(pipe_message::msg("bob", "psst")));
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].to, "bob");
    EXPECT_EQ(sent[0].text, "psst");
    const actions empty = s.typed(pipe_message::msg("bob", ""));
    EXPECT_TRUE(empty.commands.empty());
    EXPECT_EQ(texts(empty), (lines{"! Not sent: text is empty"}));
}

TEST(SessionCore, ANewSessionSubscribesToEveryRoomAndJoinsTheOthersAgain) {
    script s;
    s.join_two_rooms();
    s.event(proto::heartbeat{epoch, 1, 1000, {}});
    const actions lost = s.tick_at(t0 + 3s);
    ASSERT_TRUE(lost.open_sockets);
    EXPECT_EQ(lost.subscribe, fresh_topics({"lobby", "ops"}));
    // The HELLO names the current room; the broker forgot the session, so it starts anew there.
    EXPECT_EQ(commands_of<proto::hello>(lost),
              (std::vector{proto::hello{"alice", "ops", proto::resume_ticket{me, secret}}}));
    proto::welcome fresh = welcome_for_me();
    fresh.session_id = me + 1;
    fresh.room = "ops";
    s.reply(fresh);
    s.event(proto::probe{epoch, me + 1});
    const actions joined = s.event(proto::joined{epoch, 2, "ops", "alice", me + 1, 1, 0});
    EXPECT_EQ(texts(joined), (lines{"> Reconnected to the chat server (1 user online)"}));
    EXPECT_EQ(commands_of<proto::join>(joined), (std::vector{proto::join{secret, "lobby"}}));
}

} // namespace
} // namespace zchat::client
