// Hostile use of sessions against the real broker (RELIABILITY.md A10, A12, S6, S7): a second
// HELLO, BYE twice, commands of a join not yet complete, the documented name-folding rule, text
// that is odd but allowed, and attempts to speak as someone else by routing id or by secret.
// Each case runs beside alice and bob's conversation and ends with the oracles of
// scene::finish, the shutdown counters holding exactly the case's refusals.
#include "tests/hostile/harness.hpp"

#include "tests/broker/test_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace zchat::hostile {
namespace {

using proto::error_code;

const std::string lobby{proto::default_room};

// How long a reply that must not come is waited for.
constexpr milliseconds silence{300};

// How many events alice saw with this name and kind ('L', 'J' or 'X').
std::size_t seen(const conversation& chat, char kind, const std::string& name) {
    const auto& events = chat.alice_saw();
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const auto& e) {
        return e.kind == kind && e.name == name;
    }));
}

TEST(Sessions, SecondHelloOnAJoinedConnectionIsRefusedAndChangesNothing) {
    scene s;
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        for (const char* name : {"mallory2", "mallory", "MALLORY"}) {
            mallory.send(proto::hello{name, lobby, std::nullopt});
            EXPECT_TRUE(next_error_is(mallory.dealer(), error_code::already_joined)) << name;
        }
        mallory.say(1, "still mallory");
        const auto ack = mallory.expect_reply<proto::ack>();
        const auto line =
            mallory.take_event<proto::line>([&](const proto::line& l) { return l.seq == ack.seq; });
        EXPECT_EQ(line.sender, "mallory");
        EXPECT_EQ(line.session_id, mallory.welcome()->session_id);
        mallory.who();
        const auto roster = mallory.expect_reply<proto::roster>();
        EXPECT_EQ(roster.names, (std::vector<std::string>{"alice", "bob", "mallory"}));
        mallory.bye();
        EXPECT_NO_THROW(mallory.take_event<proto::left>());
    }
    s.finish({{"E_ALREADY_JOINED", 3}});
    EXPECT_EQ(seen(s.chat, 'J', "mallory"), 1u);
    EXPECT_EQ(seen(s.chat, 'L', "mallory"), 1u);
}

TEST(Sessions, APendingJoinRefusesHelloSayWhoAndRoomCommandsAndByeWithdrawsItSilently) {
    scene s;
    {
        raw_peer first(s.ctx, s.broker.router());
        first.send(proto::encode(proto::command{proto::hello{"pat", lobby, std::nullopt}}));
        const auto r = first.recv_reply(3000ms);
        const auto* w = r ? std::get_if<proto::welcome>(&*r) : nullptr;
        ASSERT_NE(w, nullptr) << describe(r);
        const auto secret = w->secret;
        first.send(proto::encode(proto::command{proto::hello{"pat", lobby, std::nullopt}}));
        EXPECT_TRUE(next_error_is(first.socket(), error_code::already_joined));
        first.send(proto::encode(proto::command{proto::say{secret, lobby, 4, "too early"}}));
        EXPECT_TRUE(next_error_is(first.socket(), error_code::not_joined, 4));
        first.send(proto::encode(proto::command{proto::who{secret, lobby}}));
        EXPECT_TRUE(next_error_is(first.socket(), error_code::not_joined));
        first.send(proto::encode(proto::command{proto::join{secret, "ops"}}));
        EXPECT_TRUE(next_error_is(first.socket(), error_code::not_joined));
        first.send(proto::encode(proto::command{proto::part{secret, lobby}}));
        EXPECT_TRUE(next_error_is(first.socket(), error_code::not_joined));
        first.send(proto::encode(proto::command{proto::list_rooms{secret}}));
        EXPECT_TRUE(next_error_is(first.socket(), error_code::not_joined));
        first.send(proto::encode(proto::command{proto::bye{secret}}));
        EXPECT_EQ(first.recv_reply(silence), std::nullopt);

        // The withdrawn name is free again at once.
        raw_peer second(s.ctx, s.broker.router());
        second.send(proto::encode(proto::command{proto::hello{"pat", lobby, std::nullopt}}));
        const auto again = second.recv_reply(3000ms);
        const auto* w2 = again ? std::get_if<proto::welcome>(&*again) : nullptr;
        ASSERT_NE(w2, nullptr) << describe(again);
        second.send(proto::encode(proto::command{proto::bye{w2->secret}}));
        EXPECT_EQ(second.recv_reply(silence), std::nullopt);
    }
    s.finish({{"E_ALREADY_JOINED", 1}, {"E_NOT_JOINED", 5}});
    // Nobody was told of a join that never completed.
    EXPECT_EQ(seen(s.chat, 'J', "pat"), 0u);
    EXPECT_EQ(seen(s.chat, 'X', "pat"), 0u);
}

