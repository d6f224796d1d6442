// CurveZMQ end to end: keys made by the real zchat-keygen, a real zchat-broker started with
// --curve-secret and --allow, and real clients and taps that hold listed keys, unlisted keys,
// the wrong broker key or no key at all. Raw SUB sockets in the test stand in for a peer that
// only listens, so "never sees a single event" is checked against one that does.
#include "tests/e2e/tcp_link.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/running_broker.hpp"
#include "tests/support/temp_dir.hpp"

#include <zmq.hpp>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zchat::test {
namespace {

using namespace std::chrono_literals;
using lines = std::vector<std::string>;

const std::string broker_path = ZCHAT_BROKER_PATH;
const std::string client_path = ZCHAT_CLIENT_PATH;
const std::string tap_path = ZCHAT_TAP_PATH;
const std::string keygen_path = ZCHAT_KEYGEN_PATH;

mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
}

// The key on the second line of a key file written by zchat-keygen.
std::string key_in(const std::string& path) {
    const std::string text = read_file(path);
    return text.substr(text.find('\n') + 1, 40);
}

// Runs zchat-keygen for `base` in `dir`; returns the public key it printed.
std::string keygen(const temp_dir& dir, const std::string& base) {
    child_process p(keygen_path, {dir / base});
    EXPECT_EQ(exit_of(p), "exit 0") << transcript(p);
    const lines out = p.lines(stream::out);
    const std::string tag = "Public key: ";
    return !out.empty() && out[0].starts_with(tag) ? out[0].substr(tag.size()) : "";
}

TEST(Keygen, WritesThePublicAndSecretKeyFilesWithTheirModes) {
    temp_dir dir;
    const std::string key = keygen(dir, "alice");
    ASSERT_EQ(key.size(), 40u);
    EXPECT_EQ(read_file(dir / "alice.pub"), "== CURVE PUBLIC KEY ==\n" + key + "\n");
    EXPECT_EQ(mode_of(dir / "alice.pub"), 0644u);
    EXPECT_TRUE(read_file(dir / "alice.secret").starts_with("== CURVE SECRET KEY ==\n"));
    EXPECT_EQ(mode_of(dir / "alice.secret"), 0600u);
    EXPECT_NE(key_in(dir / "alice.secret"), key);
}

TEST(Keygen, RefusesToReplaceKeysUnlessForced) {
    temp_dir dir;
    const std::string first = keygen(dir, "alice");
    const std::string first_secret = read_file(dir / "alice.secret");

    child_process again(keygen_path, {dir / "alice"});
    EXPECT_EQ(exit_of(again), "exit 1");
    EXPECT_EQ(again.lines(stream::err), lines{"zchat-keygen: cannot write " + (dir / "alice") +
                                              ".pub: File exists (use --force to replace it)"});
    EXPECT_EQ(read_file(dir / "alice.secret"), first_secret);

    child_process forced(keygen_path, {"--force", dir / "alice"});
    EXPECT_EQ(exit_of(forced), "exit 0") << transcript(forced);
    EXPECT_NE(key_in(dir / "alice.pub"), first);
    EXPECT_NE(read_file(dir / "alice.secret"), first_secret);

    child_process no_base(keygen_path, {});
    EXPECT_EQ(exit_of(no_base), "exit 2");
}

// -q prints nothing on success (the keys are still written); -v adds each file's path and mode.
TEST(Keygen, QuietPrintsNothingAndVerboseNamesEachFileWithItsMode) {
    temp_dir dir;
    child_process quiet(keygen_path, {"-q", dir / "quiet"});
    EXPECT_EQ(exit_of(quiet), "exit 0") << transcript(quiet);
    EXPECT_EQ(quiet.lines(stream::out), lines{});
    EXPECT_EQ(key_in(dir / "quiet.pub").size(), 40u);

    child_process verbose(keygen_path, {"-v", dir / "loud"});
    EXPECT_EQ(exit_of(verbose), "exit 0") << transcript(verbose);
    const lines out = verbose.lines(stream::out);
    ASSERT_EQ(out.size(), 4u) << transcript(verbose);
    EXPECT_TRUE(out[0].starts_with("Public key: ")) << out[0];
    EXPECT_EQ(out[2], (dir / "loud") + ".pub: mode 0644");
    EXPECT_EQ(out[3], (dir / "loud") + ".secret: mode 0600");
}

