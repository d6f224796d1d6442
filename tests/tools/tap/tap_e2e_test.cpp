// zchat-tap end to end: the real executable against the real broker (driven by zchat-client
// processes or the in-process raw client) or against a fake publisher of our own, read from its
// stdout and stderr as a script would. Every wait is bounded; nothing sleeps for a fixed time.
#include "tests/broker/test_client.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/running_broker.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include <csignal>
#include <regex>
#include <string>
#include <vector>

namespace zchat::tap::test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using strings = std::vector<std::string>;
using zchat::test::broker_options;
using zchat::test::child_process;
using zchat::test::line_containing;
using zchat::test::line_matcher;
using zchat::test::line_starting_with;
using zchat::test::prints;
using zchat::test::running_broker;
using zchat::test::stream;
using zchat::test::transcript;

constexpr auto line_timeout = 10s;

// A real zchat-broker on free loopback ports (or the given PUB endpoint), with fast heartbeats
// and no STATS to get in the way.
broker_options fast_heartbeats(std::string pub = "tcp://127.0.0.1:*") {
    return {.args = {"--heartbeat-ms", "100", "--stats-interval", "3600"}, .pub = std::move(pub)};
}

// Waits for the tap's "receiving" status line: from then on its SUB subscriptions (all made
// before it connected) are in force, so nothing published later is lost to the slow joiner.
void await_receiving(child_process& tap) {
    ASSERT_TRUE(
        prints(tap, stream::err, line_starting_with("zchat-tap: receiving events"), line_timeout));
}

std::unique_ptr<child_process> start_tap(const strings& args) {
    return std::make_unique<child_process>(ZCHAT_TAP_PATH, args);
}

json next_json(child_process& tap) {
    const auto line = tap.next_line(stream::out, line_timeout);
    if (!line) {
        ADD_FAILURE() << "no line from the tap";
        return json::object();
    }
    try {
        return json::parse(*line);
    } catch (const json::exception& e) {
        ADD_FAILURE() << "not JSON: " << *line;
        return json::object();
    }
}

// Reads JSON lines until one of this kind arrives; a line that is not JSON fails the test.
json json_of_kind(child_process& tap, std::string_view kind) {
    json found = json::object();
    const line_matcher of_kind{[&](std::string_view line) {
                                   found = json::parse(line, nullptr, false);
                                   if (found.is_discarded()) {
                                       ADD_FAILURE() << "not JSON: " << line;
                                       found = json::object();
                                       return true;
                                   }
                                   return found["kind"] == kind;
                               },
                               "a JSON line of kind " + std::string{kind}};
    if (!tap.wait_for_line(stream::out, of_kind, line_timeout))
        return json::object();
    return found;
}

// A publisher of our own, for streams the real broker never produces (gaps, restarts, garbage).
class fake_broker {
public:
    fake_broker() : pub_(ctx_, zmq::socket_type::pub) {
        pub_.set(zmq::sockopt::linger, 0);
        pub_.bind("tcp://127.0.0.1:*");
        endpoint_ = pub_.get(zmq::sockopt::last_endpoint);
    }

    // Frames as given; returns their total size.
    std::size_t send(const proto::frame_list& frames) {
        zchat::test::send_frames(pub_, frames);
        std::size_t bytes = 0;
        for (const auto& f : frames)
            bytes += f.size();
        return bytes;
    }
    std::size_t publish(const proto::event& e) { return send(proto::encode(e)); }

    // Publishes heartbeats until the tap reports (on `status`) that it receives.
    void handshake(child_process& tap, std::uint64_t epoch, stream status = stream::err) {
        const auto deadline = std::chrono::steady_clock::now() + line_timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            publish(proto::heartbeat{epoch, 0, 60000, {}});
            if (tap.wait_for_line(status, line_containing("zchat-tap: receiving events"), 20ms))
                return;
        }
        FAIL() << "the tap never started receiving";
    }

    const std::string& endpoint() const { return endpoint_; }

private:
    zmq::context_t ctx_;
    zmq::socket_t pub_;
    std::string endpoint_;
};

proto::line line_event(std::uint64_t epoch, std::uint64_t seq, std::string text = "x",
                       std::string room = "lobby") {
    return proto::line{epoch, seq, std::move(room), "alice", 1, seq, std::move(text)};
}

