// CurveZMQ through relays, end to end: a broker with an allowlist that lists two relays' keys
// under the relay role, a relay and a relay chained below it that speak CURVE above and below,
// and real clients with listed, bound, unlisted and borrowed keys. A client's key is checked at
// the relay it connects to, and the name bound to it holds at the broker as if it had connected
// there; a relay whose key lacks the role carries nothing.
#include "proto/runtime/curve_keys.hpp"
#include "tests/e2e/chat_lines.hpp"
#include "tests/relay/usage_errors.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/running_broker.hpp"
#include "tests/support/running_relay.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>

#include <string>
#include <vector>

namespace zchat::test {
namespace {

using namespace std::chrono_literals;
using lines = std::vector<std::string>;

const std::string client_path = ZCHAT_CLIENT_PATH;

// Writes a fresh key pair as `who`.pub and `who`.secret in `dir`; returns the public key.
std::string key_pair(const temp_dir& dir, const std::string& who) {
    const runtime::curve_key_pair pair = runtime::generate_key_pair();
    runtime::write_key_file(dir / (who + ".pub"), runtime::key_kind::public_key, pair.public_key,
                            false);
    runtime::write_key_file(dir / (who + ".secret"), runtime::key_kind::secret_key, pair.secret_key,
                            false);
    return pair.public_key;
}

class RelayCurve : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* who : {"broker", "near", "far", "alice", "bob", "mallory"})
            keys_.push_back(key_pair(dir_, who));
        // alice's key may join only as alice; bob's under any other name; mallory is unlisted.
        allow_ = dir_.write("allow", "relay " + keys_[1] + "\nrelay " + keys_[2] + "\n" + keys_[3] +
                                         " alice\n" + keys_[4] + "\n");
    }

    // A relay below `router`/`pub` whose server key is `above`'s, holding the key pair `own`.
    running_relay relay(const std::string& router, const std::string& pub, const std::string& own,
                        const std::string& above, const std::string& allow, lines extra = {}) {
        lines args{"--curve-secret",
                   dir_ / (own + ".secret"),
                   "--curve-server-key",
                   dir_ / (above + ".pub"),
                   "--allow",
                   allow};
        args.insert(args.end(), extra.begin(), extra.end());
        return running_relay(router, pub, {}, std::move(args));
    }

    // A client of the relay (or broker) at `router`/`pub`, whose key is `server`'s.
    child_process client(const std::string& name, const std::string& router, const std::string& pub,
                         const std::string& server, const std::string& key, lines extra = {}) {
        lines args{"--router",
                   router,
                   "--sub",
                   pub,
                   "--name",
                   name,
                   "--curve-server-key",
                   dir_ / (server + ".pub"),
                   "--curve-secret",
                   dir_ / (key + ".secret")};
        args.insert(args.end(), extra.begin(), extra.end());
        return child_process(client_path, std::move(args));
    }

    running_broker broker(const std::string& allow) {
        return running_broker(lines{"--curve-secret", dir_ / "broker.secret", "--allow", allow,
                                    "--heartbeat-ms", "200"});
    }

    temp_dir dir_;
    lines keys_;
    std::string allow_;
};

