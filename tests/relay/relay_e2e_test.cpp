// The real zchat-relay between the real broker and real clients: one relay, and a relay chained
// below another, carry the conversation so that every client, wherever it connects, sees the
// same events; a private message crosses relays to its recipient only; bad input through a relay
// draws what it draws at the broker; a relay that restarts lets its clients resume, and one that
// disappears takes their sessions to expiry.
#include "proto/envelope.hpp"
#include "tests/broker/test_client.hpp"
#include "tests/e2e/chat_lines.hpp"
#include "tests/relay/usage_errors.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/running_broker.hpp"
#include "tests/support/running_relay.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace zchat::test {
namespace {

using namespace std::chrono_literals;
using lines = std::vector<std::string>;

const std::string client_path = ZCHAT_CLIENT_PATH;

// A scripted client of the broker or relay whose endpoints are `router` and `pub`.
child_process client(const std::string& name, const std::string& router, const std::string& pub,
                     lines extra = {}) {
    lines args{"--router", router, "--sub", pub, "--name", name};
    args.insert(args.end(), extra.begin(), extra.end());
    return child_process(client_path, std::move(args));
}

// Heartbeats every 200 ms, expiry after 5 silent: relays' clients lose nothing to a short gap,
// and a session whose relay is gone expires within a second.
broker_options quick_broker() {
    return broker_options{.args = {"--heartbeat-ms", "200", "--liveness", "5"}};
}

TEST(RelayEndToEnd, ClientsOnTheBrokerARelayAndAChainedRelaySeeOneConversation) {
    running_broker broker(quick_broker());
    running_relay near(broker.router(), broker.pub());
    running_relay far(near.router(), near.pub());

    child_process alice = client("alice", broker.router(), broker.pub());
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob = client("bob", near.router(), near.pub());
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    ASSERT_TRUE(prints(alice, stream::out, entered("bob", 2)));
    child_process carol = client("carol", far.router(), far.pub());
    ASSERT_TRUE(prints(carol, stream::out, connected(3)));
    ASSERT_TRUE(prints(alice, stream::out, entered("carol", 3)));
    ASSERT_TRUE(prints(bob, stream::out, entered("carol", 3)));

    // Each speaks in turn, and waits until everyone has the line.
    const std::vector<std::pair<child_process*, std::string>> turns{
        {&alice, "alice"}, {&bob, "bob"}, {&carol, "carol"}};
    for (const auto& [speaker, name] : turns) {
        speaker->write("hello from " + name + "\n");
        for (const auto& [listener, other] : turns)
            ASSERT_TRUE(prints(*listener, stream::out,
                               listener == speaker ? "[You] hello from " + name
                                                   : "[" + name + "] hello from " + name));
    }
    // A private message from the far relay to the broker's own client, and back.
    carol.write("/msg alice just between us\n");
    ASSERT_TRUE(prints(alice, stream::out, "*carol* just between us"));
    alice.write("/msg carol got it\n");
    ASSERT_TRUE(prints(carol, stream::out, "*alice* got it"));

    carol.close_stdin();
    EXPECT_EQ(exit_of(carol), "exit 0") << transcript(carol);
    ASSERT_TRUE(prints(bob, stream::out, left("carol", 2)));
    bob.close_stdin();
    EXPECT_EQ(exit_of(bob), "exit 0") << transcript(bob);
    ASSERT_TRUE(prints(alice, stream::out, left("bob", 1)));
    alice.close_stdin();
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);

    const lines said{"hello from alice", "hello from bob", "hello from carol"};
    const auto seen_by = [&](const std::string& me) {
        lines out;
        for (const std::string& text : said) {
            const std::string who = text.substr(text.rfind(' ') + 1);
            out.push_back((who == me ? "[You] " : "[" + who + "] ") + text);
        }
        return out;
    };
    lines alice_expected{connected(1), entered("bob", 2), entered("carol", 3)};
    for (const std::string& l : seen_by("alice"))
        alice_expected.push_back(l);
    alice_expected.insert(alice_expected.end(), {"*carol* just between us", "-> *carol* got it",
                                                 left("carol", 2), left("bob", 1)});
    EXPECT_EQ(alice.lines(stream::out), alice_expected);
    lines bob_expected{connected(2), entered("carol", 3)};
    for (const std::string& l : seen_by("bob"))
        bob_expected.push_back(l);
    bob_expected.push_back(left("carol", 2));
    EXPECT_EQ(bob.lines(stream::out), bob_expected) << "bob sees no private message";
    lines carol_expected{connected(3)};
    for (const std::string& l : seen_by("carol"))
        carol_expected.push_back(l);
    carol_expected.insert(carol_expected.end(), {"-> *alice* just between us", "*alice* got it"});
    EXPECT_EQ(carol.lines(stream::out), carol_expected);

