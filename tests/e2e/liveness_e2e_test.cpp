// End-to-end liveness faults (F1-F6 and F9 of RELIABILITY.md): real zchat-broker and
// zchat-client processes on loopback, a client killed or stopped, the broker killed and
// restarted on the same endpoints, the network between a client and the broker cut or frozen
// through the test TCP link, a subscriber that never reads, and the broker's wall clock jumping.
// What is checked is what users see (the lines the clients print) and the online counts.
//
// The broker runs with short intervals, so a fault shows within a second. The bounds of
// RELIABILITY.md are waited for with some slack for a loaded machine (sanitizers, ctest -j):
// a wait that runs out fails the test, but nothing asserts how fast a thing happened.
#include "tests/e2e/chat_lines.hpp"
#include "tests/e2e/tcp_link.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/proc_status.hpp"
#include "tests/support/pty_process.hpp"
#include "tests/support/running_broker.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>
#include <zmq.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace zchat::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using lines = std::vector<std::string>;
using clock = std::chrono::steady_clock;

const std::string client_path = ZCHAT_CLIENT_PATH;
const std::string libfaketime = ZCHAT_LIBFAKETIME;

// The broker's heartbeat interval and liveness here; clients learn both from WELCOME.
constexpr milliseconds interval{100};
constexpr int liveness = 5;
constexpr milliseconds expiry = interval * liveness;
// For a loaded machine; RELIABILITY.md allows 250 ms in CI, sanitizers need more.
constexpr milliseconds slack{500};
// F1: a silent client is announced gone within L x I + I.
constexpr milliseconds departure_bound = expiry + interval + slack;
// F2, F3, F5: a client rejoins within the reconnect backoff cap (5 s) plus an interval once the
// broker can hear it again (plus an expiry for noticing the loss, where that comes first).
constexpr milliseconds rejoin_bound = expiry + 5000ms + interval + slack;

// At debug the broker logs every chat line: the oracle of delivered_or_reported.
const lines broker_args{"--heartbeat-ms", std::to_string(interval.count()),
                        "--liveness",     std::to_string(liveness),
                        "--log-level",    "debug"};

// The time left until `deadline`, for several waits that share one bound.
milliseconds until(clock::time_point deadline) {
    return std::max(std::chrono::ceil<milliseconds>(deadline - clock::now()), milliseconds{0});
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}
std::size_t count_of(const lines& all, const std::string& line) {
    return static_cast<std::size_t>(std::count(all.begin(), all.end(), line));
}

// Waits until `p` has printed a line that `match` accepts on `s`, now or earlier (a wait for
// another line may already have read past it).
::testing::AssertionResult printed(child_process& p, stream s, const line_matcher& match,
                                   milliseconds timeout = child_process::default_timeout) {
    const lines already = p.lines(s);
    if (std::any_of(already.begin(), already.end(), match.test))
        return ::testing::AssertionSuccess();
    return prints(p, s, match, timeout);
}

// `text` as the sender typed it either reached the room (the broker logged it once and the
// sender shows it as its own) or the sender said that this very line may not have arrived.
// Never neither: that would be a line lost without a word. The broker's log is the oracle
// because a listener may itself be away (rejoining) when the line goes out.
::testing::AssertionResult delivered_or_reported(child_process& sender, child_process& broker,
                                                 const std::string& sender_name,
                                                 const std::string& text) {
    // Read what is still in the pipes: a report or an echo may just have been printed.
    sender.next_line(stream::err, 100ms);
    const std::string logged_line =
        "DEBUG say name=" + sender_name + " room=lobby text=\"" + text + "\"";
    const std::size_t own = count_of(sender.lines(stream::out), "[You] " + text);
    // The sender shows its line once the broker has ACKed it, so the broker has logged it too;
    // on a loaded machine that line may still be in the pipe.
    if (own > 0 && count_of(log_entries(broker), logged_line) == 0)
        broker.wait_for_line(stream::err, log_entry(logged_line));
    const std::size_t logged = count_of(log_entries(broker), logged_line);
    bool reported = false;
    for (const auto& line : sender.lines(stream::err))
        reported = reported || (line.starts_with("! ") && contains(line, text));
    if (logged == 1 && own == 1 && !reported)
        return ::testing::AssertionSuccess() << "delivered";
    if (logged == 0 && own == 0 && reported)
        return ::testing::AssertionSuccess() << "reported";
    return ::testing::AssertionFailure()
           << "\"" << text << "\" logged by the broker " << logged << " time(s), shown as own "
           << own << " time(s), reported: " << reported << "\nsender:\n"
           << transcript(sender) << "\nbroker:\n"
           << transcript(broker);
}

