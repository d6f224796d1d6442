// Integration tests of the broker's socket shell: a real server on loopback, run in its own
// thread, and raw DEALER + SUB clients (test_client.hpp) that do the join handshake themselves.
// Every wait is a bounded poll for a reply or event; nothing sleeps.
#include "broker/server.hpp"

#include "proto/envelope.hpp"
#include "tests/broker/in_process_broker.hpp"
#include "tests/broker/loopback_options.hpp"
#include "tests/broker/test_client.hpp"
#include "tests/proto/support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <thread>

namespace zchat::broker {
namespace {

using namespace std::chrono_literals;
using test::test_client;
using names = std::vector<std::string>;

config fast_config() {
    config cfg;
    cfg.probe_interval = 20ms;
    return cfg;
}

// The in-process broker with a context of its own and a way to connect test clients to it.
class running_broker {
public:
    explicit running_broker(config cfg = fast_config()) : running_broker(loopback_options(cfg)) {}
    explicit running_broker(const server_options& options) : broker_(ctx, options) {}

    void stop() { broker_.stop(); }
    names log_lines() const { return broker_.log_lines(); }
    const server& bound() const { return broker_.bound(); }

    test_client connect(test::test_client_options options = {}) {
        return test_client(ctx, broker_.router(), broker_.pub(), std::move(options));
    }