TEST_F(RelayCurve, ClientsThroughChainedCurveRelaysChatAndTheirKeysBindTheirNames) {
    running_broker b = broker(allow_);
    running_relay near = relay(b.router(), b.pub(), "near", "broker", allow_);
    running_relay far = relay(near.router(), near.pub(), "far", "near", allow_);

    child_process bob = client("bob", b.router(), b.pub(), "broker", "bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(1)));
    child_process alice = client("alice", far.router(), far.pub(), "far", "alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(2)));
    ASSERT_TRUE(prints(bob, stream::out, entered("alice", 2)));
    alice.write("hello through two relays\n");
    ASSERT_TRUE(prints(bob, stream::out, "[alice] hello through two relays"));
    bob.write("/msg alice and back\n");
    ASSERT_TRUE(prints(alice, stream::out, "*bob* and back"));

    // alice's key joins as alice only, through a relay as at the broker.
    child_process posing = client("carol", near.router(), near.pub(), "near", "alice", {"-m", "x"});
    EXPECT_EQ(exit_of(posing), "exit 1") << transcript(posing);
    EXPECT_EQ(posing.lines(stream::err),
              lines{"! Cannot join the chat: your key may only join as 'alice' "
                    "(E_NAME_FORBIDDEN)"});
    // Nor may bob's key take alice's name, through a relay or not.
    child_process borrowing = client("alice2", far.router(), far.pub(), "far", "bob", {"-m", "x"});
    EXPECT_EQ(exit_of(borrowing), "exit 0") << "an unbound key joins under a free name";
    child_process taking = client("Alice", far.router(), far.pub(), "far", "bob", {"-m", "x"});
    EXPECT_EQ(exit_of(taking), "exit 1") << transcript(taking);
    EXPECT_EQ(taking.lines(stream::err),
              lines{"! Cannot join the chat: the name 'Alice' belongs to another key "
                    "(E_NAME_FORBIDDEN)"});
    // An unlisted key is refused at the relay, before a frame reaches anyone.
    child_process outsider = client("mallory", far.router(), far.pub(), "far", "mallory");
    EXPECT_EQ(exit_of(outsider), "exit 1") << transcript(outsider);
    EXPECT_EQ(outsider.lines(stream::err),
              lines{"! Cannot join the chat at " + far.router() +
                    ": the broker refused our key (it is not on the broker's allowlist)"});

    alice.close_stdin();
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    ASSERT_TRUE(prints(bob, stream::out, left("alice", 1)));
    EXPECT_EQ(far.stop(), 0);
    const lines totals = far.process().lines(stream::err);
    ASSERT_EQ(totals.size(), 1u) << transcript(far.process());
    // mallory's DEALER's handshake at least; her SUB's too if it got that far before she quit.
    EXPECT_TRUE(totals[0].ends_with("; refused 1 handshakes") ||
                totals[0].ends_with("; refused 2 handshakes"))
        << totals[0];
}

// A relay's key listed as a client's (without "relay ") carries nothing: its client is told why.
TEST_F(RelayCurve, ARelayWhoseKeyLacksTheRelayRoleCarriesNothing) {
    const std::string no_role = dir_.write("no-role", keys_[1] + "\n" + keys_[3] + " alice\n");
    running_broker b = broker(no_role);
    running_relay near = relay(b.router(), b.pub(), "near", "broker", no_role);
    child_process alice = client("alice", near.router(), near.pub(), "near", "alice", {"-m", "x"});
    EXPECT_EQ(exit_of(alice), "exit 1") << transcript(alice);
    EXPECT_EQ(alice.lines(stream::err),
              lines{"! Cannot join the chat: commands through a relay are refused: the key that "
                    "sent this one is not a relay's (E_MALFORMED)"});
}

// The same below a relay that has the role: the relay above refuses, and the client of the relay
// below hears why.
TEST_F(RelayCurve, ARelayBelowWhoseKeyLacksTheRoleIsRefusedByTheRelayAbove) {
    const std::string far_plain = dir_.write("far-plain", "relay " + keys_[1] + "\n" + keys_[2] +
                                                              "\n" + keys_[3] + " alice\n");
    running_broker b = broker(far_plain);
    running_relay near = relay(b.router(), b.pub(), "near", "broker", far_plain);
    running_relay far = relay(near.router(), near.pub(), "far", "near", far_plain);
    child_process alice = client("alice", far.router(), far.pub(), "far", "alice", {"-m", "x"});
    EXPECT_EQ(exit_of(alice), "exit 1") << transcript(alice);
    EXPECT_EQ(alice.lines(stream::err),
              lines{"! Cannot join the chat: commands through a relay are refused: the key that "
                    "sent this one is not a relay's (E_MALFORMED)"});
    EXPECT_EQ(near.stop(), 0);
    const lines totals = near.process().lines(stream::err);
    ASSERT_EQ(totals.size(), 1u) << transcript(near.process());
    EXPECT_NE(totals[0].find("answered 1 here"), std::string::npos) << totals[0];
}

// Removing the relay's key from the broker's allowlist (and reloading) ends the sessions it
// carries, though their own keys stay listed, and refuses whatever it carries afterwards.
TEST_F(RelayCurve, ARelayWhoseKeyIsRemovedHasItsSessionsEnded) {
    running_broker b = broker(allow_);
    running_relay near = relay(b.router(), b.pub(), "near", "broker", allow_);
    child_process bob = client("bob", b.router(), b.pub(), "broker", "bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(1)));
    child_process alice = client("alice", near.router(), near.pub(), "near", "alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(2)));

    dir_.write("allow", keys_[3] + " alice\n" + keys_[4] + "\n");
    b.process().send_signal(SIGHUP);
    EXPECT_TRUE(prints(bob, stream::out, "< The user alice left (key revoked) (1 user online)"));
    // Told why either way: by the ERROR to her next command ("! Disconnected: ..."), or, when
    // her LEAVE arrives first, by the refusal of her attempt to join again ("! Cannot join the
    // chat: ...").
    EXPECT_TRUE(prints(alice, stream::err,
                       line_containing(": the relay that carries your commands was removed from "
                                       "the broker's allowlist (E_EVICTED)")));
    EXPECT_EQ(exit_of(alice), "exit 1") << transcript(alice);
    child_process again = client("alice", near.router(), near.pub(), "near", "alice", {"-m", "x"});
    EXPECT_EQ(exit_of(again), "exit 1") << transcript(again);
}

// SIGHUP makes a relay read its allowlist again: a key removed is refused from then on, its
// subscriber is cut off (every subscriber reconnects, through the ZAP handler), and the others
// chat on; a list that cannot be read changes nothing.
TEST_F(RelayCurve, AReloadedRelayRefusesAKeyItNoLongerLists) {
    running_broker b = broker(allow_);
    const std::string relay_list = dir_.write("relay-allow", read_file(allow_));
    running_relay near =
        relay(b.router(), b.pub(), "near", "broker", relay_list, {"--stats-interval", "0.1"});
    child_process alice = client("alice", near.router(), near.pub(), "near", "alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob = client("bob", near.router(), near.pub(), "near", "bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));

    dir_.write("relay-allow", "relay " + keys_[1] + "\n" + keys_[3] + " alice\n");
    near.process().send_signal(SIGHUP);
    EXPECT_TRUE(prints(near.process(), stream::err,
                       "zchat-relay: reloaded: allowlist 4 -> 2 key(s); subscribers reconnected"));
    EXPECT_TRUE(prints(bob, stream::err,
                       "! Disconnected: your key was removed from the relay's allowlist "
                       "(E_EVICTED)"));
    EXPECT_EQ(exit_of(bob), "exit 1") << transcript(bob);
    EXPECT_TRUE(prints(alice, stream::out, "< The user bob left (timed out) (1 user online)"));
    alice.write("still here\n");
    EXPECT_TRUE(prints(alice, stream::out, "[You] still here"));
    // The relay counts the subscribers that came back, not those it closed: alice's and the
    // tap's own.
    child_process tap(ZCHAT_TAP_PATH, {"--sub", near.pub(), "--curve-server-key", dir_ / "near.pub",
                                       "--curve-secret", dir_ / "alice.secret", "-t", "relay", "-F",
                                       "%p", "-C", "3", "-W", "10"});
    EXPECT_EQ(exit_of(tap), "exit 0") << transcript(tap);
    ASSERT_FALSE(tap.lines(stream::out).empty());
    EXPECT_NE(tap.lines(stream::out).back().find(" 2 subscribers, 1 sessions, "), std::string::npos)
        << tap.lines(stream::out).back();

    dir_.write("relay-allow", "relay nonsense\n");
    near.process().send_signal(SIGHUP);
    EXPECT_TRUE(prints(near.process(), stream::err,
                       "zchat-relay: reload failed: " + relay_list +
                           ":1: expected 'relay' and a relay's 40-character Z85 public key, "
                           "alone; got 'relay nonsense'"));
    alice.write("and still\n");
    EXPECT_TRUE(prints(alice, stream::out, "[You] and still"));
}

// A relay that cannot get through upstream says why, once: its clients would only see silence.
TEST_F(RelayCurve, ARelayRefusedUpstreamSaysWhy) {
    const std::string without_near = dir_.write("without-near", keys_[3] + " alice\n");
    running_broker b = broker(without_near);
    running_relay unlisted = relay(b.router(), b.pub(), "near", "broker", allow_);
    running_relay wrong_key = relay(b.router(), b.pub(), "far", "alice", allow_);
    EXPECT_TRUE(prints(unlisted.process(), stream::err,
                       "zchat-relay: cannot connect upstream to " + b.router() +
                           ": the broker refused our key (it is not on the broker's allowlist)"));
    EXPECT_TRUE(prints(wrong_key.process(), stream::err,
                       {[](std::string_view l) {
                            return l.starts_with("zchat-relay: cannot connect upstream to ");
                        },
                        "the line saying why the handshake above fails"}));
    // Once the broker lists its key, the relay gets through by itself: libzmq gives a refused
    // connection up, and the relay connects again every 2 s.
    dir_.write("without-near", "relay " + keys_[1] + "\n" + keys_[3] + " alice\n");
    b.process().send_signal(SIGHUP);
    child_process heartbeat(ZCHAT_TAP_PATH,
                            {"--sub", unlisted.pub(), "--curve-server-key", dir_ / "near.pub",
                             "--curve-secret", dir_ / "alice.secret", "-t", "heartbeat", "-C", "1",
                             "-W", "15"});
    ASSERT_EQ(exit_of(heartbeat, 20s), "exit 0") << "no broker heartbeat through the relay";
    // The relay's command path is refused and retried on its own 2 s schedule, which can fall
    // after the events' path got through: a client that tries meanwhile gets no answer, as a user
    // would, and tries again.
    std::string outcome;
    std::string said_by_alice;
    for (int attempt = 0; attempt < 3 && outcome != "exit 0"; ++attempt) {
        child_process alice = client("alice", unlisted.router(), unlisted.pub(), "near", "alice",
                                     {"-m", "through at last"});
        outcome = exit_of(alice, 20s);
        said_by_alice = transcript(alice);
    }
    EXPECT_EQ(outcome, "exit 0") << said_by_alice;
    EXPECT_EQ(unlisted.stop(), 0);
    const lines said = unlisted.process().lines(stream::err);
    ASSERT_FALSE(said.empty());
    EXPECT_EQ(std::count_if(said.begin(), said.end(),
                            [](const std::string& l) {
                                return l.find("refused our key") != std::string::npos;
                            }),
              1)
        << "said once";
}

// The CURVE flags go together, and an unusable key file or allowlist is a usage error.
TEST_F(RelayCurve, CurveFlagsGoTogetherAndUnusableFilesAreUsageErrors) {
    const std::string bad_allow = dir_.write("bad-allow", "relay nonsense\n");
    expect_usage_errors({
        {{"--curve-secret", dir_ / "near.secret"},
         "zchat-relay: --curve-secret, --curve-server-key and --allow go together (try --help)"},
        {{"--curve-secret", dir_ / "near.secret", "--curve-server-key", dir_ / "broker.pub",
          "--allow", bad_allow},
         "zchat-relay: " + bad_allow +
             ":1: expected 'relay' and a relay's 40-character Z85 public key, alone; got "
             "'relay nonsense'"},
        {{"--curve-secret", dir_ / "none.secret", "--curve-server-key", dir_ / "broker.pub",
          "--allow", allow_},
         "zchat-relay: cannot read " + (dir_ / "none.secret") + ": No such file or directory"},
    });
}

} // namespace
} // namespace zchat::test