TEST(TapEndToEnd, HelpVersionAndUsageErrors) {
    child_process help(ZCHAT_TAP_PATH, {"--help"});
    const std::string text = help.read_rest(stream::out, line_timeout);
    EXPECT_EQ(help.wait_for_exit(line_timeout), 0);
    EXPECT_NE(text.find("--topic"), std::string::npos);
    EXPECT_NE(text.find("--room"), std::string::npos);
    EXPECT_NE(text.find("3 --timeout ran out before any event was shown"), std::string::npos);

    child_process version(ZCHAT_TAP_PATH, {"--version"});
    EXPECT_EQ(version.next_line(stream::out, line_timeout), "zchat-tap " ZCHAT_VERSION);
    EXPECT_EQ(version.wait_for_exit(line_timeout), 0);

    for (const strings& bad :
         {strings{"--bogus"}, strings{"--sub", "nonsense"}, strings{"--sub", "tcp://127.0.0.1"},
          strings{"-F", "%x"}, strings{"--json", "-F", "%p"}, strings{"-C", "0"},
          strings{"-W", "-1"}, strings{"host", "extra"},
          strings{"localhost", "--sub", "tcp://127.0.0.1:1"}, strings{"--room", "Ops"},
          strings{"--room", "#"}, strings{"--room", "chat/ops"}, strings{"--room", "##ops"},
          strings{"--room", std::string(33, 'r')}}) {
        SCOPED_TRACE(bad.front());
        child_process tap(ZCHAT_TAP_PATH, bad);
        EXPECT_EQ(tap.wait_for_exit(line_timeout), 2);
        const std::string err = tap.read_rest(stream::err, line_timeout);
        EXPECT_TRUE(err.starts_with("zchat-tap: ")) << err;
        EXPECT_TRUE(err.ends_with("(try --help)\n")) << err;
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    }
}

// A bare HOST means that host on the broker's default PUB port, as for the client.
TEST(TapEndToEnd, ABareHostIsWatchedOnTheDefaultPort) {
    child_process tap(ZCHAT_TAP_PATH, {"-W", "0.2", "localhost"});
    EXPECT_EQ(tap.wait_for_exit(line_timeout), 3);
    EXPECT_NE(tap.read_rest(stream::err, line_timeout).find("tcp://localhost:5556"),
              std::string::npos);
}

TEST(TapEndToEnd, JsonCountSeesAScriptedConversationInOrder) {
    running_broker broker(fast_heartbeats());
    auto tap =
        start_tap({"--sub", broker.pub(), "--json", "-t", "chat", "-t", "presence", "-C", "7"});
    await_receiving(*tap);

    const std::string quotes = R"(He said "hi" \ C:\path\ {"json":1})";
    const std::string unicode = "caf\u00e9 \u4e2d\u6587 \U0001F600 \u0416\u0438\u0437\u043d\u044c";
    // The worst the broker lets through: TAB, bidi overrides, zero-width and invisible
    // characters, a noncharacter, U+FFFD, private use.
    const std::string worst = "tab\there \u202Eevil\u202C \u200B\uFEFF \uFFFF \uFFFD \uE000 end";

    zmq::context_t ctx;
    zchat::test::test_client alice(ctx, broker.router(), broker.pub());
    zchat::test::test_client bob(ctx, broker.router(), broker.pub());
    const auto alice_id = alice.join("alice").session_id;
    const auto bob_id = bob.join("Bob\u00e9").session_id;
    alice.say(1, quotes);
    alice.expect_reply<proto::ack>();
    bob.say(1, unicode);
    bob.expect_reply<proto::ack>();
    bob.say(2, worst);
    bob.expect_reply<proto::ack>();
    bob.bye();
    alice.take_event<proto::left>([&](const proto::left& l) { return l.session_id == bob_id; });
    alice.bye();

    // The lobby numbers its chat (LINE) and its presence (JOIN, LEAVE) apart.
    struct expected {
        std::string kind, who, text;
        std::uint64_t sid, seq;
    };
    const std::vector<expected> script{
        {"join", "alice", "", alice_id, 1},      {"join", "Bob\u00e9", "", bob_id, 2},
        {"line", "alice", quotes, alice_id, 1},  {"line", "Bob\u00e9", unicode, bob_id, 2},
        {"line", "Bob\u00e9", worst, bob_id, 3}, {"leave", "Bob\u00e9", "", bob_id, 3},
        {"leave", "alice", "", alice_id, 4},
    };
    std::string epoch;
    for (std::size_t i = 0; i < script.size(); ++i) {
        SCOPED_TRACE(i);
        const json j = next_json(*tap);
        ASSERT_FALSE(j.empty());
        EXPECT_EQ(j["kind"], script[i].kind);
        EXPECT_EQ(j["seq"], script[i].seq);
        EXPECT_EQ(j["session_id"], script[i].sid);
        EXPECT_EQ(j["room"], "lobby");
        if (i == 0)
            epoch = j["epoch"];
        EXPECT_EQ(j["epoch"], epoch);
        if (script[i].kind == "line") {
            EXPECT_EQ(j["sender"], script[i].who);
            EXPECT_EQ(j["text"], script[i].text);
            EXPECT_EQ(j["topic"], "chat/lobby/");
        } else {
            EXPECT_EQ(j["name"], script[i].who);
            EXPECT_EQ(j["topic"], "presence/lobby/");
        }
    }
    EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
    EXPECT_EQ(tap->read_rest(stream::out, 1s), "");
}