// A raw SUB socket subscribed to everything, holding `public_key`/`secret_key` (or no keys).
class listener {
public:
    listener(zmq::context_t& ctx, const std::string& endpoint, const std::string& server_key,
             const std::string& public_key, const std::string& secret_key)
        : sub_(ctx, zmq::socket_type::sub) {
        sub_.set(zmq::sockopt::linger, 0);
        if (!server_key.empty()) {
            sub_.set(zmq::sockopt::curve_serverkey, server_key);
            sub_.set(zmq::sockopt::curve_publickey, public_key);
            sub_.set(zmq::sockopt::curve_secretkey, secret_key);
        }
        sub_.set(zmq::sockopt::subscribe, "");
        sub_.connect(endpoint);
    }

    // Messages received within `window`.
    int count_for(std::chrono::milliseconds window) {
        int received = 0;
        const auto end = std::chrono::steady_clock::now() + window;
        for (auto now = std::chrono::steady_clock::now(); now < end;
             now = std::chrono::steady_clock::now()) {
            zmq::pollitem_t item{sub_.handle(), 0, ZMQ_POLLIN, 0};
            zmq::poll(&item, 1, std::chrono::duration_cast<std::chrono::milliseconds>(end - now));
            zmq::message_t part;
            while (sub_.recv(part, zmq::recv_flags::dontwait)) {
                if (!part.more())
                    ++received;
            }
        }
        return received;
    }

private:
    zmq::socket_t sub_;
};

// A broker that runs CURVE with an allowlist: alice's key may join only as alice, bob's under
// any name but alice; mallory's key is not listed.
class Curve : public ::testing::Test {
protected:
    void SetUp() override {
        broker_key_ = keygen(dir_, "broker");
        alice_key_ = keygen(dir_, "alice");
        bob_key_ = keygen(dir_, "bob");
        mallory_key_ = keygen(dir_, "mallory");
        const std::string allow =
            dir_.write("allow", "# the team\n" + alice_key_ + " alice\n" + bob_key_ + "\n");
        broker_.emplace(lines{"--curve-secret", dir_ / "broker.secret", "--allow", allow,
                              "--heartbeat-ms", "100"});
        // A Z85 key may hold '=', which the log quotes: look for the key itself.
        ASSERT_TRUE(prints(broker_->process(), stream::err,
                           {[this](std::string_view l) {
                                return l.find(" INFO curve-on public_key=") !=
                                           std::string_view::npos &&
                                       l.find(broker_key_) != std::string_view::npos &&
                                       l.ends_with(" client_keys=2");
                            },
                            "the CURVE line with the broker's key and 2 client keys"}));
    }

    // A client of the broker; `keys` are its CURVE flags.
    child_process client(const std::string& name, lines keys, lines extra = {}) {
        lines args{"--router", broker_->router(), "--sub", broker_->pub(), "--name", name};
        args.insert(args.end(), keys.begin(), keys.end());
        args.insert(args.end(), extra.begin(), extra.end());
        return child_process(client_path, std::move(args));
    }
    lines keys_of(const std::string& who) {
        return {"--curve-server-key", dir_ / "broker.pub", "--curve-secret",
                dir_ / (who + ".secret")};
    }

    // alice, then bob, joined under their own keys, each having seen the other's arrival.
    std::pair<child_process, child_process> join_alice_and_bob() {
        child_process alice = client("alice", keys_of("alice"));
        EXPECT_TRUE(prints(alice, stream::out, "> Connected to the chat server (1 user online)"));
        child_process bob = client("bob", keys_of("bob"));
        EXPECT_TRUE(prints(bob, stream::out, "> Connected to the chat server (2 users online)"));
        EXPECT_TRUE(prints(alice, stream::out, "> New user bob entered (2 users online)"));
        return {std::move(alice), std::move(bob)};
    }

    temp_dir dir_;
    std::string broker_key_, alice_key_, bob_key_, mallory_key_;
    std::optional<running_broker> broker_;
};