    EXPECT_EQ(far.stop(), 0);
    EXPECT_EQ(near.stop(), 0);
    const lines totals = near.process().lines(stream::err);
    ASSERT_EQ(totals.size(), 1u) << transcript(near.process());
    EXPECT_TRUE(totals[0].starts_with("zchat-relay: carried ")) << totals[0];
    EXPECT_NE(totals[0].find("answered 0 here, dropped 0"), std::string::npos) << totals[0];
}

// The room's history (FETCH and HISTORY, as gap fill uses them) reaches a client two relays
// down.
TEST(RelayEndToEnd, HistoryReachesAClientThroughTwoRelays) {
    running_broker broker(quick_broker());
    running_relay near(broker.router(), broker.pub());
    running_relay far(near.router(), near.pub());
    child_process alice = client("alice", broker.router(), broker.pub(), {"-m", "before you came"});
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    child_process carol = client("carol", far.router(), far.pub(), {"-m", "hello"});
    EXPECT_EQ(exit_of(carol), "exit 0") << transcript(carol);
    EXPECT_EQ(carol.lines(stream::out),
              (lines{connected(1), "~ [alice] before you came", "[You] hello"}));
}

// A relay's command line: each mistake is one line naming it, exit code 2, and nothing bound.
TEST(RelayEndToEnd, CommandLineMistakesAreUsageErrors) {
    expect_usage_errors({
        {{"--router", "foo"},
         "zchat-relay: 'foo' is not an endpoint (tcp://HOST:PORT, ipc://PATH or inproc://NAME) "
         "(try --help)"},
        {{"--stats-interval", "0"},
         "zchat-relay: --stats-interval must be from 0.01 to 86400 (try --help)"},
        {{"--bind-pub", "nonsense"},
         "zchat-relay: 'nonsense' is not an endpoint (tcp://HOST:PORT, ipc://PATH or "
         "inproc://NAME) (try --help)"},
        {{"--bind-pub", "tcp://no such host:1"},
         "zchat-relay: cannot bind pub endpoint 'tcp://no such host:1': No such device"},
    });
    child_process unbound(ZCHAT_RELAY_PATH, {"--bind-router", "tcp://127.0.0.1:*"});
    EXPECT_EQ(exit_of(unbound), "exit 2") << transcript(unbound);
}

// Bad input through a relay draws the ERRORs it draws at the broker, and harms nobody.
TEST(RelayEndToEnd, BadInputThroughARelayDrawsTheBrokersErrors) {
    running_broker broker(quick_broker());
    running_relay relay(broker.router(), broker.pub());
    zmq::context_t ctx;
    test_client mallory(ctx, relay.router(), relay.pub());
    const auto code_after = [&](const proto::frame_list& frames) {
        mallory.send_frames(frames);
        return std::string{proto::error_name(mallory.expect_reply<proto::error>().code)};
    };
    EXPECT_EQ(code_after({"GET / HTTP/1.1", "Host: broker"}), "E_BAD_SIGNATURE");
    EXPECT_EQ(code_after({}), "E_MALFORMED");
    EXPECT_EQ(code_after(proto::frame_list(proto::max_hops, "hop")), "E_BAD_SIGNATURE");
    const std::string hello =
        proto::encode(proto::command{proto::hello{"mallory", "lobby", std::nullopt}}).front();
    EXPECT_EQ(code_after({hello, "extra"}), "E_MALFORMED");
    EXPECT_EQ(code_after(proto::encode(proto::command{proto::hello{"bad name", "lobby", {}}})),
              "E_NAME_INVALID");
    EXPECT_EQ(code_after(proto::encode(proto::command{proto::who{{}, "lobby"}})), "E_NOT_JOINED");

    // After all that, a client through the same relay chats as ever.
    child_process alice = client("alice", relay.router(), relay.pub(), {"-m", "still here"});
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    EXPECT_EQ(alice.lines(stream::out), (lines{connected(1), "[You] still here"}));
}