TEST(TapEndToEnd, HumanTapSeesARealClientProcess) {
    running_broker broker(fast_heartbeats());
    auto tap = start_tap({"--sub", broker.pub(), "-t", "chat", "-t", "presence", "-C", "3"});
    await_receiving(*tap);
    child_process client(ZCHAT_CLIENT_PATH, {"--router", broker.router(), "--sub", broker.pub(),
                                             "--name", "alice", "-m", "Hello \"world\"\t\u202Ex"});
    EXPECT_EQ(client.wait_for_exit(20s), 0) << transcript(client);

    const std::string time = R"(\d\d:\d\d:\d\d\.\d\d\d )";
    const std::vector<std::string> patterns{
        time + R"(#1 join presence/lobby/ alice \(sid 1, 1 online, chat at 0\))",
        time + R"(#1 line chat/lobby/ \[alice\] Hello "world" \\u\{202E\}x)",
        time + R"(#2 leave presence/lobby/ alice \(sid 1, 0 online, quit\))",
    };
    for (const auto& p : patterns) {
        const auto line = tap->next_line(stream::out, line_timeout);
        ASSERT_TRUE(line);
        EXPECT_TRUE(std::regex_match(*line, std::regex(p))) << *line;
    }
    EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
}

TEST(TapEndToEnd, TopicAndExcludeSelectWhatIsShown) {
    running_broker broker(fast_heartbeats());
    auto chat_only = start_tap({"--sub", broker.pub(), "--json", "-t", "chat", "-C", "1"});
    auto presence_only =
        start_tap({"--sub", broker.pub(), "--json", "--topic", "presence/", "-C", "2"});
    auto excluding = start_tap(
        {"--sub", broker.pub(), "--json", "-x", "presence", "-x", "sys", "-x", "probe", "-C", "1"});
    for (auto* tap : {chat_only.get(), presence_only.get(), excluding.get()})
        await_receiving(*tap);

    zmq::context_t ctx;
    zchat::test::test_client alice(ctx, broker.router(), broker.pub());
    alice.join("alice");
    alice.say(1, "only this");
    alice.expect_reply<proto::ack>();
    alice.bye();

    for (auto* tap : {chat_only.get(), excluding.get()}) {
        const json j = next_json(*tap);
        EXPECT_EQ(j["kind"], "line");
        EXPECT_EQ(j["text"], "only this");
        EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
    }
    EXPECT_EQ(next_json(*presence_only)["kind"], "join");
    EXPECT_EQ(next_json(*presence_only)["kind"], "leave");
    EXPECT_EQ(presence_only->wait_for_exit(line_timeout), 0);
}