TEST_F(Curve, AllowedClientsChat) {
    auto [alice, bob] = join_alice_and_bob();
    ASSERT_FALSE(HasFailure());

    alice.write("Hello over CURVE\n");
    EXPECT_TRUE(prints(bob, stream::out, "[alice] Hello over CURVE"));
    bob.close_stdin();
    EXPECT_EQ(exit_of(bob), "exit 0") << transcript(bob);
    EXPECT_TRUE(prints(alice, stream::out, "< The user bob left (1 user online)"));
}

// A reload that removes a key ends its sessions at once, with a reason everyone sees; the
// others chat on, and the key is refused from then on.
TEST_F(Curve, AReloadThatRemovesAKeyEndsItsSessionAndRefusesIt) {
    auto [alice, bob] = join_alice_and_bob();
    ASSERT_FALSE(HasFailure());

    // bob's key also holds a bare subscriber, which must stop hearing the chat.
    zmq::context_t ctx;
    listener bob_reads(ctx, broker_->pub(), broker_key_, bob_key_, key_in(dir_ / "bob.secret"));
    EXPECT_GT(bob_reads.count_for(1500ms), 0); // a heartbeat or more

    dir_.write("allow", alice_key_ + " alice\n");
    broker_->process().send_signal(SIGHUP);
    EXPECT_TRUE(prints(alice, stream::out, "< The user bob left (key revoked) (1 user online)"));
    EXPECT_TRUE(prints(bob, stream::err,
                       "! Disconnected: your key was removed from the broker's allowlist "
                       "(E_EVICTED)"));
    EXPECT_EQ(exit_of(bob), "exit 1") << transcript(bob);
    EXPECT_TRUE(prints(broker_->process(), stream::err,
                       log_entry("INFO reload changed=\"allowlist 2 -> 1 key(s); subscribers "
                                 "reconnected\"")));
    bob_reads.count_for(200ms); // what was on its way before the reload
    EXPECT_EQ(bob_reads.count_for(1500ms), 0) << "a removed key still hears the chat";

    child_process again = client("bob", keys_of("bob"), {"-m", "let me back"});
    EXPECT_EQ(exit_of(again), "exit 1") << transcript(again);
    alice.write("still here\n");
    EXPECT_TRUE(prints(alice, stream::out, "[You] still here"));
}

TEST_F(Curve, UnlistedKeyIsRefusedAtOnceAndItsSubscriberSeesNothing) {
    child_process mallory = client("mallory", keys_of("mallory"), {"-m", "let me in"});
    EXPECT_EQ(exit_of(mallory), "exit 1");
    EXPECT_EQ(mallory.lines(stream::err),
              lines{"! Cannot join the chat at " + broker_->router() +
                    ": the broker refused our key (it is not on the broker's allowlist)"});
    EXPECT_TRUE(prints(broker_->process(), stream::err,
                       {[this](std::string_view l) {
                            return l.find(" WARN handshake-refused address=127.0.0.1 "
                                          "reason=\"key not on the allowlist\" key=") !=
                                       std::string_view::npos &&
                                   l.find(mallory_key_) != std::string_view::npos;
                        },
                        "the refusal of mallory's key"}));

    // Both listen while alice joins and speaks; the broker also heartbeats every 100 ms.
    zmq::context_t ctx;
    const std::string mallory_public = key_in(dir_ / "mallory.pub");
    listener unlisted(ctx, broker_->pub(), broker_key_, mallory_public,
                      key_in(dir_ / "mallory.secret"));
    listener listed(ctx, broker_->pub(), broker_key_, bob_key_, key_in(dir_ / "bob.secret"));
    child_process alice = client("alice", keys_of("alice"), {"-m", "for the team only"});
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    EXPECT_GT(listed.count_for(500ms), 0);
    EXPECT_EQ(unlisted.count_for(500ms), 0);
}