TEST(Sessions, ByeTwiceLeavesOnceThenDrawsNotJoinedAndTheConnectionMayJoinAgain) {
    scene s;
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        const auto id = mallory.welcome()->session_id;
        mallory.bye();
        const auto left = mallory.take_event<proto::left>(
            [id](const proto::left& l) { return l.session_id == id; });
        EXPECT_EQ(left.reason, proto::leave_reason::quit);
        EXPECT_EQ(recv_reply(mallory.dealer(), silence), std::nullopt) << "BYE draws no reply";
        mallory.bye();
        EXPECT_TRUE(next_error_is(mallory.dealer(), error_code::not_joined));
        ASSERT_NO_THROW(mallory.join("mallory"));
        mallory.bye();
        EXPECT_NO_THROW(mallory.take_event<proto::left>());
    }
    s.finish({{"E_NOT_JOINED", 1}});
    EXPECT_EQ(seen(s.chat, 'J', "mallory"), 2u);
    EXPECT_EQ(seen(s.chat, 'X', "mallory"), 2u);
}

// PROTOCOL.md section 11: names are the same when equal after ASCII case folding, and only
// then; look-alikes across Latin, Greek and Cyrillic are refused by the script rule
// (messages_test). So a non-ASCII letter in another case is another name.
TEST(Names, OnlyAsciiCaseTwinsAreTheSameName) {
    scene s;
    {
        test::test_client zoe(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(zoe.join("ZO\xc3\x8b")); // ZOË
        raw_peer pending(s.ctx, s.broker.router());
        pending.send(proto::encode(proto::command{proto::hello{"pat", lobby, std::nullopt}}));
        const auto pat = pending.recv_reply(3000ms);
        ASSERT_TRUE(pat && std::holds_alternative<proto::welcome>(*pat)) << describe(pat);

        const auto outcomes = first_replies(
            s.ctx, s.broker.router(),
            {proto::encode(proto::command{proto::hello{"zo\xc3\x8b", lobby, std::nullopt}}), // zoË
             proto::encode(proto::command{proto::hello{"PAT", lobby, std::nullopt}}), // pending
             proto::encode(proto::command{proto::hello{"zo\xc3\xab", lobby, std::nullopt}}), // zoë
             proto::encode(proto::command{
                 proto::hello{"\xd0\x94\xd0\x98\xd0\x9c\xd0\x90", lobby, std::nullopt}}), // ДИМА
             proto::encode(proto::command{
                 proto::hello{"\xd0\xb4\xd0\xb8\xd0\xbc\xd0\xb0", lobby, std::nullopt}})}); // дима
        EXPECT_TRUE(is_error(outcomes[0], error_code::name_taken)) << describe(outcomes[0]);
        EXPECT_TRUE(is_error(outcomes[1], error_code::name_taken)) << describe(outcomes[1]);
        for (std::size_t i = 2; i < outcomes.size(); ++i) {
            EXPECT_TRUE(outcomes[i] && std::holds_alternative<proto::welcome>(*outcomes[i]))
                << i << ": " << describe(outcomes[i]);
        }
        zoe.bye();
        EXPECT_NO_THROW(zoe.take_event<proto::left>());
        // The pending joins of closed connections are forgotten by the broker after 5 s; pat
        // withdraws hers, so the probe's roster below is alice, bob and the probe alone.
        const auto* w = std::get_if<proto::welcome>(&*pat);
        pending.send(proto::encode(proto::command{proto::bye{w->secret}}));
    }
    std::vector<std::string> roster;
    s.finish({{"E_NAME_TAKEN", 2}}, 5000ms, &roster);
    EXPECT_EQ(roster, (std::vector<std::string>{"alice", "bob", "probe"}));
}

// Text may hold what printers must escape (PROTOCOL.md section 12): the broker publishes it byte
// for byte, under the sender's own name whatever the text pretends.
TEST(Text, OddButAllowedTextIsPublishedByteForByteUnderTheSendersName) {
    scene s;
    const std::vector<std::string> texts{
        "[bob] I did not say this",  "tab\there",
        "noncharacter \xef\xbf\xbf", "bidi \xe2\x80\xae override",
        "zero\xe2\x80\x8bwidth",     "replacement \xef\xbf\xbd",
        "private \xee\x80\x80 use",  std::string(4096, 'x'),
    };
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        for (std::size_t i = 0; i < texts.size(); ++i) {
            const std::uint64_t id = i + 1;
            mallory.say(id, texts[i]);
            const auto ack = mallory.expect_reply<proto::ack>();
            EXPECT_EQ(ack.message_id, id);
            // The LINE published for this SAY: the one with the ACK's sequence number.
            const auto line = mallory.take_event<proto::line>(
                [&](const proto::line& l) { return l.seq == ack.seq; });
            EXPECT_EQ(line.sender, "mallory");
            EXPECT_EQ(line.text, texts[i]);
        }
        mallory.bye();
        EXPECT_NO_THROW(mallory.take_event<proto::left>());
    }
    s.finish({});
    EXPECT_EQ(seen(s.chat, 'L', "mallory"), texts.size());
}