// --room subscribes to the chosen rooms' chat and presence topics alone, with or without the
// '#' users write: the lobby's events never reach the tap, and each chosen room's events carry
// its name and their numbers in its own sequences.
TEST(TapEndToEnd, RoomSelectsOnlyTheChosenRoomsAndTakesAHash) {
    running_broker broker(fast_heartbeats());
    auto tap =
        start_tap({"--sub", broker.pub(), "--json", "--room", "#ops", "--room", "dev", "-C", "5"});
    await_receiving(*tap);

    zmq::context_t ctx;
    zchat::test::test_client alice(ctx, broker.router(), broker.pub());
    zchat::test::test_client bob(ctx, broker.router(), broker.pub());
    const auto alice_id = alice.join("alice").session_id;
    alice.say(1, "in the lobby");
    alice.expect_reply<proto::ack>();
    alice.join_room("ops");
    EXPECT_EQ(alice.expect_reply<proto::room_entered>().room, "ops");
    alice.say_in("ops", 2, "in ops");
    EXPECT_EQ(alice.expect_reply<proto::ack>().seq, 1u);
    const auto bob_id = bob.join("bob", "dev").session_id;
    bob.say(1, "in dev");
    bob.expect_reply<proto::ack>();
    alice.say(3, "in the lobby again");
    alice.expect_reply<proto::ack>();
    alice.part("ops");

    struct expected {
        std::string kind, room;
        std::uint64_t seq, sid;
    };
    const std::vector<expected> script{
        {"join", "ops", 1, alice_id}, {"line", "ops", 1, alice_id},  {"join", "dev", 1, bob_id},
        {"line", "dev", 1, bob_id},   {"leave", "ops", 2, alice_id},
    };
    for (std::size_t i = 0; i < script.size(); ++i) {
        SCOPED_TRACE(i);
        const json j = next_json(*tap);
        ASSERT_FALSE(j.empty());
        EXPECT_EQ(j["kind"], script[i].kind);
        EXPECT_EQ(j["room"], script[i].room);
        EXPECT_EQ(j["seq"], script[i].seq);
        EXPECT_EQ(j["session_id"], script[i].sid);
        EXPECT_EQ(j["topic"],
                  (script[i].kind == "line" ? "chat/" : "presence/") + script[i].room + "/");
    }
    EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
    EXPECT_EQ(tap->read_rest(stream::out, 1s), "") << "a note or an event of another room";
}

// A tap watching #ops judges #ops's sequences alone: a jump in its chat is a gap, and so is
// what the heartbeats' heads show #ops missed while it was quiet, in its chat and its presence;
// the lobby's heads jump by hundreds unremarked, since its topics are not subscribed.
TEST(TapEndToEnd, RoomSelectionJudgesGapsAndHeadsInTheChosenRoomAlone) {
    fake_broker broker;
    auto tap = start_tap({"--sub", broker.endpoint(), "--json", "--room", "ops", "-C", "3"});
    broker.handshake(*tap, 0xC);
    broker.publish(line_event(0xC, 1, "not subscribed"));
    broker.publish(line_event(0xC, 1, "x", "ops"));
    broker.publish(proto::heartbeat{0xC, 2, 60000, {{"lobby", 40, 9}, {"ops", 1, 0}}});
    broker.publish(line_event(0xC, 4, "x", "ops"));
    broker.publish(proto::heartbeat{0xC, 2, 60000, {{"lobby", 900, 12}, {"ops", 6, 2}}});
    broker.publish(proto::joined{0xC, 3, "ops", "carol", 5, 1, 6});

    const auto expect_gap = [&](std::string_view stream, std::uint64_t first, std::uint64_t last) {
        const json j = next_json(*tap);
        EXPECT_EQ(j["kind"], "gap");
        EXPECT_EQ(j["room"], "ops");
        EXPECT_EQ(j["stream"], stream);
        EXPECT_EQ(j["first_seq"], first);
        EXPECT_EQ(j["last_seq"], last);
    };
    json j = next_json(*tap);
    EXPECT_EQ(j["kind"], "line");
    EXPECT_EQ(j["room"], "ops");
    EXPECT_EQ(j["seq"], 1);
    expect_gap("chat", 2, 3);
    EXPECT_EQ(next_json(*tap)["seq"], 4);
    expect_gap("chat", 5, 6);
    expect_gap("presence", 1, 2);
    j = next_json(*tap);
    EXPECT_EQ(j["kind"], "join");
    EXPECT_EQ(j["room"], "ops");
    EXPECT_EQ(j["seq"], 3);
    EXPECT_EQ(j["chat_seq"], 6);
    EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
    EXPECT_EQ(tap->read_rest(stream::out, 1s), "");
}