TEST_F(Curve, PlainTextPeersCannotTalkOrListen) {
    child_process plain = client("carol", {}, {"-m", "hello?"});
    EXPECT_EQ(exit_of(plain), "exit 1");
    EXPECT_EQ(plain.lines(stream::err),
              lines{"! Cannot join the chat at " + broker_->router() +
                    ": the broker and we disagree on encryption: one side uses CURVE, the other "
                    "not (check --curve-server-key)"});

    zmq::context_t ctx;
    listener plain_sub(ctx, broker_->pub(), "", "", "");
    EXPECT_EQ(plain_sub.count_for(500ms), 0); // 5 heartbeats went out meanwhile
}

TEST_F(Curve, WrongBrokerKeyFailsWithinTheConnectTimeout) {
    child_process lost = client(
        "bob", {"--curve-server-key", dir_ / "alice.pub", "--curve-secret", dir_ / "bob.secret"});
    EXPECT_EQ(exit_of(lost, 15s), "exit 1");
    const lines err = lost.lines(stream::err);
    ASSERT_EQ(err.size(), 1u) << transcript(lost);
    EXPECT_NE(err[0].find("the security handshake keeps failing (with CURVE: is "
                          "--curve-server-key the broker's public key?)"),
              std::string::npos)
        << err[0];
}

TEST_F(Curve, KeyBoundToANameJoinsUnderThatNameOnlyAndNobodyElseMay) {
    child_process impostor = client("mallory", keys_of("alice"), {"-m", "hi"});
    EXPECT_EQ(exit_of(impostor), "exit 1");
    EXPECT_EQ(impostor.lines(stream::err),
              lines{"! Cannot join the chat: your key may only join as 'alice' "
                    "(E_NAME_FORBIDDEN)"});

    child_process thief = client("Alice", keys_of("bob"), {"-m", "hi"});
    EXPECT_EQ(exit_of(thief), "exit 1");
    EXPECT_EQ(thief.lines(stream::err),
              lines{"! Cannot join the chat: the name 'Alice' belongs to another key "
                    "(E_NAME_FORBIDDEN)"});

    child_process alice = client("alice", keys_of("alice"), {"-m", "it is me"});
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
}

TEST_F(Curve, TapWithAListedKeyWatchesAndWithAnUnlistedKeyIsRefused) {
    child_process tap(tap_path, {"--sub", broker_->pub(), "--curve-server-key", dir_ / "broker.pub",
                                 "--curve-secret", dir_ / "bob.secret", "--no-heartbeats", "-F",
                                 "%k %n %p", "--topic", "chat"});
    ASSERT_TRUE(prints(tap, stream::err, "zchat-tap: receiving events from " + broker_->pub()));
    child_process alice = client("alice", keys_of("alice"), {"-m", "tapped"});
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    EXPECT_TRUE(prints(tap, stream::out, "line alice tapped"));

    child_process refused(tap_path,
                          {"--sub", broker_->pub(), "--curve-server-key", dir_ / "broker.pub",
                           "--curve-secret", dir_ / "mallory.secret"});
    EXPECT_EQ(exit_of(refused), "exit 1");
    EXPECT_TRUE(prints(refused, stream::err,
                       "zchat-tap: cannot watch " + broker_->pub() +
                           ": the broker refused our key (it is not on the broker's allowlist)"));
}

TEST_F(Curve, TapWithTheWrongBrokerKeySaysSoAndKeepsWaiting) {
    child_process tap(tap_path, {"--sub", broker_->pub(), "--curve-server-key", dir_ / "alice.pub",
                                 "--curve-secret", dir_ / "bob.secret"});
    EXPECT_TRUE(prints(tap, stream::err,
                       "zchat-tap: still waiting: the security handshake keeps failing (with "
                       "CURVE: is --curve-server-key the broker's public key?)"));
    tap.send_signal(SIGTERM);
    EXPECT_EQ(exit_of(tap), "exit 0") << transcript(tap);
}