// S7 while the owner is connected: libzmq's ROUTER ignores a second connection presenting a
// routing id in use, so nothing the twin sends reaches the broker.
TEST(Identity, ARoutingIdTwinOfAConnectedClientIsNotHeard) {
    scene s;
    {
        test::test_client_options o = fast_join();
        o.routing_id = "victim-rid";
        test::test_client victim(s.ctx, s.broker.router(), s.broker.pub(), o);
        ASSERT_NO_THROW(victim.join("victim"));
        {
            zmq::socket_t twin(s.ctx, zmq::socket_type::dealer);
            twin.set(zmq::sockopt::linger, 0);
            twin.set(zmq::sockopt::routing_id, "victim-rid");
            twin.connect(s.broker.router());
            const proto::session_secret zero{};
            send_frames(twin, proto::encode(
                                  proto::command{proto::say{zero, lobby, 66, "I am the victim"}}));
            send_frames(twin, proto::encode(proto::command{proto::who{zero, lobby}}));
            send_frames(twin, proto::encode(proto::command{proto::bye{zero}}));
            EXPECT_EQ(recv_reply(twin, 500ms), std::nullopt);
        }
        victim.say(1, "really me");
        EXPECT_NO_THROW(victim.expect_reply<proto::ack>());
        victim.bye();
        const auto left = victim.take_event<proto::left>();
        EXPECT_EQ(left.reason, proto::leave_reason::quit);
    }
    s.finish({});
    EXPECT_EQ(seen(s.chat, 'L', "victim"), 1u);
    EXPECT_EQ(seen(s.chat, 'X', "victim"), 1u);
}