// A heartbeat's JSON carries the heads of the rooms the broker has, and no seq of its own.
TEST(TapEndToEnd, HeartbeatJsonCarriesTheRoomsHeads) {
    running_broker broker(fast_heartbeats());
    zmq::context_t ctx;
    zchat::test::test_client alice(ctx, broker.router(), broker.pub());
    alice.join("alice", "ops");
    alice.say(1, "one");
    alice.expect_reply<proto::ack>();
    auto tap = start_tap({"--sub", broker.pub(), "--json", "-t", "heartbeat", "-C", "1"});
    const json j = json_of_kind(*tap, "heartbeat");
    ASSERT_FALSE(j.empty());
    EXPECT_FALSE(j.contains("seq"));
    EXPECT_FALSE(j.contains("room"));
    EXPECT_EQ(j["online"], 1);
    EXPECT_EQ(j["interval_ms"], 100);
    EXPECT_EQ(j["heads"], json::parse(R"([{"room":"ops","seq":1,"roster_version":1}])"));
    EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
}

TEST(TapEndToEnd, TimeoutExitsThreeWithoutEventsAndZeroWithThem) {
    // Nothing publishes here: a PUB bound and never used.
    fake_broker silent;
    child_process lonely(ZCHAT_TAP_PATH, {"--sub", silent.endpoint(), "-W", "0.3"});
    EXPECT_EQ(lonely.wait_for_exit(line_timeout), 3);
    EXPECT_EQ(lonely.read_rest(stream::out, 1s), "");

    running_broker broker(fast_heartbeats());
    child_process watching(ZCHAT_TAP_PATH, {"--sub", broker.pub(), "--timeout", "1.5"});
    EXPECT_EQ(watching.wait_for_exit(line_timeout), 0);
    const auto line = watching.next_line(stream::out, 1s);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find(" #- heartbeat sys/heartbeat/ 0 online, every 100 ms"), std::string::npos)
        << *line;

    // Heartbeats arrive but are not what was asked for: still no event shown.
    child_process filtered(ZCHAT_TAP_PATH, {"--sub", broker.pub(), "-t", "chat", "-W", "0.5"});
    EXPECT_EQ(filtered.wait_for_exit(line_timeout), 3);
}

TEST(TapEndToEnd, StatsTotalsMatchTheEventsPublished) {
    fake_broker broker;
    auto tap = start_tap({"--sub", broker.endpoint(), "--json", "--stats", "0.1", "-t", "chat",
                          "-t", "presence", "-C", "25"});
    broker.handshake(*tap, 77);
    std::size_t bytes = 0;
    for (std::uint64_t seq = 1; seq <= 20; ++seq)
        bytes += broker.publish(line_event(77, seq, std::string(seq, 'y')));
    // seq 21..23 are lost on purpose.
    for (std::uint64_t seq = 24; seq <= 28; ++seq)
        bytes += broker.publish(line_event(77, seq));

    const json summary = json_of_kind(*tap, "tap_summary");
    ASSERT_FALSE(summary.empty());
    EXPECT_EQ(summary["events"], 25);
    EXPECT_EQ(summary["by_kind"]["line"], 25);
    EXPECT_EQ(summary["by_kind"]["heartbeat"], 0);
    EXPECT_EQ(summary["bytes"], bytes);
    EXPECT_EQ(summary["missed"], 3);
    EXPECT_EQ(summary["restarts"], 0);
    EXPECT_EQ(summary["online"], 0); // from the handshake's heartbeats, though not shown
    EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
}

TEST(TapEndToEnd, GapsRestartsBackwardsSeqAndGarbageAreReported) {
    fake_broker broker;
    auto tap = start_tap(
        {"--sub", broker.endpoint(), "--json", "-t", "chat", "-t", "presence", "-C", "6"});
    broker.handshake(*tap, 0xA);
    broker.publish(line_event(0xA, 1));
    broker.publish(line_event(0xA, 2));
    broker.publish(line_event(0xA, 5));
    broker.publish(proto::heartbeat{0xB, 0, 60000, {}});
    broker.publish(line_event(0xB, 1));
    broker.send({"chat/lobby/", std::string{"ZCHAT\x02\x04LINE", 11}});
    broker.publish(line_event(0xB, 1));

    auto next = [&] { return next_json(*tap); };
    json j = next();
    EXPECT_EQ(j["kind"], "line");
    EXPECT_EQ(j["seq"], 1);
    EXPECT_EQ(next()["seq"], 2);
    j = next();
    EXPECT_EQ(j["kind"], "gap");
    EXPECT_EQ(j["room"], "lobby");
    EXPECT_EQ(j["stream"], "chat");
    EXPECT_EQ(j["missed"], 2);
    EXPECT_EQ(j["first_seq"], 3);
    EXPECT_EQ(j["last_seq"], 4);
    EXPECT_EQ(j["epoch"], "10");
    EXPECT_EQ(next()["seq"], 5);
    j = next();
    EXPECT_EQ(j["kind"], "restart");
    EXPECT_EQ(j["previous_epoch"], "10");
    EXPECT_EQ(j["epoch"], "11");
    j = next();
    EXPECT_EQ(j["kind"], "line");
    EXPECT_EQ(j["epoch"], "11");
    j = next();
    EXPECT_EQ(j["kind"], "undecodable");
    EXPECT_EQ(j["error"], "E_MALFORMED");
    EXPECT_EQ(j["preview"], "5a4348415402044c494e45");
    j = next();
    EXPECT_EQ(j["kind"], "alert");
    EXPECT_EQ(j["alert"], "seq_backwards");
    EXPECT_EQ(next()["kind"], "line");
    EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
}