TEST_F(Curve, AnUnusableKeyFileIsAUsageErrorForTheClientAndTheTap) {
    const std::string missing = dir_ / "none.pub";
    child_process client_without(client_path,
                                 {"--router", broker_->router(), "--sub", broker_->pub(),
                                  "--curve-server-key", missing, "-m", "hi"});
    EXPECT_EQ(exit_of(client_without), "exit 2");
    EXPECT_EQ(client_without.lines(stream::err),
              lines{"zchat-client: cannot read " + missing + ": No such file or directory"});
    child_process tap_without(
        tap_path, {"--sub", broker_->pub(), "--curve-server-key", dir_ / "broker.secret"});
    EXPECT_EQ(exit_of(tap_without), "exit 2");
    EXPECT_EQ(tap_without.lines(stream::err),
              lines{"zchat-tap: " + (dir_ / "broker.secret") +
                    ": this is a secret key file; a public key is needed"});
}

TEST_F(Curve, BrokerRefusesAnUnusableKeyOrAllowlistAndAllowWithoutCurve) {
    child_process no_secret(broker_path,
                            {"--router", "tcp://127.0.0.1:*", "--pub", "tcp://127.0.0.1:*",
                             "--curve-secret", dir_ / "none.secret"});
    EXPECT_EQ(exit_of(no_secret), "exit 2");
    EXPECT_EQ(no_secret.lines(stream::err),
              lines{"zchat-broker: cannot read " + (dir_ / "none.secret") +
                    ": No such file or directory"});

    const std::string bad = dir_.write("bad-allow", "not a key\n");
    child_process bad_allow(broker_path,
                            {"--router", "tcp://127.0.0.1:*", "--pub", "tcp://127.0.0.1:*",
                             "--curve-secret", dir_ / "broker.secret", "--allow", bad});
    EXPECT_EQ(exit_of(bad_allow), "exit 2");
    EXPECT_EQ(bad_allow.lines(stream::err),
              lines{"zchat-broker: " + bad +
                    ":1: expected a 40-character Z85 public key, then optionally a name; got "
                    "'not a key'"});

    child_process allow_alone(broker_path, {"--allow", bad});
    EXPECT_EQ(exit_of(allow_alone), "exit 2");
}

// What a TCP link between the clients and the broker copied while alice said `text` to bob, with
// the broker started with `broker_args` and the clients with `client_keys(name)`.
struct wire {
    std::string to_broker;
    std::string from_broker;
};

template <class KeysOf>
wire capture_chat(const std::string& text, const lines& broker_args, KeysOf client_keys) {
    running_broker broker{broker_args};
    tcp_link middle({broker.router(), broker.pub()});
    const auto client = [&](const std::string& name) {
        lines args{"--router", middle.endpoint(0), "--sub", middle.endpoint(1), "--name", name};
        const lines keys = client_keys(name);
        args.insert(args.end(), keys.begin(), keys.end());
        return child_process(client_path, std::move(args));
    };
    child_process bob = client("bob");
    EXPECT_TRUE(prints(bob, stream::out, "> Connected to the chat server (1 user online)"));
    child_process alice = client("alice");
    EXPECT_TRUE(prints(alice, stream::out, "> Connected to the chat server (2 users online)"));
    alice.write(text + "\n");
    EXPECT_TRUE(prints(bob, stream::out, "[alice] " + text));
    return {middle.bytes_to_target(), middle.bytes_from_target()};
}

TEST(Wire, ChatTextCrossesTheWireInTheClearWithoutCurveAndNeverWithIt) {
    const std::string text = "marmalade at midnight, 7f3a";
    const wire plain = capture_chat(text, {}, [](const std::string&) { return lines{}; });
    // The capture works: without CURVE the text is there both ways.
    EXPECT_NE(plain.to_broker.find(text), std::string::npos);
    EXPECT_NE(plain.from_broker.find(text), std::string::npos);

    temp_dir dir;
    keygen(dir, "broker");
    const wire sealed =
        capture_chat(text, {"--curve-secret", dir / "broker.secret"}, [&](const std::string&) {
            return lines{"--curve-server-key", dir / "broker.pub"};
        });
    EXPECT_GT(sealed.to_broker.size(), text.size());
    EXPECT_GT(sealed.from_broker.size(), text.size());
    EXPECT_EQ(sealed.to_broker.find(text), std::string::npos);
    EXPECT_EQ(sealed.from_broker.find(text), std::string::npos);
    EXPECT_EQ(sealed.from_broker.find("alice"), std::string::npos);
}

} // namespace
} // namespace zchat::test