// A relay restarted on the same ports: its client takes its session over (nobody sees it leave),
// fills the gap the restart left from the broker's history, and chats on. A relay that disappears
// for good: its client's session expires at the broker.
TEST(RelayEndToEnd, ARestartedRelaysClientsResumeAndAVanishedOnesExpire) {
    running_broker broker(broker_options{.args = {"--heartbeat-ms", "300", "--liveness", "10"}});
    auto relay = std::make_unique<running_relay>(broker.router(), broker.pub());
    const relay_binding same{relay->router(), relay->pub()};
    child_process alice = client("alice", broker.router(), broker.pub());
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob = client("bob", relay->router(), relay->pub());
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    ASSERT_TRUE(prints(alice, stream::out, entered("bob", 2)));

    ASSERT_EQ(relay->stop(), 0);
    // What is said meanwhile bob misses, notices by its sequence number once back, and fetches.
    alice.write("while you were away\n");
    ASSERT_TRUE(prints(alice, stream::out, "[You] while you were away"));
    relay = std::make_unique<running_relay>(broker.router(), broker.pub(), same);
    ASSERT_TRUE(prints(bob, stream::out, reconnected(2), 15s));
    ASSERT_TRUE(prints(bob, stream::out, "[alice] while you were away"));
    bob.write("back again\n");
    ASSERT_TRUE(prints(alice, stream::out, "[bob] back again"));

    relay->process().send_signal(SIGKILL);
    ASSERT_TRUE(relay->process().wait_for_exit());
    ASSERT_TRUE(prints(alice, stream::out, timed_out("bob", 1), 15s));
    alice.close_stdin();
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    EXPECT_EQ(alice.lines(stream::out),
              (lines{connected(1), entered("bob", 2), "[You] while you were away",
                     "[bob] back again", timed_out("bob", 1)}))
        << "nobody saw bob leave while his relay restarted";
}

// The tap watches through a relay as it watches the broker.
TEST(RelayEndToEnd, ATapWatchesThroughARelay) {
    running_broker broker(quick_broker());
    running_relay relay(broker.router(), broker.pub());
    child_process tap(ZCHAT_TAP_PATH, {"--sub", relay.pub(), "-t", "chat", "-C", "1", "-W", "20"});
    ASSERT_TRUE(prints(tap, stream::err, line_starting_with("zchat-tap: waiting")));
    // Until the tap's subscription has reached the broker through the relay, lines pass it by:
    // say one a second until one is seen.
    bool seen = false;
    for (int i = 0; i < 10 && !seen; ++i) {
        child_process alice = client("alice", relay.router(), relay.pub(), {"-m", "watched"});
        EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
        seen = tap.wait_for_line(stream::out, line_containing("watched"), 1s).has_value();
    }
    EXPECT_TRUE(seen) << transcript(tap);
    EXPECT_EQ(exit_of(tap), "exit 0") << transcript(tap);
}

// Every --stats-interval a relay publishes its counters below it: a tap under a chain of two
// sees both relays' RELAY events, each naming its relay, and the broker's own stream has none.
TEST(RelayEndToEnd, RelaysPublishTheirCountersBelowThem) {
    running_broker broker(quick_broker());
    running_relay near(broker.router(), broker.pub(), {}, {"--stats-interval", "0.1"});
    running_relay far(near.router(), near.pub(), {}, {"--stats-interval", "0.1"});
    child_process alice = client("alice", far.router(), far.pub());
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));

    // Each relay's counters, as a tap below both shows them: alice's session is carried by both.
    const auto counters_below = [&] {
        child_process tap(ZCHAT_TAP_PATH,
                          {"--sub", far.pub(), "-t", "relay", "-F", "%p", "-C", "6", "-W", "20"});
        EXPECT_EQ(exit_of(tap, 25s), "exit 0") << transcript(tap);
        return tap.lines(stream::out);
    };
    std::set<std::string> relays;
    for (const std::string& l : counters_below()) {
        // "relay tcp://127.0.0.1:PORT up 0.3 s, 1 clients, 2 subscribers, 1 sessions, ..."
        ASSERT_TRUE(l.starts_with("relay ")) << l;
        relays.insert(l.substr(6, l.find(" up ") - 6));
        EXPECT_NE(l.find(" subscribers, 1 sessions, "), std::string::npos) << l;
        EXPECT_NE(l.find(" commands up, "), std::string::npos) << l;
    }
    EXPECT_EQ(relays, (std::set<std::string>{near.router(), far.router()}));
    // Once she has said BYE, neither carries a session.
    alice.close_stdin();
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    for (const std::string& l : counters_below())
        EXPECT_NE(l.find(" subscribers, 0 sessions, "), std::string::npos) << l;

    child_process above(ZCHAT_TAP_PATH, {"--sub", broker.pub(), "-t", "relay", "-W", "0.5"});
    EXPECT_EQ(exit_of(above), "exit 3") << transcript(above);
}