// S7 after the owner vanished without BYE, before its session expires: a peer connecting under
// the same routing id finds the session but not its secret, so it cannot speak, say BYE for it,
// resume it or keep it alive. (Refusing it a hundred times would end the session through its
// error budget, as PROTOCOL.md section 17 says; this twin is refused a few times.)
TEST(Identity, ARoutingIdTwinCannotTakeOverAVanishedSession) {
    scene s{{"--heartbeat-ms", "200", "--liveness", "20"}};
    std::uint64_t victim_id = 0;
    {
        test::test_client_options o = fast_join();
        o.routing_id = "victim-rid";
        test::test_client victim(s.ctx, s.broker.router(), s.broker.pub(), o);
        ASSERT_NO_THROW(victim.join("victim"));
        victim_id = victim.welcome()->session_id;
        victim.say(1, "before vanishing");
        ASSERT_NO_THROW(victim.expect_reply<proto::ack>());
    }
    // Until the broker has closed the victim's connection, its ROUTER would ignore the twin.
    ASSERT_LE(wait_fds_at_most(s.broker.pid(), s.fds_before, 5000ms), s.fds_before);
    std::map<std::string, std::uint64_t> refused;
    {
        zmq::socket_t twin(s.ctx, zmq::socket_type::dealer);
        twin.set(zmq::sockopt::linger, 0);
        twin.set(zmq::sockopt::routing_id, "victim-rid");
        twin.connect(s.broker.router());
        const proto::session_secret zero{};
        send_frames(twin, proto::encode(proto::command{proto::who{zero, lobby}}));
        EXPECT_TRUE(next_error_is(twin, error_code::not_joined, 0, 3000ms));
        send_frames(twin,
                    proto::encode(proto::command{proto::say{zero, lobby, 67, "I am the victim"}}));
        EXPECT_TRUE(next_error_is(twin, error_code::not_joined, 67));
        send_frames(twin, proto::encode(proto::command{proto::bye{zero}}));
        EXPECT_TRUE(next_error_is(twin, error_code::not_joined));
        // The session id is public (JOIN events), the secret is not, so the ticket is not honoured;
        // and to the broker this routing id is the connection that holds the victim's session.
        send_frames(
            twin, proto::encode(proto::command{proto::hello{
                      "victim", lobby, proto::resume_ticket{victim_id, proto::session_secret{}}}}));
        EXPECT_TRUE(next_error_is(twin, error_code::already_joined));
        EXPECT_EQ(s.chat.leaves_seen(), 0u) << "the victim's session expired before the attack";
        // Heartbeats with a wrong secret are no sign of the victim's life. The first one to
        // arrive after the expiry is told, once, that "its" session expired.
        std::uint64_t told_expired = 0;
        const auto count_expiry_notice = [&](const std::optional<proto::reply>& r) {
            if (!r)
                return;
            EXPECT_TRUE(is_error(r, error_code::not_joined)) << describe(r);
            ++told_expired;
        };
        // Every one of these PINGs is refused as not joined: in silence, or with the notice.
        std::uint64_t pings = 0;
        const auto deadline = clock::now() + 10s;
        while (s.chat.leaves_seen() == 0 && clock::now() < deadline) {
            send_frames(twin, proto::encode(proto::command{proto::ping{zero, {{lobby, 0}}}}));
            ++pings;
            count_expiry_notice(recv_reply(twin, 100ms));
        }
        ASSERT_EQ(s.chat.leaves_seen(), 1u);
        count_expiry_notice(recv_reply(twin, silence));
        EXPECT_LE(told_expired, 1u);
        refused = {{"E_NOT_JOINED", 3 + pings}, {"E_ALREADY_JOINED", 1}};
    }
    s.finish(refused);
    EXPECT_EQ(seen(s.chat, 'L', "victim"), 1u) << "only the victim's own line";
    const auto& events = s.chat.alice_saw();
    const auto leave = std::find_if(events.begin(), events.end(), [](const seen_event& e) {
        return e.kind == 'X' && e.name == "victim";
    });
    ASSERT_NE(leave, events.end());
    EXPECT_EQ(leave->reason, proto::leave_reason::timed_out);
}

// A secret is bound to the connection that joined: presented from another, it proves nothing.
TEST(Identity, AStolenSecretIsUselessFromAnotherConnection) {
    scene s;
    {
        test::test_client victim(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(victim.join("victim"));
        const auto secret = victim.welcome()->secret;
        raw_peer thief(s.ctx, s.broker.router());
        thief.send(proto::encode(proto::command{proto::say{secret, lobby, 5, "I am the victim"}}));
        EXPECT_TRUE(next_error_is(thief.socket(), error_code::not_joined, 5));
        thief.send(proto::encode(proto::command{proto::who{secret, lobby}}));
        EXPECT_TRUE(next_error_is(thief.socket(), error_code::not_joined));
        thief.send(proto::encode(proto::command{proto::bye{secret}}));
        EXPECT_TRUE(next_error_is(thief.socket(), error_code::not_joined));
        victim.say(1, "still mine");
        EXPECT_NO_THROW(victim.expect_reply<proto::ack>());
        victim.bye();
        EXPECT_EQ(victim.take_event<proto::left>().reason, proto::leave_reason::quit);
    }
    s.finish({{"E_NOT_JOINED", 3}});
    EXPECT_EQ(seen(s.chat, 'L', "victim"), 1u);
}

} // namespace
} // namespace zchat::hostile