// ASAN_OPTIONS as the test has it, plus `extra`; ignored by a build without AddressSanitizer.
std::string asan_options(const std::string& extra) {
    const char* now = std::getenv("ASAN_OPTIONS");
    return "ASAN_OPTIONS=" + (now && *now ? std::string{now} + ":" : std::string{}) + extra;
}

// Waits until `holds` is true, checking every 20 ms; false if it is not within `timeout`.
bool eventually(const std::function<bool()>& holds, milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (!holds()) {
        if (clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

class Liveness : public ::testing::Test {
protected:
    // A client of this test's broker, or of whatever listens at `router` and `pub`.
    child_process client(const std::string& name) {
        return client_at(name, broker_.router(), broker_.pub());
    }
    static child_process client_at(const std::string& name, const std::string& router,
                                   const std::string& pub) {
        return child_process(client_path, {"--router", router, "--sub", pub, "--name", name});
    }

    running_broker broker_{broker_args};
};

// F1: kill -9 a client. Nobody hears a goodbye, so the broker's expiry timer must notice.
TEST_F(Liveness, AKilledClientIsAnnouncedAsTimedOutAndTheCountDropsByOne) {
    child_process alice = client("alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    child_process carol = client("carol");
    ASSERT_TRUE(prints(carol, stream::out, connected(3)));
    ASSERT_TRUE(prints(alice, stream::out, entered("carol", 3)));
    ASSERT_TRUE(prints(bob, stream::out, entered("carol", 3)));

    carol.send_signal(SIGKILL);
    const auto bound = clock::now() + departure_bound;
    EXPECT_TRUE(prints(alice, stream::out, timed_out("carol", 2), until(bound)));
    EXPECT_TRUE(prints(bob, stream::out, timed_out("carol", 2), until(bound)));
    EXPECT_TRUE(prints(broker_.process(), stream::err,
                       log_entry("INFO leave name=carol room=lobby online=2 reason=timed_out"),
                       until(bound)));
    EXPECT_EQ(exit_of(carol), "exit 137");

    alice.write("/who\n");
    ASSERT_TRUE(prints(alice, stream::out, "Online (2): alice, bob"));
    EXPECT_EQ(alice.lines(stream::out), (lines{connected(1), entered("bob", 2), entered("carol", 3),
                                               timed_out("carol", 2), "Online (2): alice, bob"}));
    EXPECT_EQ(bob.lines(stream::out),
              (lines{connected(2), entered("carol", 3), timed_out("carol", 2)}));
    EXPECT_EQ(alice.lines(stream::err), lines{});
    EXPECT_EQ(bob.lines(stream::err), lines{});
}

// F2: a client stopped (SIGSTOP) past its expiry, then continued. The others see it time out;
// it finds out by itself that its session is gone, joins again, and the line typed while it was
// stopped is delivered after the rejoin or reported as possibly not delivered.
TEST_F(Liveness, AStoppedClientIsTimedOutThenRejoinsByItselfWhenContinued) {
    child_process alice = client("alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    ASSERT_TRUE(prints(alice, stream::out, entered("bob", 2)));

    bob.send_signal(SIGSTOP);
    ASSERT_TRUE(prints(alice, stream::out, timed_out("bob", 1), departure_bound));
    alice.write("said while bob was away\n");
    ASSERT_TRUE(prints(alice, stream::out, "[You] said while bob was away"));
    bob.write("typed while stopped\n");
    bob.send_signal(SIGCONT);

    // It says it lost the session, in one of the ways it can notice, then rejoins.
    const std::optional<std::string> noticed =
        bob.wait_for_line(stream::err,
                          {[](std::string_view l) { return l.ends_with("; reconnecting..."); },
                           "a line ending with \"; reconnecting...\""},
                          rejoin_bound);
    ASSERT_TRUE(noticed) << transcript(bob);
    EXPECT_TRUE(prints(bob, stream::out, reconnected(2), rejoin_bound));
    EXPECT_TRUE(prints(alice, stream::out, entered("bob", 2), rejoin_bound));

    // Lines from one client arrive in the order typed: once this one is in, so is the earlier.
    bob.write("after the rejoin\n");
    ASSERT_TRUE(prints(alice, stream::out, "[bob] after the rejoin"));
    ASSERT_TRUE(prints(bob, stream::out, "[You] after the rejoin"));
    const auto outcome =
        delivered_or_reported(bob, broker_.process(), "bob", "typed while stopped");
    EXPECT_TRUE(outcome);
    RecordProperty("typed_while_stopped", outcome.message());
    // Delivered after the rejoin means alice, who never left, heard it too.
    EXPECT_EQ(count_of(alice.lines(stream::out), "[bob] typed while stopped"),
              count_of(bob.lines(stream::out), "[You] typed while stopped"));

    alice.write("/who\n");
    EXPECT_TRUE(prints(alice, stream::out, "Online (2): alice, bob"));
    EXPECT_EQ(alice.lines(stream::err), lines{});
    // What was said while bob was away is in the room's history: his new session fetches it,
    // so he sees it in its place and misses nothing.
    EXPECT_EQ(count_of(bob.lines(stream::out), "[alice] said while bob was away"), 1);
    for (const std::string& line : bob.lines(stream::err))
        EXPECT_FALSE(contains(line, "Missed")) << transcript(bob);
}

// F12: the broker itself stopped (SIGSTOP) for 10 intervals, twice the expiry, and continued,
// twice: its clients' heartbeats wait unread. It must not expire them for that silence: nobody
// leaves, nothing is missed, and a line said afterwards reaches everyone.
TEST_F(Liveness, APausedBrokerExpiresNobodyAndALineAfterwardsReachesEveryone) {
    child_process alice = client("alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    ASSERT_TRUE(prints(alice, stream::out, entered("bob", 2)));

    for (int pause = 1; pause <= 2; ++pause) {
        SCOPED_TRACE(pause);
        broker_.process().send_signal(SIGSTOP);
        std::this_thread::sleep_for(10 * interval);
        broker_.process().send_signal(SIGCONT);
        ASSERT_TRUE(broker_.process().wait_for_line(
            stream::err, log_entry_starting_with("WARN pause-excused ms="), departure_bound));

        // The clients heard no heartbeat either, so they may take their sessions over again;
        // once bob's "/who" shows both, both are back.
        ASSERT_TRUE(eventually(
            [&] {
                bob.write("/who\n");
                return bob.wait_for_line(stream::out, "Online (2): alice, bob", 200ms).has_value();
            },
            rejoin_bound));
    }
    alice.write("after the pause\n");
    ASSERT_TRUE(prints(bob, stream::out, "[alice] after the pause", rejoin_bound));
    ASSERT_TRUE(prints(alice, stream::out, "[You] after the pause"));

    for (child_process* p : {&alice, &bob}) {
        for (const std::string& line : p->lines(stream::out))
            EXPECT_FALSE(line.starts_with("< ")) << "somebody left: " << line;
        for (const std::string& line : p->lines(stream::err))
            EXPECT_FALSE(contains(line, "Missed")) << transcript(bob);
    }
    for (const std::string& line : log_entries(broker_.process()))
        EXPECT_FALSE(line.starts_with("INFO leave ")) << "the broker saw somebody leave: " << line;
}

// On a terminal the prompt says when the link is down: "[reconnecting] alice> " from noticing
// the loss until the client has joined again, and then "alice> " once more.
TEST_F(Liveness, AtATerminalThePromptSaysReconnectingWhileTheLinkIsDown) {
    const temp_dir state;
    pty_process alice(client_path,
                      {"--router", broker_.router(), "--sub", broker_.pub(), "--name", "alice",
                       "--no-timestamps"},
                      {"TERM=xterm", "NO_COLOR=1", "XDG_STATE_HOME=" + state.path().string()});
    ASSERT_TRUE(alice.wait_for(std::regex("Connected to the chat server"))) << alice.screen();
    broker_.process().send_signal(SIGKILL);
    ASSERT_EQ(exit_of(broker_.process()), "exit 137");
    ASSERT_TRUE(alice.wait_for(std::regex(R"(\[reconnecting\] alice> )"), rejoin_bound))
        << alice.screen();

    running_broker again({.args = broker_args, .router = broker_.router(), .pub = broker_.pub()});
    // The plain prompt, drawn after the line that says the client is back.
    const auto plain_prompt_after_rejoin = [](const std::string& shown) {
        const std::size_t back = shown.rfind("Reconnected to the chat server");
        if (back == std::string::npos)
            return false;
        for (std::size_t at = shown.find("alice> ", back); at != std::string::npos;
             at = shown.find("alice> ", at + 1))
            if (shown[at - 1] != ' ')
                return true;
        return false;
    };
    ASSERT_TRUE(alice.wait_for(plain_prompt_after_rejoin, rejoin_bound)) << alice.screen();
    alice.type("/quit\r");
    EXPECT_EQ(alice.wait_for_exit(), 0) << alice.screen();
}

// A line typed at a terminal while the broker is frozen is not lost without a word: it shows as
// pending at once, the first Ctrl-C waits for its confirmation, a second leaves at once, saying a
// line was not confirmed, with exit code 1. A broker that thaws in time confirms the line, and
// Ctrl-C leaves with 0.
TEST_F(Liveness, CtrlCWaitsForUnconfirmedLinesAndASecondOneLeavesNowWithExitCodeOne) {
    const temp_dir state;
    const auto at_terminal = [&](const std::string& name) {
        return std::make_unique<pty_process>(
            client_path,
            std::vector<std::string>{"--router", broker_.router(), "--sub", broker_.pub(), "--name",
                                     name, "--no-timestamps"},
            std::vector<std::string>{"TERM=xterm", "NO_COLOR=1",
                                     "XDG_STATE_HOME=" + state.path().string()});
    };
    const std::regex leaving(R"(Leaving once the chat server confirms 1 line\(s\))");

    const auto alice = at_terminal("alice");
    ASSERT_TRUE(alice->wait_for(std::regex("Connected to the chat server"))) << alice->screen();
    broker_.process().send_signal(SIGSTOP);
    // Ctrl-C (a signal) flushes what the terminal has not yet handed over: wait until the line
    // is submitted (readline's echo of it, erased).
    const std::regex submitted("\033\\[1A\033\\[J");
    alice->type("typed into the freeze\r");
    ASSERT_TRUE(alice->wait_for(submitted)) << alice->screen();
    // Shown at once, as pending: after "…", until the broker confirms it.
    ASSERT_TRUE(alice->wait_for(std::regex("\u2026 typed into the freeze"))) << alice->screen();
    alice->type("\x03");
    ASSERT_TRUE(alice->wait_for(leaving)) << alice->screen();
    alice->type("\x03");
    EXPECT_EQ(alice->wait_for_exit(), 1) << alice->screen();
    EXPECT_TRUE(std::regex_search(alice->screen(),
                                  std::regex(R"(! 1 line\(s\) not confirmed by the chat server; )"
                                             R"(they may not have been delivered)")))
        << alice->screen();
    broker_.process().send_signal(SIGCONT);

    const auto bob = at_terminal("bob");
    ASSERT_TRUE(bob->wait_for(std::regex("Connected to the chat server"))) << bob->screen();
    broker_.process().send_signal(SIGSTOP);
    bob->type("said just before a thaw\r");
    ASSERT_TRUE(bob->wait_for(std::regex("\u2026 said just before a thaw"))) << bob->screen();
    bob->type("\x03");
    ASSERT_TRUE(bob->wait_for(leaving)) << bob->screen();
    broker_.process().send_signal(SIGCONT);
    EXPECT_EQ(bob->wait_for_exit(), 0) << bob->screen();
    EXPECT_TRUE(std::regex_search(bob->screen(), std::regex(R"(\[You\] said just before a thaw)")))
        << bob->screen();
}

// F3: the broker killed and started again on the same endpoints. Every client notices the
// silence, rejoins the new broker by itself, and the count is right again. A line sent just
// after the crash is delivered or reported; one typed while reconnecting waits for the rejoin.
TEST_F(Liveness, AfterABrokerCrashAndRestartEveryClientRejoinsAndTheCountIsRightAgain) {
    child_process alice = client("alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    ASSERT_TRUE(prints(alice, stream::out, entered("bob", 2)));

    broker_.process().send_signal(SIGKILL);
    ASSERT_EQ(exit_of(broker_.process()), "exit 137");
    alice.write("sent as the broker died\n");
    const auto bound = clock::now() + departure_bound;
    ASSERT_TRUE(prints(alice, stream::err, lost, until(bound)));
    ASSERT_TRUE(prints(bob, stream::err, lost, until(bound)));
    bob.write("typed while reconnecting\n");

    running_broker again({.args = broker_args, .router = broker_.router(), .pub = broker_.pub()});
    const auto rejoin = clock::now() + rejoin_bound;
    const line_matcher is_reconnected = line_starting_with("> Reconnected to the chat server (");
    const std::optional<std::string> alice_back =
        alice.wait_for_line(stream::out, is_reconnected, until(rejoin));
    const std::optional<std::string> bob_back =
        bob.wait_for_line(stream::out, is_reconnected, until(rejoin));
    ASSERT_TRUE(alice_back && bob_back) << transcript(alice) << transcript(bob);
    // Whoever came back first was alone for a moment and saw the other enter.
    const bool alice_first = *alice_back == reconnected(1);
    EXPECT_EQ(alice_first ? *bob_back : *alice_back, reconnected(2));
    EXPECT_EQ(alice_first ? *alice_back : *bob_back, reconnected(1));
    child_process& first = alice_first ? alice : bob;
    EXPECT_TRUE(printed(first, stream::out, entered(alice_first ? "bob" : "alice", 2)));

    // Queued while bob was away, sent once he was back (alice may not have been yet).
    EXPECT_TRUE(printed(bob, stream::out, "[You] typed while reconnecting"));
    EXPECT_TRUE(
        printed(again.process(), stream::err,
                log_entry("DEBUG say name=bob room=lobby text=\"typed while reconnecting\"")));
    alice.write("/who\n");
    EXPECT_TRUE(prints(alice, stream::out, "Online (2): alice, bob"));
    bob.write("/who\n");
    EXPECT_TRUE(prints(bob, stream::out, "Online (2): alice, bob"));
    const auto outcome =
        delivered_or_reported(alice, again.process(), "alice", "sent as the broker died");
    EXPECT_TRUE(outcome);
    RecordProperty("sent_as_the_broker_died", outcome.message());

    // A restart is a new epoch, not a gap: nobody reports missed events.
    for (const child_process* p : {&alice, &bob}) {
        for (const auto& line : p->lines(stream::err))
            EXPECT_FALSE(line.starts_with("! Missed")) << line;
    }
    again.process().send_signal(SIGINT);
    EXPECT_EQ(exit_of(again.process()), "exit 0") << transcript(again.process());
}

// F5, a blip: the client's connections are reset and come back well within the expiry window.
// The client takes its own session over on the new connections: it keeps its name, and nobody
// sees it leave and enter. (libzmq would reconnect the DEALER by itself, under a new routing id
// the broker does not know; the client notices the reset and resumes its session at once.)
TEST_F(Liveness, AConnectionResetAndReconnectedWithinTheExpiryKeepsTheSession) {
    tcp_link net({broker_.router(), broker_.pub()});
    child_process alice = client("alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob = client_at("bob", net.endpoint(0), net.endpoint(1));
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    ASSERT_TRUE(prints(alice, stream::out, entered("bob", 2)));
    const std::uint64_t before = net.accepted();

    net.cut();
    // Three expiries of nothing at all for alice: bob neither left nor came back.
    EXPECT_EQ(alice.next_line(stream::out, 3 * expiry), std::nullopt)
        << "alice:\n"
        << transcript(alice) << "\nbob:\n"
        << transcript(bob) << "\nbroker:\n"
        << transcript(broker_.process());
    EXPECT_GT(net.accepted(), before); // bob did reconnect through the link
    // bob noticed the reset at once and took his session over (the broker logs a reconnect).
    EXPECT_TRUE(printed(bob, stream::err, lost));
    EXPECT_TRUE(printed(bob, stream::out, reconnected(2)));
    EXPECT_TRUE(printed(broker_.process(), stream::err, log_entry("INFO resume name=bob")));

    bob.write("still bob\n");
    EXPECT_TRUE(prints(alice, stream::out, "[bob] still bob"));
    EXPECT_TRUE(prints(bob, stream::out, "[You] still bob"));
    alice.write("/who\n");
    EXPECT_TRUE(prints(alice, stream::out, "Online (2): alice, bob"));
    EXPECT_EQ(alice.lines(stream::out), (lines{connected(1), entered("bob", 2), "[bob] still bob",
                                               "Online (2): alice, bob"}));
    for (const auto& line : log_entries(broker_.process()))
        EXPECT_FALSE(line.starts_with("INFO leave ")) << line;
}

// F5, a pulled cable: the link holds every byte, both ways, for longer than the expiry, with
// the sockets left open. The broker times the client out, the client says it lost the
// connection, and once the cable is back it rejoins by itself, as one session under its name.
TEST_F(Liveness, AFrozenLinkLongerThanTheExpiryTimesTheClientOutAndItRejoinsAfterTheHeal) {
    tcp_link net({broker_.router(), broker_.pub()});
    child_process alice = client("alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    const std::size_t fds_without_bob = open_fds(broker_.process().pid());
    child_process bob = client_at("bob", net.endpoint(0), net.endpoint(1));
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    ASSERT_TRUE(prints(alice, stream::out, entered("bob", 2)));

    net.freeze();
    const auto bound = clock::now() + departure_bound;
    EXPECT_TRUE(prints(alice, stream::out, timed_out("bob", 1), until(bound)));
    EXPECT_TRUE(prints(bob, stream::err, lost, until(bound)));
    // Nothing comes back through a pulled cable, not even a reset: the broker's ZMTP heartbeats
    // (every 60 intervals, closing after liveness + 1 more of silence) are what close its side of
    // bob's two dead connections, instead of keeping them for ever.
    EXPECT_TRUE(eventually([&] { return open_fds(broker_.process().pid()) <= fds_without_bob; },
                           interval * 66 + slack))
        << open_fds(broker_.process().pid()) << " descriptors open, " << fds_without_bob
        << " before bob";

    net.heal();
    EXPECT_TRUE(prints(bob, stream::out, reconnected(2), rejoin_bound));
    EXPECT_TRUE(prints(alice, stream::out, entered("bob", 2), rejoin_bound));
    bob.write("back on the wire\n");
    EXPECT_TRUE(prints(alice, stream::out, "[bob] back on the wire"));
    alice.write("/who\n");
    EXPECT_TRUE(prints(alice, stream::out, "Online (2): alice, bob"));
    EXPECT_EQ(alice.lines(stream::out),
              (lines{connected(1), entered("bob", 2), timed_out("bob", 1), entered("bob", 2),
                     "[bob] back on the wire", "Online (2): alice, bob"}));
    EXPECT_EQ(alice.lines(stream::err), lines{});
}

// F9: the broker's wall clock jumps two hours forward, then three back, mid-run (libfaketime
// preloaded, reading its offset from a file the test rewrites; the monotonic clock is left
// alone, as a real clock step leaves it). Liveness runs on the monotonic clock, so the jumps
// expire nobody, and a client that does go silent afterwards is still expired in time.
TEST(LivenessClock, AWallClockJumpExpiresNobodyAndMissesNoExpiry) {
    if (libfaketime.empty() || !std::filesystem::exists(libfaketime))
        GTEST_SKIP() << "libfaketime is not installed (Debian package faketime)";
    const temp_dir dir;
    const std::string offset_file = dir / "offset";
    // Written whole and renamed into place: libfaketime rereads the file at every clock call.
    const auto set_offset = [&](const std::string& spec) {
        const std::string next = offset_file + ".next";
        std::ofstream(next) << spec << '\n';
        std::filesystem::rename(next, offset_file);
    };
    set_offset("+0");
    const lines faked{"/usr/bin/env", "LD_PRELOAD=" + libfaketime,
                      "FAKETIME_TIMESTAMP_FILE=" + offset_file, "FAKETIME_NO_CACHE=1",
                      "FAKETIME_DONT_FAKE_MONOTONIC=1", "DONT_FAKE_MONOTONIC=1",
                      // libfaketime comes before the sanitizer's runtime in the preload order.
                      asan_options("verify_asan_link_order=0")};
    // What the faked wall clock reads now, in seconds since the epoch, through `date`.
    const auto faked_now = [&] {
        lines command = faked;
        command.insert(command.end(), {"/bin/date", "+%s"});
        child_process date(command.front(), lines(command.begin() + 1, command.end()));
        EXPECT_EQ(exit_of(date), "exit 0") << transcript(date);
        const lines out = date.lines(stream::out);
        return out.size() == 1 ? std::stoll(out[0]) : 0LL;
    };

    running_broker broker({.args = broker_args, .wrapper = faked});
    ASSERT_TRUE(contains(read_file("/proc/" + std::to_string(broker.process().pid()) + "/maps"),
                         "libfaketime"))
        << "libfaketime is not loaded in the broker";
    child_process alice(client_path,
                        {"--router", broker.router(), "--sub", broker.pub(), "--name", "alice"});
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob(client_path,
                      {"--router", broker.router(), "--sub", broker.pub(), "--name", "bob"});
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    ASSERT_TRUE(prints(alice, stream::out, entered("bob", 2)));

    for (const auto& [spec, seconds] : {std::pair{"+2h", 7200LL}, std::pair{"-1h", -3600LL}}) {
        SCOPED_TRACE(spec);
        set_offset(spec);
        const long long shift = faked_now() - static_cast<long long>(std::time(nullptr));
        ASSERT_NEAR(static_cast<double>(shift), static_cast<double>(seconds), 60.0)
            << "libfaketime did not take the new offset";
        // Three expiries in which nobody may leave; then the room still works.
        EXPECT_EQ(alice.next_line(stream::out, 3 * expiry), std::nullopt) << transcript(alice);
        bob.write(std::string{"clock "} + spec + "\n");
        EXPECT_TRUE(prints(alice, stream::out, std::string{"[bob] clock "} + spec));
    }

    bob.send_signal(SIGKILL);
    EXPECT_TRUE(prints(alice, stream::out, timed_out("bob", 1), departure_bound));
    EXPECT_EQ(alice.lines(stream::out), (lines{connected(1), entered("bob", 2), "[bob] clock +2h",
                                               "[bob] clock -1h", timed_out("bob", 1)}));
    EXPECT_EQ(alice.lines(stream::err), lines{});
}

// F6: a subscriber that connects and never reads, with a tiny receive queue, while two
// clients chat faster than it could ever take. The broker's PUB queue for it is capped by its
// high-water mark, so the broker's memory levels off; the readers get every line, in order.
TEST(LivenessSlowSubscriber, ASubscriberThatNeverReadsCostsBoundedMemoryAndNobodyElseALine) {
    // Lines of 1000 bytes. The broker queues up to 10,000 events (about 12 MiB of these) for
    // a subscriber, so the slow one's queue is full long before `filled` (16,000 events after
    // it connected). From there to `last` (16,000 more) a bounded broker no longer grows, where
    // one that queued without bound would grow by about 20 MiB: the sharp check. Both are
    // measured with the readers caught up, so the only queue left is the slow one's. The peak,
    // which also holds what the readers have not read yet, gets a generous allowance.
    constexpr std::size_t text_bytes = 1000;
    constexpr int warm_up = 1000;
    constexpr int filled = warm_up + 8000;
    constexpr int last = filled + 8000;
    constexpr long plateau_kib = 8 * 1024;
    constexpr long allowance_kib = 64 * 1024;

    // A small quarantine, so that AddressSanitizer's own memory stays out of the measurement.
    // 1,000 lines a second each (the clients pace themselves to 90 % of it): far more than the
    // slow subscriber takes, and what the readers print, sanitizers and all, on a shared
    // machine. The burst of three seconds' worth lets the broker or a client stall for seconds
    // (sanitizers on a loaded machine) without the broker refusing what then arrives at once.
    running_broker broker({.args = {"--rate", "1000", "--burst", "3000"},
                           .wrapper = {"/usr/bin/env", asan_options("quarantine_size_mb=4")}});
    child_process alice(client_path,
                        {"--router", broker.router(), "--sub", broker.pub(), "--name", "alice"});
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));
    child_process bob(client_path,
                      {"--router", broker.router(), "--sub", broker.pub(), "--name", "bob"});
    ASSERT_TRUE(prints(bob, stream::out, connected(2)));
    ASSERT_TRUE(prints(alice, stream::out, entered("bob", 2)));

    struct sender {
        child_process& p;
        std::string name;
        std::string script;
        std::size_t written = 0;
        int own_seen = 0;   // "[You] ..." lines, in order
        int other_seen = 0; // the other sender's lines, in order
    };
    std::vector<sender> senders{{alice, "alice", {}}, {bob, "bob", {}}};
    // The start of what a client said on stderr (its stdout is megabytes here).
    const auto errors_of = [](child_process& p) {
        p.next_line(stream::err, 200ms);
        return p.text(stream::err).substr(0, 2000);
    };
    const auto text_of = [&](const std::string& name, int i) {
        std::string text = name + " " + std::to_string(i) + " ";
        text.resize(text_bytes, 'x');
        return text;
    };

    // Sends lines `from` to `to` from both senders, feeding the scripts as far as the clients
    // take them and reading whatever the processes print (they would block on a full pipe),
    // each line checked against the one that must come next. Returns once both have seen every
    // line, their own and the other's; fails at the first line out of turn or at `deadline`.
    long peak_kib = 0;
    const auto chat = [&](int from, int to,
                          clock::time_point deadline) -> ::testing::AssertionResult {
        for (sender& s : senders) {
            s.script.clear();
            for (int i = from; i <= to; ++i)
                s.script += text_of(s.name, i) + '\n';
            s.written = 0;
        }
        for (;;) {
            for (std::size_t i = 0; i < senders.size(); ++i) {
                sender& s = senders[i];
                const sender& other = senders[1 - i];
                if (s.written < s.script.size())
                    s.written += s.p.write_some(std::string_view{s.script}.substr(s.written));
                while (auto line = s.p.next_line(stream::out, 1ms)) {
                    if (*line == "[You] " + text_of(s.name, s.own_seen + 1))
                        ++s.own_seen;
                    else if (*line ==
                             "[" + other.name + "] " + text_of(other.name, s.other_seen + 1))
                        ++s.other_seen;
                    else
                        return ::testing::AssertionFailure()
                               << s.name << " printed out of turn: " << line->substr(0, 80)
                               << "\nafter " << s.own_seen << " own and " << s.other_seen
                               << " other lines; its stderr:\n"
                               << errors_of(s.p);
                }
                if (!s.p.lines(stream::err).empty())
                    return ::testing::AssertionFailure() << s.name << ": " << errors_of(s.p);
            }
            while (broker.process().next_line(stream::err, 1ms)) {
            }
            peak_kib = std::max(peak_kib, static_cast<long>(rss_kib(broker.process().pid())));
            if (std::all_of(senders.begin(), senders.end(), [&](const sender& s) {
                    return s.own_seen == to && s.other_seen == to;
                }))
                return ::testing::AssertionSuccess();
            if (clock::now() >= deadline)
                return ::testing::AssertionFailure()
                       << "out of time: alice saw " << senders[0].own_seen << " own and "
                       << senders[0].other_seen << " of bob's; bob saw " << senders[1].own_seen
                       << " own and " << senders[1].other_seen << " of alice's";
        }
    };

    // Inside the CTest timeout, with room for a loaded machine.
    const auto deadline = clock::now() + 50s;
    // A first round warms the broker up (allocator pools, socket buffers): the baseline.
    ASSERT_TRUE(chat(1, warm_up, deadline));
    const long baseline_kib = static_cast<long>(rss_kib(broker.process().pid()));

    zmq::context_t ctx;
    zmq::socket_t slow(ctx, zmq::socket_type::sub);
    slow.set(zmq::sockopt::rcvhwm, 10);
    slow.set(zmq::sockopt::rcvbuf, 4096);
    slow.set(zmq::sockopt::linger, 0);
    slow.set(zmq::sockopt::subscribe, "");
    slow.connect(broker.pub());
    // Readable means its subscription reached the broker (a heartbeat came); it is never read.
    std::array<zmq::pollitem_t, 1> item{{{slow.handle(), 0, ZMQ_POLLIN, 0}}};
    ASSERT_EQ(zmq::poll(item.data(), 1, child_process::default_timeout), 1);

    peak_kib = 0;
    ASSERT_TRUE(chat(warm_up + 1, filled, deadline));
    const long filled_kib = static_cast<long>(rss_kib(broker.process().pid()));
    ASSERT_TRUE(chat(filled + 1, last, deadline));
    const long last_kib = static_cast<long>(rss_kib(broker.process().pid()));
    RecordProperty("broker_rss_kib", "baseline " + std::to_string(baseline_kib) + ", queue full " +
                                         std::to_string(filled_kib) + ", end " +
                                         std::to_string(last_kib) + ", peak " +
                                         std::to_string(peak_kib));
    EXPECT_LE(peak_kib, baseline_kib + allowance_kib)
        << "baseline " << baseline_kib << " KiB, peak " << peak_kib << " KiB";
    EXPECT_LE(last_kib, filled_kib + plateau_kib)
        << "still growing after the slow subscriber's queue was full: " << filled_kib
        << " KiB, then " << last_kib << " KiB";
    for (const child_process* p : {&alice, &bob})
        EXPECT_EQ(p->lines(stream::err), lines{});
}

} // namespace
} // namespace zchat::test