// A config file names what the flags name; flags and a HOST override it; --test-config checks
// it without binding; a file that cannot be used is exit code 78, naming the file and line.
TEST(RelayEndToEnd, AConfigFileSetsTheRelayUpAndItsMistakesAreConfigurationErrors) {
    running_broker broker(quick_broker());
    temp_dir dir;
    const std::string conf =
        dir.write("relay.conf",
                  "# the broker above\nrouter = " + broker.router() + "\nsub = " + broker.pub() +
                      "\nbind-router = tcp://127.0.0.1:*\nbind-pub = tcp://127.0.0.1:*\n"
                      "stats-interval = 0.5\n");
    child_process check(ZCHAT_RELAY_PATH, {"--config", conf, "--test-config"});
    EXPECT_EQ(exit_of(check), "exit 0") << transcript(check);
    EXPECT_EQ(check.lines(stream::out), lines{"zchat-relay: configuration OK"});
    // The example shipped with the relay is a usable configuration too.
    child_process example(ZCHAT_RELAY_PATH,
                          {"--config", ZCHAT_EXAMPLE_RELAY_CONFIG, "--test-config"});
    EXPECT_EQ(exit_of(example), "exit 0") << transcript(example);

    running_relay relay(lines{"--config", conf});
    child_process alice = client("alice", relay.router(), relay.pub(), {"-m", "configured"});
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    EXPECT_EQ(alice.lines(stream::out), (lines{connected(1), "[You] configured"}));
    // SIGHUP reads the file again: what can change does, the rest is named.
    dir.write("relay.conf", "router = " + broker.router() + "\nsub = " + broker.pub() +
                                "\nbind-router = tcp://127.0.0.1:*\nbind-pub = tcp://127.0.0.1:1\n"
                                "stats-interval = 2\n");
    relay.process().send_signal(SIGHUP);
    EXPECT_TRUE(prints(relay.process(), stream::err,
                       "zchat-relay: reloaded: stats-interval; these take a restart, kept as "
                       "started: bind-pub"));

    const std::string broken = dir.write("broken.conf", "router = tcp://127.0.0.1:1\nbind = x\n");
    const std::string unbound = dir.write("unbound.conf", "router = tcp://127.0.0.1:1\n");
    const std::string garbage = dir.write(
        "garbage.conf", "router = garbage\nbind-router = tcp://127.0.0.1:*\nbind-pub = x\n");
    const std::string keyless = dir.write(
        "keyless.conf", "bind-router = tcp://127.0.0.1:*\nbind-pub = tcp://127.0.0.1:*\n"
                        "curve-secret = " +
                            (dir / "none.secret") + "\ncurve-server-key = " + (dir / "none.pub") +
                            "\nallow = " + (dir / "none.txt") + "\n");
    const std::vector<std::pair<lines, std::string>> cases{
        {{"--config", broken}, "zchat-relay: " + broken + ":2: unknown setting 'bind'"},
        {{"--config", unbound},
         "zchat-relay: " + unbound +
             ": give the endpoints to bind below: bind-router EP bind-pub EP"},
        {{"--config", keyless},
         "zchat-relay: cannot read " + (dir / "none.secret") + ": No such file or directory"},
        // Found by --test-config too, so that a unit's check before starting catches it.
        {{"--config", garbage, "--test-config"},
         "zchat-relay: " + garbage +
             ": router: 'garbage' is not an endpoint (tcp://HOST:PORT, ipc://PATH or "
             "inproc://NAME)"},
        {{"--config", dir.path().string()},
         "zchat-relay: cannot read " + dir.path().string() + ": Is a directory"},
        {{"--config", dir / "missing.conf"},
         "zchat-relay: cannot read " + (dir / "missing.conf") + ": No such file or directory"},
        // Under --test-config a bad flag is a configuration problem too.
        {{"--config", conf, "--test-config", "--stats-interval", "0"},
         "zchat-relay: --stats-interval must be from 0.01 to 86400 (try --help)"},
    };
    for (const auto& [args, message] : cases) {
        child_process p(ZCHAT_RELAY_PATH, args);
        EXPECT_EQ(exit_of(p), "exit 78") << transcript(p);
        EXPECT_EQ(p.lines(stream::err), lines{message});
        EXPECT_EQ(p.lines(stream::out), lines{});
    }
    // Flags complete the file and win over it, and a HOST replaces the file's upstream (here
    // one where nothing listens, which --test-config does not try).
    child_process overridden(ZCHAT_RELAY_PATH,
                             {"--config", unbound, "--test-config", "--bind-router", "tcp://*:1",
                              "--bind-pub", "tcp://*:2", "relay-host"});
    EXPECT_EQ(exit_of(overridden), "exit 0") << transcript(overridden);
    running_relay flagged(lines{"--config", unbound, "--bind-router", "tcp://127.0.0.1:*",
                                "--bind-pub", "tcp://127.0.0.1:*", "-q"});
    EXPECT_EQ(flagged.stop(), 0);
    EXPECT_EQ(flagged.process().lines(stream::err), lines{});
}

} // namespace
} // namespace zchat::test