TEST(TapEndToEnd, SaysWhenTheBrokerGoesAwayAndWhenItComesBack) {
    auto first = std::make_unique<running_broker>(fast_heartbeats());
    const std::string pub = first->pub();
    auto tap = start_tap({"--sub", pub, "--no-heartbeats"});
    await_receiving(*tap);
    first->process().send_signal(SIGKILL);
    ASSERT_TRUE(first->process().wait_for_exit(line_timeout));
    const auto gone = tap->wait_for_line(stream::out, line_containing("!! alert heartbeat_missing"),
                                         line_timeout);
    ASSERT_TRUE(gone);
    EXPECT_NE(gone->find("(heartbeat every 100 ms): broker gone?"), std::string::npos) << *gone;

    // A new run on the same PUB port: libzmq reconnects the tap's SUB by itself.
    running_broker second(fast_heartbeats(pub));
    const auto back = tap->next_line(stream::out, line_timeout);
    ASSERT_TRUE(back);
    EXPECT_NE(back->find(" == back: events again after "), std::string::npos) << *back;
    EXPECT_NE(back->find("(new epoch: the broker restarted)"), std::string::npos) << *back;
    const auto restart = tap->next_line(stream::out, line_timeout);
    ASSERT_TRUE(restart);
    EXPECT_NE(restart->find(" == restart: new epoch "), std::string::npos) << *restart;
}

// -q: not one status line; -v: also what the tap subscribed to, and each dropped connection.
TEST(TapEndToEnd, QuietWritesNoStatusLinesAndVerboseAlsoTellsOfDroppedConnections) {
    running_broker broker(fast_heartbeats());
    child_process quiet(ZCHAT_TAP_PATH, {"--sub", broker.pub(), "-q", "-W", "0.5"});
    EXPECT_EQ(quiet.wait_for_exit(line_timeout), 0);
    EXPECT_NE(quiet.read_rest(stream::out, 1s), "");
    EXPECT_EQ(quiet.read_rest(stream::err, 1s), "");

    auto first = std::make_unique<running_broker>(fast_heartbeats());
    const std::string pub = first->pub();
    auto tap = start_tap({"--sub", pub, "-v", "-t", "heartbeat"});
    const std::vector<std::string> status{"zchat-tap: waiting for events from " + pub,
                                          "zchat-tap: subscribed to sys/heartbeat/",
                                          "zchat-tap: receiving events from " + pub};
    for (const std::string& expected : status) {
        const auto line = tap->next_line(stream::err, line_timeout);
        ASSERT_TRUE(line) << expected;
        EXPECT_EQ(*line, expected);
    }
    first->process().send_signal(SIGKILL);
    ASSERT_TRUE(first->process().wait_for_exit(line_timeout));
    const auto dropped = tap->next_line(stream::err, line_timeout);
    ASSERT_TRUE(dropped);
    EXPECT_EQ(*dropped, "zchat-tap: the connection to " + pub + " dropped; reconnecting");
}