    zmq::context_t ctx; // first member: outlives every socket of the server

private:
    test::in_process_broker broker_;
};

std::string_view code_of(const proto::error& e) {
    return proto::error_name(e.code);
}

bool contains(const names& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST(BrokerServer, BoundEndpointsAreResolvedWithoutWildcards) {
    running_broker broker;
    const std::string& router = broker.bound().router_endpoint();
    const std::string& pub = broker.bound().pub_endpoint();

    for (const std::string& endpoint : {router, pub}) {
        SCOPED_TRACE(endpoint);
        EXPECT_EQ(endpoint.rfind("tcp://127.0.0.1:", 0), 0u);
        EXPECT_EQ(endpoint.find('*'), std::string::npos);
        const int port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
        EXPECT_GT(port, 0);
        EXPECT_LT(port, 65536);
    }
    EXPECT_NE(router, pub);
}

TEST(BrokerServer, BindingAnInvalidEndpointThrowsBindError) {
    zmq::context_t ctx;
    server_options options = loopback_options(fast_config());
    options.pub_endpoint = "nonsense://here";
    EXPECT_THROW(server s(ctx, options), bind_error);
}

TEST(BrokerServer, ClientJoinsThroughTheProbeHandshake) {
    running_broker broker;
    test_client alice = broker.connect();

    alice.send(proto::hello{"alice", "lobby", std::nullopt});
    const auto welcome = alice.expect_reply<proto::welcome>();
    EXPECT_EQ(welcome.name, "alice");
    EXPECT_EQ(welcome.session_id, 1u);
    EXPECT_NE(welcome.epoch, 0u);
    EXPECT_EQ(welcome.room, "lobby");
    EXPECT_EQ(welcome.online, 0u);
    EXPECT_EQ(welcome.heartbeat_ms, 1000u);
    EXPECT_EQ(welcome.max_name_chars, 32u);
    EXPECT_EQ(welcome.max_text_bytes, 4096u);
    EXPECT_EQ(welcome.max_rooms, 32u);

    // The broker keeps probing until the SUB's subscription to the probe topic reaches it.
    alice.sub().set(zmq::sockopt::subscribe, proto::probe_topic(welcome.session_id));
    EXPECT_EQ(alice.take_event<proto::probe>(), (proto::probe{welcome.epoch, welcome.session_id}));

    alice.send(proto::ready{welcome.secret});
    EXPECT_EQ(alice.expect_reply<proto::room_entered>(), (proto::room_entered{"lobby", 0, 1, 1}));
    EXPECT_EQ(alice.take_event<proto::joined>(),
              (proto::joined{welcome.epoch, 1, "lobby", "alice", welcome.session_id, 1, 0}));

    broker.stop();
    EXPECT_EQ(broker.log_lines().front(), "INFO join name=alice room=lobby online=1");
}

TEST(BrokerServer, TwoClientsChatAndEachSeesTheOthersLines) {
    running_broker broker;
    test_client alice = broker.connect();
    test_client bob = broker.connect();
    const auto a = alice.join("alice");
    const auto b = bob.join("bob");
    EXPECT_EQ(b.online, 1u);

    alice.say(1, "Hello");
    EXPECT_EQ(alice.expect_reply<proto::ack>(), (proto::ack{1, 1}));
    bob.say(1, "World");
    EXPECT_EQ(bob.expect_reply<proto::ack>(), (proto::ack{1, 2}));

    EXPECT_EQ(bob.take_event<proto::line>(),
              (proto::line{a.epoch, 1, "lobby", "alice", a.session_id, 1, "Hello"}));
    EXPECT_EQ(bob.take_event<proto::line>(),
              (proto::line{a.epoch, 2, "lobby", "bob", b.session_id, 1, "World"}));

    // Alice's SUB was proven before Bob joined, so she sees every event after her own JOIN.
    const auto bob_joined = alice.expect_event<proto::joined>();
    EXPECT_EQ(bob_joined.name, "bob");
    EXPECT_EQ(bob_joined.online, 2u);
    EXPECT_EQ(bob_joined.seq, 2u);
    EXPECT_EQ(alice.expect_event<proto::line>().text, "Hello");
    EXPECT_EQ(alice.expect_event<proto::line>().sender, "bob");

    broker.stop();
    const names log = broker.log_lines();
    EXPECT_TRUE(contains(log, "INFO join name=bob room=lobby online=2"));
    // Chat text is the users' own: not in the log at the default level.
    for (const auto& line : log)
        EXPECT_EQ(line.find("Hello"), std::string::npos) << line;
}

TEST(BrokerServer, AtDebugTheLogHasEveryChatLine) {
    config cfg = fast_config();
    cfg.logging = log_level::debug;
    running_broker broker(cfg);
    test_client alice = broker.connect();
    alice.join("alice");
    alice.say(1, "Hello there");
    EXPECT_EQ(alice.expect_reply<proto::ack>().message_id, 1u);
    broker.stop();
    EXPECT_TRUE(
        contains(broker.log_lines(), "DEBUG say name=alice room=lobby text=\"Hello there\""));
}

TEST(BrokerServer, LineIsStampedWithTheSendersNameNotTheText) {
    running_broker broker;
    test_client alice = broker.connect();
    alice.join("alice");
    alice.say(5, "[bob] I owe alice money");
    EXPECT_EQ(alice.expect_reply<proto::ack>().message_id, 5u);
    EXPECT_EQ(alice.take_event<proto::line>().sender, "alice");
}

// Each client subscribes to its own room's topics only, as zchat-client does: the PUB socket
// filters, so a room's chat reaches only its subscribers, while a client subscribed to every room
// sees that each room numbers its lines on its own.
TEST(BrokerServer, ClientsInDifferentRoomsHearOnlyTheirRoomsChat) {
    running_broker broker;
    const auto room_topics = [](const std::string& room) {
        test::test_client_options options;
        options.topics = {proto::chat_topic(room), proto::presence_topic(room)};
        return options;
    };
    test_client alice = broker.connect(room_topics("dev"));
    test_client bob = broker.connect(room_topics("ops"));
    test::test_client_options everything;
    everything.topics = {"chat/"};
    test_client carol = broker.connect(everything);
    const auto a = alice.join("alice", "dev");
    const auto b = bob.join("bob", "ops");
    carol.join("carol", "lobby");
    EXPECT_EQ(alice.entered(), (proto::room_entered{"dev", 0, 1, 1}));
    EXPECT_EQ(bob.entered(), (proto::room_entered{"ops", 0, 1, 1}));

    // A PUB delivers to each subscriber in publication order, so had alice heard #ops, bob's
    // line would reach her before her own; and alice's line would reach bob before his second.
    bob.say(1, "ops one");
    EXPECT_EQ(bob.expect_reply<proto::ack>(), (proto::ack{1, 1}));
    alice.say(1, "dev one");
    EXPECT_EQ(alice.expect_reply<proto::ack>(), (proto::ack{1, 1}));
    bob.say(2, "ops two");
    EXPECT_EQ(bob.expect_reply<proto::ack>(), (proto::ack{2, 2}));

    EXPECT_EQ(alice.expect_event<proto::line>(),
              (proto::line{a.epoch, 1, "dev", "alice", a.session_id, 1, "dev one"}));
    EXPECT_EQ(bob.expect_event<proto::line>(),
              (proto::line{b.epoch, 1, "ops", "bob", b.session_id, 1, "ops one"}));
    EXPECT_EQ(bob.expect_event<proto::line>(),
              (proto::line{b.epoch, 2, "ops", "bob", b.session_id, 2, "ops two"}));

    const auto heard = [&carol] {
        const auto l = carol.expect_event<proto::line>();
        return l.room + " " + std::to_string(l.seq) + " " + l.text;
    };
    EXPECT_EQ(heard(), "ops 1 ops one");
    EXPECT_EQ(heard(), "dev 1 dev one");
    EXPECT_EQ(heard(), "ops 2 ops two");

    // The broker knows both rooms, and the lobby.
    carol.list_rooms();
    EXPECT_EQ(carol.expect_reply<proto::room_list>(),
              (proto::room_list{{{"dev", 1}, {"lobby", 1}, {"ops", 1}}}));
}

TEST(BrokerServer, WhoListsTheJoinedClients) {
    running_broker broker;
    test_client alice = broker.connect();
    test_client bob = broker.connect();
    alice.join("alice");
    bob.join("Bob");

    alice.who();
    EXPECT_EQ(alice.expect_reply<proto::roster>(), (proto::roster{"lobby", 2, {"alice", "Bob"}}));
}

TEST(BrokerServer, ByeIsAnnouncedAsLeaveAndEndsTheSession) {
    running_broker broker;
    test_client alice = broker.connect();
    test_client bob = broker.connect();
    alice.join("alice");
    const auto b = bob.join("bob");

    bob.bye();
    const auto leave = alice.take_event<proto::left>();
    EXPECT_EQ(leave.name, "bob");
    EXPECT_EQ(leave.session_id, b.session_id);
    EXPECT_EQ(leave.online, 1u);
    EXPECT_EQ(leave.reason, proto::leave_reason::quit);
    EXPECT_EQ(leave.room, "lobby");
    EXPECT_EQ(leave.seq, 3u); // presence: two JOINs, then this LEAVE

    bob.bye();
    EXPECT_EQ(code_of(bob.expect_reply<proto::error>()), "E_NOT_JOINED");

    broker.stop();
    EXPECT_TRUE(
        contains(broker.log_lines(), "INFO leave name=bob room=lobby online=1 reason=quit"));
}

TEST(BrokerServer, DuplicateNameIsRefusedAndAnotherNameIsAccepted) {
    running_broker broker;
    test_client alice = broker.connect();
    test_client other = broker.connect();
    alice.join("alice");

    other.send(proto::hello{"ALICE", "lobby", std::nullopt});
    EXPECT_EQ(code_of(other.expect_reply<proto::error>()), "E_NAME_TAKEN");
    EXPECT_EQ(other.join("alice2").name, "alice2");
}

TEST(BrokerServer, CommandsBeforeHelloAreNotJoined) {
    running_broker broker;
    test_client stranger = broker.connect();

    stranger.say(42, "hi");
    const auto say_error = stranger.expect_reply<proto::error>();
    EXPECT_EQ(code_of(say_error), "E_NOT_JOINED");
    EXPECT_EQ(say_error.message_id, 42u);
    stranger.who();
    EXPECT_EQ(code_of(stranger.expect_reply<proto::error>()), "E_NOT_JOINED");
    stranger.bye();
    EXPECT_EQ(code_of(stranger.expect_reply<proto::error>()), "E_NOT_JOINED");
}

TEST(BrokerServer, PingIsSilent) {
    running_broker broker;
    test_client alice = broker.connect();
    test_client stranger = broker.connect();
    alice.join("alice");

    // Replies come back in order, so had a PING been answered, that answer would come first.
    alice.ping(1);
    alice.who();
    EXPECT_EQ(alice.expect_reply<proto::roster>().names, (names{"alice"}));
    // Nor is a PING before HELLO: the first reply the stranger gets is its WELCOME.
    stranger.ping(0);
    stranger.send(proto::hello{"stranger", "lobby", std::nullopt});
    EXPECT_EQ(stranger.expect_reply<proto::welcome>().name, "stranger");
}

TEST(BrokerServer, MalformedMessagesGetErrorsAndTheBrokerServesTheNextClient) {
    running_broker broker;
    test_client mallory = broker.connect();
    using proto::test::body;
    const std::string secret(16, 'S');

    mallory.send_frames({"GET / HTTP/1.1", "Host: broker"});
    EXPECT_EQ(code_of(mallory.expect_reply<proto::error>()), "E_BAD_SIGNATURE");
    mallory.send_frames({});
    EXPECT_EQ(code_of(mallory.expect_reply<proto::error>()), "E_MALFORMED");
    mallory.send_frames({proto::test::header()});
    EXPECT_EQ(code_of(mallory.expect_reply<proto::error>()), "E_MALFORMED");
    mallory.send_frames({body("WHO", "ZCHAT\x03").bytes(secret).text("lobby")});
    EXPECT_EQ(code_of(mallory.expect_reply<proto::error>()), "E_VERSION");
    mallory.send_frames({body("SHOUT").text("x")});
    EXPECT_EQ(code_of(mallory.expect_reply<proto::error>()), "E_UNKNOWN_COMMAND");
    mallory.send_frames(proto::frame_list(100, body("WHO").bytes(secret).text("lobby")));
    EXPECT_EQ(code_of(mallory.expect_reply<proto::error>()), "E_MALFORMED");
    // A version 1 client is answered in version 1's frames, which it can read.
    mallory.send_frames({"ZCHAT\x01", "WHO", secret});
    const auto old = mallory.next_reply_frames();
    ASSERT_TRUE(old);
    ASSERT_EQ(old->size(), 5u);
    EXPECT_EQ((*old)[1], "ERROR");
    EXPECT_EQ((*old)[2], std::string("\0\x03", 2));

    test_client alice = broker.connect();
    alice.join("alice");
    alice.say(1, "still serving");
    EXPECT_EQ(alice.expect_reply<proto::ack>().seq, 1u);
    EXPECT_EQ(mallory.join("mallory").session_id, 2u);
}

// The reply a relay receives for one of its clients: the identities of the path, then the reply.
struct relayed_reply {
    proto::frame_list path;
    proto::reply reply;
};

relayed_reply next_relayed(test_client& relay) {
    auto frames = relay.next_reply_frames();
    if (!frames || frames->empty())
        throw test::test_client_error("no reply for the relay");
    const std::string_view body = frames->back();
    auto decoded = proto::decode_reply(std::span{&body, 1});
    if (!std::holds_alternative<proto::reply>(decoded))
        throw test::test_client_error("the relay received a reply it cannot decode");
    frames->pop_back();
    return {std::move(*frames), std::get<proto::reply>(std::move(decoded))};
}

// A relay forwards each client's commands after the client's identity, and a relay below it adds
// its own (PROTOCOL.md, section 2a): each path is a peer of its own, answered along that path.
TEST(BrokerServer, CommandsThroughRelaysAreAnsweredAlongTheirPath) {
    running_broker broker;
    test_client relay = broker.connect();
    const auto hello = [](const std::string& name) {
        return proto::encode(proto::command{proto::hello{name, "lobby", std::nullopt}}).front();
    };
    relay.send_frames({"client-1", hello("alice")});
    relay.send_frames({"relay-2", "client-1", hello("bob")});
    const relayed_reply to_alice = next_relayed(relay);
    const relayed_reply to_bob = next_relayed(relay);
    EXPECT_EQ(to_alice.path, proto::frame_list{"client-1"});
    EXPECT_EQ(std::get<proto::welcome>(to_alice.reply).name, "alice");
    EXPECT_EQ(to_bob.path, (proto::frame_list{"relay-2", "client-1"}));
    EXPECT_EQ(std::get<proto::welcome>(to_bob.reply).name, "bob");

    // The same client identity behind another hop is another peer: alice's secret proves nothing
    // there, and a malformed command is answered along its own path too.
    const auto& alice = std::get<proto::welcome>(to_alice.reply);
    relay.send_frames({"relay-2", "client-1",
                       proto::encode(proto::command{proto::who{alice.secret, "lobby"}}).front()});
    const relayed_reply refused = next_relayed(relay);
    EXPECT_EQ(refused.path, (proto::frame_list{"relay-2", "client-1"}));
    EXPECT_EQ(code_of(std::get<proto::error>(refused.reply)), "E_NOT_JOINED");
    relay.send_frames({"client-1", proto::test::body("SHOUT").text("x")});
    const relayed_reply unknown = next_relayed(relay);
    EXPECT_EQ(unknown.path, proto::frame_list{"client-1"});
    EXPECT_EQ(code_of(std::get<proto::error>(unknown.reply)), "E_UNKNOWN_COMMAND");

    // Nine identities are more than a path may hold: refused to the connection itself, whose
    // first frame is then no body.
    proto::frame_list too_long(proto::max_hops, "hop");
    too_long.push_back(hello("carol"));
    relay.send_frames(too_long);
    const relayed_reply direct = next_relayed(relay);
    EXPECT_EQ(direct.path, proto::frame_list{});
    EXPECT_EQ(code_of(std::get<proto::error>(direct.reply)), "E_BAD_SIGNATURE");
}

TEST(BrokerServer, TooLongTextIsRefusedWithTheMessageId) {
    running_broker broker;
    test_client alice = broker.connect();
    alice.join("alice");

    alice.say(7, std::string(4097, 'x'));
    const auto refused = alice.expect_reply<proto::error>();
    EXPECT_EQ(code_of(refused), "E_TOO_LONG");
    EXPECT_EQ(refused.message_id, 7u);
    alice.say(8, std::string(4096, 'x'));
    EXPECT_EQ(alice.expect_reply<proto::ack>(), (proto::ack{8, 1}));
}

TEST(BrokerServer, OversizeFrameIsDroppedByLibzmqAndTheBrokerCarriesOn) {
    running_broker broker;
    test_client mallory = broker.connect();
    // Past the ROUTER's ZMQ_MAXMSGSIZE: libzmq drops the connection, the core never sees it.
    mallory.send_frames({std::string(64 * 1024 + 1, 'x')});

    test_client alice = broker.connect();
    alice.join("alice");
    alice.say(1, "after the flood");
    EXPECT_EQ(alice.expect_reply<proto::ack>().seq, 1u);
}

TEST(BrokerServer, FrameLimitIsTheOneConfigured) {
    server_options options = loopback_options(fast_config());
    options.max_frame_bytes = 1024;
    running_broker broker(options);
    test::test_client_options quick;
    quick.timeout = std::chrono::milliseconds(500); // a message lost with the dropped connection
    test_client mallory = broker.connect(quick);
    mallory.send_frames({std::string(1024, 'x')}); // at the limit: read, and refused
    EXPECT_EQ(code_of(mallory.expect_reply<proto::error>()), "E_BAD_SIGNATURE");
    mallory.send_frames({std::string(1025, 'x')}); // over it: the connection is dropped unread
    // libzmq reconnects; the first answer that comes is for a message sent afterwards.
    std::optional<proto::frame_list> reply;
    for (int attempt = 0; attempt < 20 && !reply; ++attempt) {
        mallory.send_frames({""});
        reply = mallory.next_reply_frames();
    }
    ASSERT_TRUE(reply);
    const auto v = proto::views(*reply);
    const auto decoded = proto::decode_reply(v);
    const auto* e = std::get_if<proto::reply>(&decoded);
    ASSERT_NE(e, nullptr);
    ASSERT_TRUE(std::holds_alternative<proto::error>(*e));
    EXPECT_EQ(code_of(std::get<proto::error>(*e)), "E_MALFORMED");
}

TEST(BrokerServer, ServerFullRefusesTheNextHello) {
    config cfg = fast_config();
    cfg.max_clients = 1;
    running_broker broker(cfg);
    test_client alice = broker.connect();
    test_client bob = broker.connect();
    alice.join("alice");

    bob.send(proto::hello{"bob", "lobby", std::nullopt});
    EXPECT_EQ(code_of(bob.expect_reply<proto::error>()), "E_SERVER_FULL");

    alice.bye();
    EXPECT_EQ(alice.take_event<proto::left>().name, "alice");
    EXPECT_EQ(bob.join("bob").online, 0u);
}

TEST(BrokerServer, StopPublishesShutdownAndRunReturns) {
    running_broker broker;
    test_client alice = broker.connect();
    const auto a = alice.join("alice");

    broker.stop();

    EXPECT_EQ(alice.expect_event<proto::shutdown>(), (proto::shutdown{a.epoch}));
    // Bytes in: a HELLO of 31 bytes and a READY of 28. Bytes out depend on how many probes and
    // heartbeats went out, so only the rest is exact.
    const names log = broker.log_lines();
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[0], "INFO join name=alice room=lobby online=1");
    EXPECT_TRUE(log[1].starts_with(
        "INFO stopped online=1 peak_online=1 events=1 lines_in=0 bytes_in=59 bytes_out="))
        << log[1];
    EXPECT_TRUE(log[1].ends_with(" expired=0 evicted=0 errors_not_sent=0 rejected=none")) << log[1];
}

TEST(BrokerServer, StopWithNobodyConnectedReturnsAndLogsTheTotals) {
    running_broker broker;
    broker.stop();
    const names log = broker.log_lines();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_TRUE(log[0].starts_with("INFO stopped online=0 peak_online=0 events=0 lines_in=0 "
                                   "bytes_in=0 "))
        << log[0];
}

// A reload's log level reaches the log at once, and the reload is logged whichever way the level
// goes.
TEST(BrokerServer, AReloadSetsTheLogLevelAndIsLoggedEitherWay) {
    zmq::context_t ctx;
    const server_options options = loopback_options(fast_config());
    server broker(ctx, options);
    std::ostringstream text;
    log_sink log(text, log_level::info);

    server_options quieter = options;
    quieter.core.logging = log_level::warn;
    broker.reconfigure(quieter, log);
    EXPECT_EQ(log.level(), log_level::warn);
    server_options chatty = options;
    chatty.core.logging = log_level::debug;
    broker.reconfigure(chatty, log);
    EXPECT_EQ(log.level(), log_level::debug);

    const std::string logged = text.str();
    EXPECT_NE(logged.find(" INFO reload changed=\"log-level info -> warn\"\n"), std::string::npos)
        << logged;
    EXPECT_NE(logged.find(" INFO reload changed=\"log-level warn -> debug\"\n"), std::string::npos)
        << logged;
}

} // namespace
} // namespace zchat::broker