TEST(TapEndToEnd, ATapStartedBeforeTheBrokerWaitsForIt) {
    // A port that was free a moment ago: bound by the kernel's choice, then released.
    std::string endpoint;
    {
        zmq::context_t ctx;
        zmq::socket_t probe(ctx, zmq::socket_type::pub);
        probe.set(zmq::sockopt::linger, 0);
        probe.bind("tcp://127.0.0.1:*");
        endpoint = probe.get(zmq::sockopt::last_endpoint);
    }
    auto tap = start_tap({"--sub", endpoint, "--json", "-t", "heartbeat", "-C", "1"});
    const auto waiting = tap->next_line(stream::err, line_timeout);
    ASSERT_TRUE(waiting);
    EXPECT_EQ(*waiting, "zchat-tap: waiting for events from " + endpoint);

    running_broker broker(fast_heartbeats(endpoint));
    EXPECT_EQ(next_json(*tap)["kind"], "heartbeat");
    EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
}

// Runs the tap on a pseudo-terminal through script(1) (util-linux), with extra environment,
// publishes a gap, and returns what the terminal showed from the "receiving" line on. The tap
// gets a --timeout of its own: the destructor kills script, which might leave the tap behind.
std::string terminal_output(const std::string& environment) {
    fake_broker broker;
    const std::string command = environment + " '" + std::string{ZCHAT_TAP_PATH} + "' --sub " +
                                broker.endpoint() + " -t chat -t presence -C 2 -W 20";
    child_process terminal("/usr/bin/script", {"-qec", command, "/dev/null"});
    broker.handshake(terminal, 5, stream::out);
    broker.publish(line_event(5, 1));
    broker.publish(line_event(5, 3));
    EXPECT_EQ(terminal.wait_for_exit(line_timeout), 0);
    return terminal.read_rest(stream::out, line_timeout);
}

TEST(TapEndToEnd, ColourOnlyOnATerminalAndNeverWithNoColor) {
    const std::string red_gap = "\x1b[31m";
    const std::string on_terminal = terminal_output("");
    EXPECT_NE(on_terminal.find(red_gap), std::string::npos) << on_terminal;
    EXPECT_NE(on_terminal.find("!! gap: 1 event missed in #lobby chat (seq 2)"), std::string::npos);
    const std::string no_color = terminal_output("NO_COLOR=1");
    EXPECT_EQ(no_color.find('\x1b'), std::string::npos) << no_color;
    EXPECT_NE(no_color.find("!! gap: 1 event missed in #lobby chat (seq 2)"), std::string::npos);

    fake_broker broker;
    child_process piped(ZCHAT_TAP_PATH,
                        {"--sub", broker.endpoint(), "-t", "chat", "-t", "presence", "-C", "2"});
    broker.handshake(piped, 5);
    broker.publish(line_event(5, 1));
    broker.publish(line_event(5, 3));
    EXPECT_EQ(piped.wait_for_exit(line_timeout), 0);
    const std::string out = piped.read_rest(stream::out, line_timeout);
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
    EXPECT_NE(out.find("!! gap: 1 event missed in #lobby chat (seq 2)"), std::string::npos) << out;
}

TEST(TapEndToEnd, AClosedPipeEndsTheTapQuietly) {
    running_broker broker(fast_heartbeats());
    child_process pipeline("/bin/bash", {"-c", "set -o pipefail; \"$0\" --sub \"$1\" | head -n 1",
                                         ZCHAT_TAP_PATH, broker.pub()});
    EXPECT_EQ(pipeline.wait_for_exit(line_timeout), 0);
    const auto line = pipeline.next_line(stream::out, 1s);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find(" heartbeat "), std::string::npos);
    const std::string err = pipeline.read_rest(stream::err, 1s);
    EXPECT_EQ(err.find("pipe"), std::string::npos) << err;
    EXPECT_EQ(err.find("rror"), std::string::npos) << err;
}

TEST(TapEndToEnd, SigtermInStatsModePrintsTheSummaryAndExitsZero) {
    running_broker broker(fast_heartbeats());
    auto tap = start_tap({"--sub", broker.pub(), "--stats", "0.1"});
    await_receiving(*tap);
    const auto period = tap->wait_for_line(stream::out, line_containing(" stats: "), line_timeout);
    ASSERT_TRUE(period);
    EXPECT_NE(period->find(" online, 0 missed, 0 restarts, 0 alerts"), std::string::npos)
        << *period;
    tap->send_signal(SIGTERM);
    const auto summary =
        tap->wait_for_line(stream::out, line_containing(" summary: "), line_timeout);
    ASSERT_TRUE(summary);
    EXPECT_NE(summary->find(" events in "), std::string::npos) << *summary;
    EXPECT_EQ(tap->wait_for_exit(line_timeout), 0);
}

} // namespace
} // namespace zchat::tap::test
