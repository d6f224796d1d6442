// End-to-end scenarios: a real zchat-broker and real zchat-client processes on loopback, driven
// through stdin and read through stdout and stderr, exactly as a user or a script sees them.
// Each test starts its own broker on free ports, so tests run in parallel. Nothing sleeps: a
// step waits for the line that shows the previous step happened, and every wait is bounded.
#include "tests/e2e/chat_lines.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/pty_process.hpp"
#include "tests/support/running_broker.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace zchat::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using lines = std::vector<std::string>;

const std::string broker_path = ZCHAT_BROKER_PATH;
const std::string example_config = ZCHAT_EXAMPLE_CONFIG;
const std::string client_path = ZCHAT_CLIENT_PATH;

// A loopback port that is bound but never listens: connecting to it is refused at once, and no
// other test can take it while this object lives.
class dead_port {
public:
    dead_port() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof addr;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), size) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) != 0)
            throw process_error("cannot reserve a loopback port");
        port_ = ntohs(addr.sin_port);
    }
    ~dead_port() { ::close(fd_); }
    dead_port(const dead_port&) = delete;
    dead_port& operator=(const dead_port&) = delete;

    std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_;
    int port_ = 0;
};

class Chat : public ::testing::Test {
protected:
    // A client of this test's broker; `extra` follows the endpoints and the name.
    child_process client(const std::string& name, lines extra = {}) {
        lines args{"--router", broker_.router(), "--sub", broker_.pub(), "--name", name};
        args.insert(args.end(), extra.begin(), extra.end());
        return child_process(client_path, std::move(args));
    }

    // A client of this test's broker on a terminal of kind `term`, without colours, keeping its
    // input history in this test's own state directory.
    std::unique_ptr<pty_process> at_terminal(const std::string& name, lines extra = {},
                                             const std::string& term = "dumb") {
        lines args{"--router", broker_.router(), "--sub", broker_.pub(), "--name", name};
        args.insert(args.end(), extra.begin(), extra.end());
        return std::make_unique<pty_process>(
            client_path, std::move(args),
            lines{"TERM=" + term, "NO_COLOR=1", "XDG_STATE_HOME=" + state_.path().string()});
    }

    // Stops the broker as an operator would and expects a clean exit.
    void stop_broker(int sig = SIGINT) {
        broker_.process().send_signal(sig);
        EXPECT_EQ(exit_of(broker_.process()), "exit 0") << transcript(broker_.process());
    }

    // The broker's whole output after stop_broker(): on stdout the started and stopped lines;
    // on stderr its log: the start, `joins_and_leaves` in order (with any periodic stats left
    // out), and the totals. The totals' byte counts depend on heartbeats, so only their start,
    // which counts events and lines, is compared. At the default level no chat text is logged.
    void expect_broker_log(const lines& joins_and_leaves, const std::string& totals_start) {
        EXPECT_EQ(
            broker_.process().lines(stream::out),
            (lines{"Chat broker started: router " + broker_.router() + ", pub " + broker_.pub(),
                   "Chat broker stopped"}));
        lines log = log_entries(broker_.process());
        ASSERT_GE(log.size(), 2u) << transcript(broker_.process());
        EXPECT_TRUE(log.front().starts_with("INFO started router=" + broker_.router() +
                                            " pub=" + broker_.pub() + " version="))
            << log.front();
        EXPECT_TRUE(log.back().starts_with("INFO stopped " + totals_start)) << log.back();
        lines middle;
        for (auto it = log.begin() + 1; it != log.end() - 1; ++it)
            if (!it->starts_with("INFO stats "))
                middle.push_back(*it);
        EXPECT_EQ(middle, joins_and_leaves);
    }

    running_broker broker_;
    temp_dir state_;
};

// The first scenario of the original chat: two users take turns, leave, and the broker closes.
TEST_F(Chat, TwoUsersTakeTurnsLeaveAndTheBrokerCloses) {
    child_process user1 = client("user1");
    ASSERT_TRUE(prints(user1, stream::out, "> Connected to the chat server (1 user online)"));
    user1.write("Hello\n");
    ASSERT_TRUE(prints(user1, stream::out, "[You] Hello"));

    child_process user2 = client("user2");
    ASSERT_TRUE(prints(user2, stream::out, "> Connected to the chat server (2 users online)"));
    ASSERT_TRUE(prints(user1, stream::out, "> New user user2 entered (2 users online)"));
    user2.write("World\n");
    ASSERT_TRUE(prints(user2, stream::out, "[You] World"));
    ASSERT_TRUE(prints(user1, stream::out, "[user2] World"));

    user2.close_stdin();
    EXPECT_EQ(exit_of(user2), "exit 0") << transcript(user2);
    ASSERT_TRUE(prints(user1, stream::out, "< The user user2 left (1 user online)"));
    user1.close_stdin();
    EXPECT_EQ(exit_of(user1), "exit 0") << transcript(user1);
    ASSERT_TRUE(prints(broker_.process(), stream::err,
                       log_entry("INFO leave name=user1 room=lobby online=0 reason=quit")));
    stop_broker();

    EXPECT_EQ(user1.lines(stream::out), (lines{
                                            "> Connected to the chat server (1 user online)",
                                            "[You] Hello",
                                            "> New user user2 entered (2 users online)",
                                            "[user2] World",
                                            "< The user user2 left (1 user online)",
                                        }));
    // What was said before user2 came shows first, marked as earlier conversation.
    EXPECT_EQ(user2.lines(stream::out), (lines{
                                            "> Connected to the chat server (2 users online)",
                                            "~ [user1] Hello",
                                            "[You] World",
                                        }));
    EXPECT_EQ(user1.lines(stream::err), lines{});
    EXPECT_EQ(user2.lines(stream::err), lines{});
    expect_broker_log(
        {
            "INFO join name=user1 room=lobby online=1",
            "INFO join name=user2 room=lobby online=2",
            "INFO leave name=user2 room=lobby online=1 reason=quit",
            "INFO leave name=user1 room=lobby online=0 reason=quit",
        },
        "online=0 peak_online=2 events=6 lines_in=2 ");
}

// The second scenario: three users, the online count rising and falling as they come and go.
TEST_F(Chat, ThreeUsersSeeEachOtherComeSpeakAndGo) {
    child_process user1 = client("user1");
    ASSERT_TRUE(prints(user1, stream::out, "> Connected to the chat server (1 user online)"));
    user1.write("Anyone here?\n");
    ASSERT_TRUE(prints(user1, stream::out, "[You] Anyone here?"));

    child_process user2 = client("user2");
    ASSERT_TRUE(prints(user2, stream::out, "> Connected to the chat server (2 users online)"));
    ASSERT_TRUE(prints(user1, stream::out, "> New user user2 entered (2 users online)"));
    child_process user3 = client("user3");
    ASSERT_TRUE(prints(user3, stream::out, "> Connected to the chat server (3 users online)"));
    ASSERT_TRUE(prints(user1, stream::out, "> New user user3 entered (3 users online)"));
    ASSERT_TRUE(prints(user2, stream::out, "> New user user3 entered (3 users online)"));

    user3.write("Hi, user3 here\n");
    ASSERT_TRUE(prints(user3, stream::out, "[You] Hi, user3 here"));
    ASSERT_TRUE(prints(user1, stream::out, "[user3] Hi, user3 here"));
    ASSERT_TRUE(prints(user2, stream::out, "[user3] Hi, user3 here"));
    user2.write("And user2\n");
    ASSERT_TRUE(prints(user2, stream::out, "[You] And user2"));
    ASSERT_TRUE(prints(user1, stream::out, "[user2] And user2"));
    ASSERT_TRUE(prints(user3, stream::out, "[user2] And user2"));

    user2.close_stdin();
    EXPECT_EQ(exit_of(user2), "exit 0") << transcript(user2);
    ASSERT_TRUE(prints(user1, stream::out, "< The user user2 left (2 users online)"));
    ASSERT_TRUE(prints(user3, stream::out, "< The user user2 left (2 users online)"));
    user1.close_stdin();
    EXPECT_EQ(exit_of(user1), "exit 0") << transcript(user1);
    ASSERT_TRUE(prints(user3, stream::out, "< The user user1 left (1 user online)"));
    user3.write("/quit\n");
    EXPECT_EQ(exit_of(user3), "exit 0") << transcript(user3);
    ASSERT_TRUE(prints(broker_.process(), stream::err,
                       log_entry("INFO leave name=user3 room=lobby online=0 reason=quit")));
    stop_broker();

    EXPECT_EQ(user1.lines(stream::out), (lines{
                                            "> Connected to the chat server (1 user online)",
                                            "[You] Anyone here?",
                                            "> New user user2 entered (2 users online)",
                                            "> New user user3 entered (3 users online)",
                                            "[user3] Hi, user3 here",
                                            "[user2] And user2",
                                            "< The user user2 left (2 users online)",
                                        }));
    EXPECT_EQ(user2.lines(stream::out), (lines{
                                            "> Connected to the chat server (2 users online)",
                                            "~ [user1] Anyone here?",
                                            "> New user user3 entered (3 users online)",
                                            "[user3] Hi, user3 here",
                                            "[You] And user2",
                                        }));
    EXPECT_EQ(user3.lines(stream::out), (lines{
                                            "> Connected to the chat server (3 users online)",
                                            "~ [user1] Anyone here?",
                                            "[You] Hi, user3 here",
                                            "[user2] And user2",
                                            "< The user user2 left (2 users online)",
                                            "< The user user1 left (1 user online)",
                                        }));
    for (const child_process* p : {&user1, &user2, &user3})
        EXPECT_EQ(p->lines(stream::err), lines{});
    expect_broker_log(
        {
            "INFO join name=user1 room=lobby online=1",
            "INFO join name=user2 room=lobby online=2",
            "INFO join name=user3 room=lobby online=3",
            "INFO leave name=user2 room=lobby online=2 reason=quit",
            "INFO leave name=user1 room=lobby online=1 reason=quit",
            "INFO leave name=user3 room=lobby online=0 reason=quit",
        },
        "online=0 peak_online=3 events=9 lines_in=3 ");
}

TEST_F(Chat, ANameInUseIsRefusedInAnyCaseAndTheFirstUserIsUnaffected) {
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(1)));

    for (const std::string name : {"bob", "Bob", "BOB"}) {
        SCOPED_TRACE(name);
        child_process again = client(name);
        again.close_stdin();
        EXPECT_EQ(exit_of(again), "exit 1") << transcript(again);
        EXPECT_EQ(again.lines(stream::err), lines{"! Cannot join the chat: the name '" + name +
                                                  "' is already in use (E_NAME_TAKEN)"});
        EXPECT_EQ(again.lines(stream::out), lines{});
    }

    // bob saw none of the refused joins: the next thing he hears is carol, as the second user.
    child_process carol = client("carol");
    ASSERT_TRUE(prints(carol, stream::out, connected(2)));
    EXPECT_EQ(bob.next_line(stream::out), entered("carol", 2));
    bob.write("still here\n");
    ASSERT_TRUE(prints(carol, stream::out, "[bob] still here"));
    ASSERT_TRUE(prints(bob, stream::out, "[You] still here"));
    bob.close_stdin();
    EXPECT_EQ(exit_of(bob), "exit 0") << transcript(bob);
    EXPECT_EQ(bob.lines(stream::out),
              (lines{connected(1), entered("carol", 2), "[You] still here"}));
    EXPECT_EQ(bob.lines(stream::err), lines{});
}

TEST_F(Chat, AnInvalidNameIsRefusedWithTheReason) {
    struct refusal {
        std::string name;
        std::string reason;
    };
    const std::vector<refusal> refusals{
        {"You", "name 'You' is reserved (E_NAME_INVALID)"},
        {"you", "name 'you' is reserved (E_NAME_INVALID)"},
        {"has space", "name contains a space (E_NAME_INVALID)"},
        {"tab\there", "name contains a control character (E_CONTROL_CHAR)"},
        {std::string(33, 'n'), "name is longer than 32 characters (E_TOO_LONG)"},
    };
    child_process watcher = client("watcher");
    ASSERT_TRUE(prints(watcher, stream::out, connected(1)));

    for (const auto& [name, reason] : refusals) {
        SCOPED_TRACE(name);
        child_process p = client(name);
        p.close_stdin();
        EXPECT_EQ(exit_of(p), "exit 1") << transcript(p);
        EXPECT_EQ(p.lines(stream::err), lines{"! Cannot join the chat: " + reason});
        EXPECT_EQ(p.lines(stream::out), lines{});
    }

    // Nobody entered: the next user to join is the second one online.
    child_process ok = client("ok");
    ASSERT_TRUE(prints(ok, stream::out, connected(2)));
    EXPECT_EQ(watcher.next_line(stream::out), entered("ok", 2));
}

// -q shows what is said and nothing of who comes and goes; errors would still reach stderr.
TEST_F(Chat, AQuietClientShowsTheChatWithoutPresenceLines) {
    child_process alice = client("alice", {"-q"});
    ASSERT_TRUE(
        prints(broker_.process(), stream::err, log_entry_starting_with("INFO join name=alice")));
    child_process bob = client("bob", {"-m", "hi"});
    EXPECT_EQ(exit_of(bob), "exit 0") << transcript(bob);
    ASSERT_TRUE(prints(alice, stream::out, "[bob] hi"));
    ASSERT_TRUE(
        prints(broker_.process(), stream::err, log_entry_starting_with("INFO leave name=bob")));
    alice.write("bye\n");
    ASSERT_TRUE(prints(alice, stream::out, "[You] bye"));
    alice.close_stdin();
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    EXPECT_EQ(alice.lines(stream::out), (lines{"[bob] hi", "[You] bye"}));
    EXPECT_EQ(alice.lines(stream::err), lines{});
}

// -v adds, on stderr, where the client connects and what the broker announced; stdout is as
// without it.
TEST_F(Chat, AVerboseClientSaysWhereItConnectsOnStderr) {
    child_process alice = client("alice", {"-v", "-m", "hi"});
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    EXPECT_EQ(alice.lines(stream::out), (lines{connected(1), "[You] hi"}));
    const lines err = alice.lines(stream::err);
    ASSERT_EQ(err.size(), 2u) << transcript(alice);
    EXPECT_EQ(err[0], "* Connecting to " + broker_.router() + " (commands) and " + broker_.pub() +
                          " (events)");
    EXPECT_TRUE(err[1].starts_with("* Session ")) << err[1];
    EXPECT_NE(err[1].find(" as alice: heartbeat every "), std::string::npos) << err[1];
}

// `printf 'deploy finished\n' | zchat-client --name ci`: the line is written and stdin closed
// before the client has even connected, and it arrives every time.
TEST_F(Chat, APipedLineReachesAListenerEveryTime) {
    child_process listener = client("listener");
    ASSERT_TRUE(prints(listener, stream::out, connected(1)));

    for (int run = 1; run <= 10; ++run) {
        SCOPED_TRACE("run " + std::to_string(run));
        // Without the earlier runs' lines as history: this is about the line of this run.
        child_process ci = client("ci", {"--history", "0"});
        ci.write("deploy finished\n");
        ci.close_stdin();
        EXPECT_EQ(exit_of(ci), "exit 0") << transcript(ci);
        EXPECT_EQ(ci.lines(stream::out), (lines{connected(2), "[You] deploy finished"}));
        EXPECT_EQ(ci.lines(stream::err), lines{});
        EXPECT_EQ(listener.next_line(stream::out), entered("ci", 2));
        EXPECT_EQ(listener.next_line(stream::out), "[ci] deploy finished");
        EXPECT_EQ(listener.next_line(stream::out), left("ci", 1));
    }
}

// More lines than the broker's rate limit lets through at once: the client paces itself, so a
// script is slowed down, never refused, and nothing is lost or reordered.
TEST_F(Chat, TwoHundredPipedLinesArriveCompleteAndInOrder) {
    constexpr int count = 200;
    child_process listener = client("listener");
    ASSERT_TRUE(prints(listener, stream::out, connected(1)));

    child_process ci = client("ci");
    std::string script;
    lines heard{entered("ci", 2)};
    lines own{connected(2)};
    for (int i = 1; i <= count; ++i) {
        const std::string text = "line " + std::to_string(i) + " of " + std::to_string(count);
        script += text + '\n';
        heard.push_back("[ci] " + text);
        own.push_back("[You] " + text);
    }
    heard.push_back(left("ci", 1));
    ci.write(script);
    ci.close_stdin();

    // About 11 s at the default rate of 20 lines a second.
    EXPECT_EQ(exit_of(ci, 40s), "exit 0") << transcript(ci);
    ASSERT_TRUE(prints(listener, stream::out, left("ci", 1)));
    EXPECT_EQ(ci.lines(stream::out), own);
    EXPECT_EQ(ci.lines(stream::err), lines{});
    lines listener_heard = listener.lines(stream::out);
    listener_heard.erase(listener_heard.begin()); // its own "Connected" line
    EXPECT_EQ(listener_heard, heard);
}

TEST_F(Chat, AMessageFlagSendsOneLineAndExits) {
    child_process listener = client("listener");
    ASSERT_TRUE(prints(listener, stream::out, connected(1)));

    child_process ci = client("ci", {"-m", "deploy finished"});
    EXPECT_EQ(exit_of(ci), "exit 0") << transcript(ci);
    EXPECT_EQ(ci.lines(stream::out), (lines{connected(2), "[You] deploy finished"}));
    EXPECT_EQ(ci.lines(stream::err), lines{});
    EXPECT_EQ(listener.next_line(stream::out), entered("ci", 2));
    EXPECT_EQ(listener.next_line(stream::out), "[ci] deploy finished");
    EXPECT_EQ(listener.next_line(stream::out), left("ci", 1));
}

TEST_F(Chat, QuitInAScriptDeliversTheLinesBeforeIt) {
    child_process listener = client("listener");
    ASSERT_TRUE(prints(listener, stream::out, connected(1)));

    child_process ci = client("ci");
    ci.write("important\n/quit\nnever sent\n");
    ci.close_stdin();
    EXPECT_EQ(exit_of(ci), "exit 0") << transcript(ci);
    EXPECT_EQ(ci.lines(stream::out), (lines{connected(2), "[You] important"}));
    EXPECT_EQ(listener.next_line(stream::out), entered("ci", 2));
    EXPECT_EQ(listener.next_line(stream::out), "[ci] important");
    EXPECT_EQ(listener.next_line(stream::out), left("ci", 1));
}

TEST_F(Chat, WhoListsEveryoneOnlineAndADoubleSlashSendsASlash) {
    child_process zed = client("zed");
    ASSERT_TRUE(prints(zed, stream::out, connected(1)));
    child_process mia = client("Mia");
    ASSERT_TRUE(prints(mia, stream::out, connected(2)));

    child_process amy = client("amy");
    amy.write("/who\n//slash at the start\n");
    amy.close_stdin();
    EXPECT_EQ(exit_of(amy), "exit 0") << transcript(amy);
    EXPECT_EQ(amy.lines(stream::out), (lines{
                                          connected(3),
                                          "Online (3): amy, Mia, zed",
                                          "[You] /slash at the start",
                                      }));
    EXPECT_EQ(amy.lines(stream::err), lines{});
    EXPECT_EQ(zed.next_line(stream::out), entered("Mia", 2));
    EXPECT_EQ(zed.next_line(stream::out), entered("amy", 3));
    EXPECT_EQ(zed.next_line(stream::out), "[amy] /slash at the start");
    EXPECT_EQ(zed.next_line(stream::out), left("amy", 2));
}

// Rooms: a line said in #ops reaches the clients in #ops and nobody who is only in #lobby; a
// client in two rooms names the room of every line it prints, one in a single room does not.
TEST_F(Chat, ALineSaidInARoomReachesItsMembersOnlyAndIsNamedWhereTheyAreInTwo) {
    child_process carol = client("carol", {"--room", "ops"});
    ASSERT_TRUE(prints(carol, stream::out, connected(1)));
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(1)));
    child_process alice = client("alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(2)));
    ASSERT_TRUE(prints(bob, stream::out, entered("alice", 2)));

    alice.write("/join ops\n");
    ASSERT_TRUE(prints(alice, stream::out, "> Joined #ops (2 users online)"));
    ASSERT_TRUE(prints(carol, stream::out, entered("alice", 2)));
    alice.write("deploying now\n");
    ASSERT_TRUE(prints(alice, stream::out, "#ops [You] deploying now"));
    ASSERT_TRUE(prints(carol, stream::out, "[alice] deploying now"));

    carol.write("/join #lobby\n");
    ASSERT_TRUE(prints(carol, stream::out, "> Joined #lobby (3 users online)"));
    ASSERT_TRUE(prints(bob, stream::out, entered("carol", 3)));
    ASSERT_TRUE(prints(alice, stream::out, "#lobby " + entered("carol", 3)));
    alice.write("done\n");
    ASSERT_TRUE(prints(alice, stream::out, "#ops [You] done"));
    ASSERT_TRUE(prints(carol, stream::out, "#ops [alice] done"));

    bob.write("/who #ops\n/rooms\nlobby only\n");
    bob.close_stdin();
    EXPECT_EQ(exit_of(bob), "exit 0") << transcript(bob);
    ASSERT_TRUE(prints(alice, stream::out, "#lobby " + left("bob", 2)));
    ASSERT_TRUE(prints(carol, stream::out, "#lobby " + left("bob", 2)));

    // Leaving #ops makes #lobby current again; leaving the last room leaves the chat.
    alice.write("/part\nback in the lobby\n/part\n");
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    ASSERT_TRUE(prints(carol, stream::out, "#lobby " + left("alice", 1)));
    carol.close_stdin();
    EXPECT_EQ(exit_of(carol), "exit 0") << transcript(carol);

    EXPECT_EQ(bob.lines(stream::out), (lines{
                                          connected(1),
                                          entered("alice", 2),
                                          entered("carol", 3),
                                          "#ops Online (2): alice, carol",
                                          "#lobby 3",
                                          "#ops 2",
                                          "[You] lobby only",
                                      }));
    EXPECT_EQ(alice.lines(stream::out), (lines{
                                            connected(2),
                                            "> Joined #ops (2 users online)",
                                            "#ops [You] deploying now",
                                            "#lobby " + entered("carol", 3),
                                            "#ops [You] done",
                                            "#lobby [bob] lobby only",
                                            "#lobby " + left("bob", 2),
                                            "[You] back in the lobby",
                                        }));
    EXPECT_EQ(carol.lines(stream::out), (lines{
                                            connected(1),
                                            entered("alice", 2),
                                            "[alice] deploying now",
                                            "> Joined #lobby (3 users online)",
                                            "#ops [alice] done",
                                            "#lobby [bob] lobby only",
                                            "#lobby " + left("bob", 2),
                                            "#ops " + left("alice", 1),
                                            "#lobby [alice] back in the lobby",
                                            "#lobby " + left("alice", 1),
                                        }));
    for (const child_process* p : {&alice, &bob, &carol})
        EXPECT_EQ(p->lines(stream::err), lines{});
}

// "/me waves" is an action: everyone in the room sees "* amy waves", amy too, in place of
// "[You] ...".
TEST_F(Chat, AnActionReadsTheSameToEveryoneInTheRoom) {
    child_process mia = client("mia");
    ASSERT_TRUE(prints(mia, stream::out, connected(1)));
    child_process amy = client("amy");
    ASSERT_TRUE(prints(amy, stream::out, connected(2)));
    ASSERT_TRUE(prints(mia, stream::out, entered("amy", 2)));

    amy.write("/me waves  at mia\n");
    ASSERT_TRUE(prints(mia, stream::out, "* amy waves  at mia"));
    amy.close_stdin();
    EXPECT_EQ(exit_of(amy), "exit 0") << transcript(amy);
    ASSERT_TRUE(prints(mia, stream::out, left("amy", 1)));
    mia.close_stdin();
    EXPECT_EQ(exit_of(mia), "exit 0") << transcript(mia);

    EXPECT_EQ(amy.lines(stream::out), (lines{connected(2), "* amy waves  at mia"}));
    EXPECT_EQ(mia.lines(stream::out),
              (lines{connected(1), entered("amy", 2), "* amy waves  at mia", left("amy", 1)}));
}

// A private message reaches its recipient alone, in whatever room, without a room prefix; one to
// a name nobody online has reaches nobody and is reported as not delivered.
TEST_F(Chat, APrivateMessageReachesItsRecipientAloneAndOneToNobodyIsRefused) {
    child_process zed = client("zed", {"--room", "ops"});
    ASSERT_TRUE(prints(zed, stream::out, connected(1)));
    child_process mia = client("mia");
    ASSERT_TRUE(prints(mia, stream::out, connected(1)));
    child_process amy = client("amy");
    ASSERT_TRUE(prints(amy, stream::out, connected(2)));
    ASSERT_TRUE(prints(mia, stream::out, entered("amy", 2)));

    amy.write("/msg Zed just  between us\n/msg nobody hello?\nto the lobby\n");
    amy.close_stdin();
    EXPECT_EQ(exit_of(amy), "exit 1") << transcript(amy);
    ASSERT_TRUE(prints(zed, stream::out, "*amy* just  between us"));
    ASSERT_TRUE(prints(mia, stream::out, left("amy", 1)));
    zed.close_stdin();
    mia.close_stdin();
    EXPECT_EQ(exit_of(zed), "exit 0") << transcript(zed);
    EXPECT_EQ(exit_of(mia), "exit 0") << transcript(mia);

    EXPECT_EQ(amy.lines(stream::out), (lines{
                                          connected(2),
                                          "-> *Zed* just  between us",
                                          "[You] to the lobby",
                                      }));
    EXPECT_EQ(amy.lines(stream::err),
              (lines{"! Not sent: no user named 'nobody' is online (E_NO_SUCH_USER)",
                     "! 1 line(s) were not delivered"}));
    EXPECT_EQ(zed.lines(stream::out), (lines{connected(1), "*amy* just  between us"}));
    EXPECT_EQ(mia.lines(stream::out), (lines{
                                          connected(1),
                                          entered("amy", 2),
                                          "[amy] to the lobby",
                                          left("amy", 1),
                                      }));
}

TEST_F(Chat, AnUnknownCommandIsALocalErrorAndNeverSent) {
    child_process listener = client("listener");
    ASSERT_TRUE(prints(listener, stream::out, connected(1)));

    child_process typo = client("typo");
    typo.write("/shrug at this\nafter the typo\n");
    typo.close_stdin();
    // The rest of the script still runs, but a script with a mistake does not end as a success.
    EXPECT_EQ(exit_of(typo), "exit 1") << transcript(typo);
    EXPECT_EQ(typo.lines(stream::err),
              lines{"! Unknown command /shrug (try /help; //text sends /text)"});
    EXPECT_EQ(typo.lines(stream::out), (lines{connected(2), "[You] after the typo"}));
    EXPECT_EQ(listener.next_line(stream::out), entered("typo", 2));
    EXPECT_EQ(listener.next_line(stream::out), "[typo] after the typo");
    EXPECT_EQ(listener.next_line(stream::out), left("typo", 1));
}

// The client refuses these before sending, as the broker would; either way the sender learns
// the line was not delivered, and nobody else sees a thing.
TEST_F(Chat, ControlCharactersAreRefusedAndNeverReachTheRoom) {
    struct hostile {
        std::string text;
        std::string reason;
    };
    const std::vector<hostile> lines_sent{
        {"bell\a", "text contains a control character"},
        {"\033[2J\033[Hscreen cleared", "text contains a control character"},
        {"back\bspace", "text contains a control character"},
        {"nul\0byte"s, "text contains a control character"},
        {"carriage\rreturn", "text contains a control character"},
        {"delete\x7f", "text contains a control character"},
        {std::string{"c1 csi \xc2\x9b"} + "31m", "text contains a control character"},
        {"bad \xff utf-8", "text is not valid UTF-8"},
    };
    child_process listener = client("listener");
    ASSERT_TRUE(prints(listener, stream::out, connected(1)));

    for (const auto& [text, reason] : lines_sent) {
        SCOPED_TRACE(testing::PrintToString(text));
        child_process mallory = client("mallory");
        mallory.write(text + '\n');
        mallory.close_stdin();
        EXPECT_EQ(exit_of(mallory), "exit 1") << transcript(mallory);
        EXPECT_EQ(mallory.lines(stream::out), lines{connected(2)});
        EXPECT_EQ(mallory.lines(stream::err),
                  (lines{"! Not sent: " + reason, "! 1 line(s) were not delivered"}));
        // Between mallory's arrival and departure the listener heard nothing.
        EXPECT_EQ(listener.next_line(stream::out), entered("mallory", 2));
        EXPECT_EQ(listener.next_line(stream::out), left("mallory", 1));
    }
}

TEST_F(Chat, QuotesBackslashesAndNonAsciiArriveIntact) {
    struct sample {
        std::string name;
        std::string typed;
        std::string shown;  // after the name in brackets
        std::string logged; // the name in the broker's log
    };
    const std::vector<sample> samples{
        {R"(q"uo'te\)", R"(She said "hi" to 'C:\temp\new' and \o/)",
         R"(She said "hi" to 'C:\temp\new' and \o/)", R"("q\"uo'te\\")"},
        {"Jürgen✓", "héllo wörld ✓\tafter a tab", "héllo wörld ✓ after a tab", "Jürgen✓"},
        // Invisible or reordering characters are shown as escapes.
        {"eve", "abc\u202Edef zero\u200Bwidth", R"(abc\u{202E}def zero\u{200B}width)", "eve"},
        // ...except a joiner inside an emoji sequence, which makes one picture of several.
        {"eve", "\U0001F469\u200D\U0001F4BB on call, a\u200Db",
         "\U0001F469\u200D\U0001F4BB on call, a\\u{200D}b", "eve"},
        // Text that looks like a notice is still plainly someone's line.
        {"eve", "< The user listener left (0 users online)",
         "< The user listener left (0 users online)", "eve"},
    };
    child_process listener = client("listener");
    ASSERT_TRUE(prints(listener, stream::out, connected(1)));

    lines log;
    for (const auto& [name, typed, shown, logged] : samples) {
        SCOPED_TRACE(name + ": " + typed);
        child_process sender = client(name, {"--history", "0"});
        sender.write(typed + '\n');
        sender.close_stdin();
        EXPECT_EQ(exit_of(sender), "exit 0") << transcript(sender);
        EXPECT_EQ(sender.lines(stream::out), (lines{connected(2), "[You] " + shown}));
        EXPECT_EQ(sender.lines(stream::err), lines{});
        EXPECT_EQ(listener.next_line(stream::out), entered(name, 2));
        EXPECT_EQ(listener.next_line(stream::out), "[" + name + "] " + shown);
        EXPECT_EQ(listener.next_line(stream::out), left(name, 1));
        log.insert(log.end(), {"INFO join name=" + logged + " room=lobby online=2",
                               "INFO leave name=" + logged + " room=lobby online=1 reason=quit"});
    }
    listener.close_stdin();
    EXPECT_EQ(exit_of(listener), "exit 0") << transcript(listener);
    ASSERT_TRUE(prints(broker_.process(), stream::err,
                       log_entry("INFO leave name=listener room=lobby online=0 reason=quit")));
    stop_broker();
    log.insert(log.begin(), "INFO join name=listener room=lobby online=1");
    log.push_back("INFO leave name=listener room=lobby online=0 reason=quit");
    expect_broker_log(log, "online=0 peak_online=2 events=17 lines_in=5 ");
}

TEST_F(Chat, ConnectedClientsHearThatTheBrokerStopped) {
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, connected(1)));
    stop_broker(SIGTERM);
    ASSERT_TRUE(prints(bob, stream::err, "! The chat server shut down; reconnecting..."));
    bob.send_signal(SIGINT);
    EXPECT_EQ(exit_of(bob), "exit 0") << transcript(bob);
    EXPECT_EQ(bob.lines(stream::out), lines{connected(1)});
    EXPECT_EQ(bob.lines(stream::err), lines{"! The chat server shut down; reconnecting..."});
}

TEST_F(Chat, AWrongSubEndpointFailsWithAHintAfterFiveSeconds) {
    const dead_port nobody;
    child_process lost(client_path, {"--router", broker_.router(), "--sub", nobody.endpoint(),
                                     "--name", "lost", "-m", "hello?"});
    EXPECT_EQ(exit_of(lost, 20s), "exit 1") << transcript(lost);
    EXPECT_EQ(lost.lines(stream::out), lines{});
    const lines err = lost.lines(stream::err);
    ASSERT_EQ(err.size(), 1u) << transcript(lost);
    EXPECT_NE(err[0].find(nobody.endpoint()), std::string::npos) << err[0];
    EXPECT_NE(err[0].find("check --sub"), std::string::npos) << err[0];
}

TEST(ChatClient, AnUnreachableBrokerFailsNamingItsEndpointAfterFiveSeconds) {
    const dead_port router;
    const dead_port sub;
    const auto start = std::chrono::steady_clock::now();
    child_process lonely(
        client_path, {"--router", router.endpoint(), "--sub", sub.endpoint(), "--name", "lonely"});
    lonely.write("is anyone there?\n");
    lonely.close_stdin();
    EXPECT_EQ(exit_of(lonely, 20s), "exit 1") << transcript(lonely);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 4500ms);
    EXPECT_LE(took, 10s);
    EXPECT_EQ(lonely.lines(stream::out), lines{});
    EXPECT_EQ(lonely.lines(stream::err), lines{"! Cannot reach the chat server at " +
                                               router.endpoint() + " (no answer within 5 s)"});
}

// The command line of both executables, checked alike.
struct executable {
    std::string name;
    std::string path;
};
const std::vector<executable> executables{{"zchat-broker", broker_path},
                                          {"zchat-client", client_path}};

TEST(CommandLine, HelpPrintsUsageAndExitsZero) {
    for (const auto& [name, path] : executables) {
        for (const std::string flag : {"--help", "-h"}) {
            SCOPED_TRACE(name + " " + flag);
            child_process p(path, {flag});
            EXPECT_EQ(exit_of(p), "exit 0") << transcript(p);
            EXPECT_NE(p.text(stream::out).find("Usage:\n  " + name + " ["), std::string::npos)
                << transcript(p);
            EXPECT_NE(p.text(stream::out).find("Exit codes: 0 success"), std::string::npos);
            EXPECT_EQ(p.lines(stream::err), lines{});
        }
    }
}

TEST(CommandLine, VersionPrintsTheVersionAndExitsZero) {
    for (const auto& [name, path] : executables) {
        SCOPED_TRACE(name);
        child_process p(path, {"--version"});
        EXPECT_EQ(exit_of(p), "exit 0") << transcript(p);
        EXPECT_EQ(p.lines(stream::out), lines{name + " " + ZCHAT_VERSION});
        EXPECT_EQ(p.lines(stream::err), lines{});
    }
}

TEST(CommandLine, ABadFlagIsAOneLineUsageErrorWithExitTwo) {
    for (const auto& [name, path] : executables) {
        SCOPED_TRACE(name);
        child_process p(path, {"--no-such-flag"});
        EXPECT_EQ(exit_of(p), "exit 2") << transcript(p);
        EXPECT_EQ(p.lines(stream::out), lines{});
        const lines err = p.lines(stream::err);
        ASSERT_EQ(err.size(), 1u) << transcript(p);
        EXPECT_NE(err[0].find("no-such-flag"), std::string::npos) << err[0];
        EXPECT_NE(err[0].find("--help"), std::string::npos) << err[0];
    }
}

TEST(CommandLine, AMalformedEndpointIsAOneLineUsageErrorWithExitTwo) {
    for (const auto& [name, path] : executables) {
        SCOPED_TRACE(name);
        child_process p(path, {"--router", "foo"});
        EXPECT_EQ(exit_of(p), "exit 2") << transcript(p);
        EXPECT_EQ(p.lines(stream::out), lines{});
        const lines err = p.lines(stream::err);
        ASSERT_EQ(err.size(), 1u) << transcript(p);
        EXPECT_NE(err[0].find("foo"), std::string::npos) << err[0];
    }
}

// Runs `path` once for each case, with `leading` then the case's arguments, and expects a usage
// error: exit 2, nothing on stdout, and the one line "PROGRAM: MESSAGE (try --help)" on stderr.
void expect_usage_errors(const std::string& path, const std::string& program, const lines& leading,
                         const std::vector<std::pair<lines, std::string>>& cases) {
    for (const auto& [args, message] : cases) {
        SCOPED_TRACE(message);
        lines argv = leading;
        argv.insert(argv.end(), args.begin(), args.end());
        child_process p(path, argv);
        EXPECT_EQ(exit_of(p), "exit 2") << transcript(p);
        EXPECT_EQ(p.lines(stream::out), lines{});
        EXPECT_EQ(p.lines(stream::err), lines{program + ": " + message + " (try --help)"});
    }
}

// What is wrong with an endpoint before connecting is said at once, not after the timeout.
TEST(CommandLine, AClientSaysAtOnceWhatIsWrongWithAnEndpoint) {
    child_process bad_port(client_path, {"--router", "tcp://127.0.0.1:99999", "--sub",
                                         "tcp://127.0.0.1:5556", "-m", "hi"});
    EXPECT_EQ(exit_of(bad_port), "exit 2") << transcript(bad_port);
    EXPECT_EQ(bad_port.lines(stream::err),
              lines{"zchat-client: 'tcp://127.0.0.1:99999' has no valid port (1 to 65535) (try "
                    "--help)"});

    child_process unknown_host(client_path, {"--name", "x", "nosuchhost.invalid", "-m", "hi"});
    EXPECT_EQ(exit_of(unknown_host), "exit 1") << transcript(unknown_host);
    const lines err = unknown_host.lines(stream::err);
    ASSERT_EQ(err.size(), 1u) << transcript(unknown_host);
    EXPECT_TRUE(err[0].starts_with("! Cannot reach the chat server at "
                                   "tcp://nosuchhost.invalid:5555: cannot resolve the host "
                                   "'nosuchhost.invalid': "))
        << err[0];
}

// A command line that would send nothing is refused before connecting, not run as a success.
TEST(CommandLine, AClientMessageOrNameThatSaysNothingIsAUsageError) {
    const std::vector<std::pair<lines, std::string>> cases{
        {{"-m", ""}, "--message needs a text with something besides spaces and tabs"},
        {{"-m", " \t "}, "--message needs a text with something besides spaces and tabs"},
        {{"-m", "/bogus now"}, "--message: unknown command /bogus (//text sends /text)"},
        {{"-m", "/quit"}, "--message: /quit would send nothing"},
        {{"--name", "", "-m", "hi"}, "--name needs a non-empty name"},
        {{"-m", "hello", "world"},
         "-m takes one argument: quote a message of several words (-m 'hello world'), and give "
         "a HOST before -m"},
        {{"--message=hello", "world"},
         "-m takes one argument: quote a message of several words (-m 'hello world'), and give "
         "a HOST before -m"},
        {{"--timestamps", "--no-timestamps", "-m", "hi"},
         "give --timestamps or --no-timestamps, not both"},
        {{"--timestamp-format", "", "-m", "hi"},
         "--timestamp-format '' makes no time (or one over 200 bytes): give a strftime format, "
         "such as %H:%M"},
        {{"--timestamp-format", std::string(250, 'x'), "-m", "hi"},
         "--timestamp-format '" + std::string(250, 'x') +
             "' makes no time (or one over 200 bytes): give a strftime format, such as %H:%M"},
    };
    expect_usage_errors(client_path, "zchat-client",
                        {"--router", "tcp://127.0.0.1:1", "--sub", "tcp://127.0.0.1:1"}, cases);
}

TEST(CommandLine, AClientAskedForHelpWithMPrintsTheCommandsWithoutConnecting) {
    child_process p(client_path,
                    {"--router", "tcp://127.0.0.1:1", "--sub", "tcp://127.0.0.1:1", "-m", "/help"});
    EXPECT_EQ(exit_of(p), "exit 0") << transcript(p);
    ASSERT_FALSE(p.lines(stream::out).empty()) << transcript(p);
    EXPECT_EQ(p.lines(stream::out).front(), "Commands:");
    EXPECT_EQ(p.lines(stream::err), lines{});
}

TEST(ChatBroker, LimitFlagsOutOfRangeAreUsageErrors) {
    const std::vector<std::pair<lines, std::string>> cases{
        {{"--max-name-chars", "0"}, "--max-name-chars must be from 1 to 64"},
        {{"--max-name-chars", "65"}, "--max-name-chars must be from 1 to 64"},
        {{"--max-text-bytes", "0"}, "--max-text-bytes must be from 1 to 65536"},
        {{"--max-text-bytes", "65537"}, "--max-text-bytes must be from 1 to 65536"},
        {{"--max-text-bytes", "2000", "--max-frame-bytes", "2297"},
         "--max-frame-bytes must be from 2298 (a SAY or MSG of --max-text-bytes, and the longest "
         "other command) to 16777216"},
        // The longest other command is a PING from a session in the most rooms.
        {{"--max-text-bytes", "10", "--max-frame-bytes", "1438"},
         "--max-frame-bytes must be from 1439 (a SAY or MSG of --max-text-bytes, and the "
         "longest other command) to 16777216"},
        {{"--max-rooms", "0"}, "--max-rooms must be from 1 to 1000000"},
        {{"--max-errors", "1000001"}, "--max-errors must be from 0 to 1000000"},
        {{"--stats-interval", "0.001"}, "--stats-interval must be from 0.01 to 86400"},
        {{"--stats-interval", "86401"}, "--stats-interval must be from 0.01 to 86400"},
        {{"--stats-interval", "0"}, "--stats-interval must be from 0.01 to 86400"},
    };
    expect_usage_errors(broker_path, "zchat-broker", {}, cases);
}

TEST(ChatBroker, NameAndTextLimitsAreTheOnesGivenAndClientsAreToldThem) {
    running_broker broker({"--max-name-chars", "4", "--max-text-bytes", "10"});
    const auto client = [&](const std::string& name, const std::string& text) {
        return child_process(client_path, {"--router", broker.router(), "--sub", broker.pub(),
                                           "--name", name, "-m", text});
    };
    child_process long_name = client("alice", "hi");
    EXPECT_EQ(exit_of(long_name), "exit 1");
    ASSERT_EQ(long_name.lines(stream::err).size(), 1u) << transcript(long_name);
    EXPECT_NE(long_name.lines(stream::err)[0].find("E_TOO_LONG"), std::string::npos)
        << transcript(long_name);

    child_process fits = client("bob", "0123456789");
    EXPECT_EQ(exit_of(fits), "exit 0") << transcript(fits);
    EXPECT_EQ(fits.lines(stream::out), (lines{connected(1), "[You] 0123456789"}));

    child_process too_long = client("bob", "0123456789A");
    EXPECT_EQ(exit_of(too_long), "exit 1") << transcript(too_long);
    // The line that fitted is the room's history now.
    EXPECT_EQ(too_long.lines(stream::out), (lines{connected(1), "~ [bob] 0123456789"}));
}

// --timestamps puts the local time before every line (scripts see none unless they ask, which
// the other tests check); a line from the room's history shows when it was said, not when it
// arrived.
TEST_F(Chat, TimestampsShowWhenEachLineWasSaidHistoryIncluded) {
    using std::chrono::system_clock;
    const std::time_t before = system_clock::to_time_t(system_clock::now());
    child_process alice = client("alice", {"-m", "said first"});
    ASSERT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    std::this_thread::sleep_for(2500ms);
    child_process bob =
        client("bob", {"--timestamps", "--timestamp-format", "%s", "-m", "said later"});
    ASSERT_EQ(exit_of(bob), "exit 0") << transcript(bob);
    const std::time_t after = system_clock::to_time_t(system_clock::now());

    // Each line: the seconds since the epoch, a space, the line as it is without times.
    std::vector<std::time_t> times;
    lines shown;
    for (const std::string& line : bob.lines(stream::out)) {
        const auto space = line.find(' ');
        ASSERT_NE(space, std::string::npos) << line;
        times.push_back(std::stol(line.substr(0, space)));
        shown.push_back(line.substr(space + 1));
    }
    ASSERT_EQ(shown, (lines{connected(1), "~ [alice] said first", "[You] said later"}))
        << transcript(bob);
    EXPECT_GE(times[1], before);
    EXPECT_LE(times[1], before + 2) << "alice's line shows when she said it";
    EXPECT_GE(times[0] - times[1], 2) << "bob came 2.5 s after alice spoke";
    EXPECT_LE(times[0], after);
    EXPECT_GE(times[2], times[0]);
    EXPECT_LE(times[2], after);
}

// At a terminal every line starts with the time it arrived, and --no-timestamps leaves it out.
TEST_F(Chat, AtATerminalEveryLineStartsWithItsTimeUnlessAskedNotTo) {
    const auto alice = at_terminal("alice");
    ASSERT_TRUE(alice->wait_for(
        std::regex(R"([0-9]{2}:[0-9]{2} > Connected to the chat server \(1 user online\))")))
        << alice->screen();
    alice->type("hello\r");
    ASSERT_TRUE(alice->wait_for(std::regex(R"([0-9]{2}:[0-9]{2} \[You\] hello)")))
        << alice->screen();
    alice->type("/quit\r");
    EXPECT_EQ(alice->wait_for_exit(), 0) << alice->screen();

    const auto bob = at_terminal("bob", {"--no-timestamps"});
    ASSERT_TRUE(bob->wait_for(std::regex(R"(~ \[alice\] hello)"))) << bob->screen();
    EXPECT_TRUE(std::regex_search(
        bob->screen(), std::regex(R"(> Connected to the chat server \(1 user online\))")))
        << bob->screen();
    EXPECT_FALSE(std::regex_search(bob->screen(), std::regex("[0-9]{2}:[0-9]{2} ")))
        << bob->screen();
    bob->type("/quit\r");
    EXPECT_EQ(bob->wait_for_exit(), 0) << bob->screen();
}

// A paste (bracketed, as terminals send it) of several lines sends them in order as if typed one
// by one; what follows the last line end stays on the input line. More than five lines are sent
// only once the user says yes.
TEST_F(Chat, APasteOfSeveralLinesSendsEachInOrderAndAsksFirstForMany) {
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, "> Connected to the chat server (1 user online)"));
    const auto alice = at_terminal("alice", {"--no-timestamps"}, "xterm");
    ASSERT_TRUE(alice->wait_for(std::regex(R"(Connected to the chat server)"))) << alice->screen();
    const auto paste = [&](const std::string& text) {
        alice->type("\033[200~" + text + "\033[201~");
    };

    alice->type("so: ");
    paste("one\ntwo\r\nthree\rstill editing");
    for (const char* line : {"[alice] so: one", "[alice] two", "[alice] three"})
        ASSERT_TRUE(prints(bob, stream::out, line)) << alice->screen();
    alice->type(", done\r");
    ASSERT_TRUE(prints(bob, stream::out, "[alice] still editing, done")) << alice->screen();

    const std::string seven = "1\n2\n3\n4\n5\n6\n7\n";
    paste(seven);
    ASSERT_TRUE(alice->wait_for(std::regex(R"(Send 7 lines\? \[y/N\])"))) << alice->screen();
    alice->type("n\r");
    ASSERT_TRUE(alice->wait_for(std::regex("Not sent: the 7 pasted lines"))) << alice->screen();
    paste(seven);
    paste("a paste while asked\n"); // not taken: the question comes first
    ASSERT_TRUE(alice->wait_for(std::regex("this paste was not taken"))) << alice->screen();
    alice->type("y\r");
    ASSERT_TRUE(prints(bob, stream::out, "[alice] 7")) << alice->screen();
    lines said;
    for (const std::string& line : bob.lines(stream::out))
        if (line.starts_with("[alice] "))
            said.push_back(line.substr(8));
    EXPECT_EQ(said, (lines{"so: one", "two", "three", "still editing, done", "1", "2", "3", "4",
                           "5", "6", "7"}));

    // A start marker whose end never comes (typed by hand, or a paste cut off) does not hang
    // the client: after a second without input, what came is on the input line.
    alice->type("\033[200~no end marker");
    std::this_thread::sleep_for(1500ms);
    alice->type(", typed on\r");
    ASSERT_TRUE(prints(bob, stream::out, "[alice] no end marker, typed on")) << alice->screen();

    // A pasted /quit ends the input: what followed it is not sent, and the client says so.
    paste("bye\n/quit\nnot this\n");
    EXPECT_EQ(alice->wait_for_exit(), 0) << alice->screen();
    EXPECT_TRUE(std::regex_search(alice->screen(),
                                  std::regex(R"(Not sent: the 1 pasted line\(s\) after /quit)")))
        << alice->screen();
    ASSERT_TRUE(prints(bob, stream::out, "[alice] bye"));
    const lines heard = bob.lines(stream::out);
    EXPECT_EQ(std::count(heard.begin(), heard.end(), "[alice] not this"), 0);
}

// Up recalls what was typed before, in this run and in earlier ones: the input history is kept
// in $XDG_STATE_HOME/zchat/history, readable by its owner only. /clear clears the screen.
TEST_F(Chat, UpRecallsLinesTypedInAnEarlierRunAndClearClearsTheScreen) {
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, "> Connected to the chat server (1 user online)"));
    const auto first = at_terminal("alice", {"--no-timestamps"}, "xterm");
    ASSERT_TRUE(first->wait_for(std::regex("Connected to the chat server"))) << first->screen();
    first->type("said in the first run\r");
    ASSERT_TRUE(prints(bob, stream::out, "[alice] said in the first run"));
    first->type("/clear\r");
    ASSERT_TRUE(first->wait_for(std::regex("\033\\[H\033\\[2J"))) << first->screen();
    first->type("/quit\r");
    ASSERT_EQ(first->wait_for_exit(), 0) << first->screen();

    const std::filesystem::path history = state_.path() / "zchat" / "history";
    std::ifstream kept(history);
    lines typed;
    for (std::string line; std::getline(kept, line);)
        typed.push_back(line);
    EXPECT_EQ(typed, (lines{"said in the first run", "/clear", "/quit"}));
    EXPECT_EQ(std::filesystem::status(history).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

    const auto second = at_terminal("alice", {"--no-timestamps"}, "xterm");
    ASSERT_TRUE(second->wait_for(std::regex("Connected to the chat server"))) << second->screen();
    second->type("\033[A\033[A\033[A\r"); // Up three times: /quit, /clear, then the line
    ASSERT_TRUE(second->wait_for(std::regex(R"(\[You\] said in the first run)")))
        << second->screen();
    ASSERT_TRUE(prints(bob, stream::out, "[alice] said in the first run"));
    const lines heard = bob.lines(stream::out);
    EXPECT_EQ(std::count(heard.begin(), heard.end(), "[alice] said in the first run"), 2);
    second->type("/quit\r");
    EXPECT_EQ(second->wait_for_exit(), 0) << second->screen();
}

// On a terminal that takes colour, a speaker's name has its colour; with NO_COLOR or TERM=dumb
// not one SGR sequence is written. A line that names you rings the bell, unless --no-bell.
TEST_F(Chat, ColourFollowsTheTerminalAndALineNamingYouRingsTheBell) {
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, "> Connected to the chat server (1 user online)"));
    struct terminal_case {
        std::string term;
        std::string no_colour;
        lines extra;
        bool colour;
        bool bell;
    };
    const std::regex sgr("\033\\[[0-9;]*m");
    int said = 0;
    for (const terminal_case& t :
         {terminal_case{"xterm", "", {}, true, true}, terminal_case{"xterm", "1", {}, false, true},
          terminal_case{"dumb", "", {}, false, true},
          terminal_case{"xterm", "", {"--no-bell"}, true, false}}) {
        SCOPED_TRACE("TERM=" + t.term + " NO_COLOR=" + t.no_colour);
        lines args{"--router", broker_.router(), "--sub", broker_.pub(), "--name", "alice"};
        args.insert(args.end(), t.extra.begin(), t.extra.end());
        pty_process alice(client_path, args,
                          {"TERM=" + t.term, "NO_COLOR=" + t.no_colour,
                           "XDG_STATE_HOME=" + state_.path().string()});
        ASSERT_TRUE(alice.wait_for(std::regex("Connected to the chat server"))) << alice.screen();
        const std::string line = "hey alice, are you there " + std::to_string(++said);
        bob.write(line + "\n");
        ASSERT_TRUE(alice.wait_for(std::regex(line + "(\033\\[0m)?\a?\r?\n"))) << alice.screen();
        EXPECT_EQ(std::regex_search(alice.screen(), sgr), t.colour) << alice.screen();
        EXPECT_EQ(alice.screen().find('\a') != std::string::npos, t.bell) << alice.screen();
        if (t.colour) { // the speaker's name in a colour of its own
            EXPECT_TRUE(
                std::regex_search(alice.screen(), std::regex("\\[\033\\[[0-9]+mbob\033\\[39m\\]")))
                << alice.screen();
        }
        alice.type("/quit\r");
        EXPECT_EQ(alice.wait_for_exit(), 0) << alice.screen();
    }
}

// --log FILE records every line shown, each after its full ISO 8601 time, in a file only its
// owner may read, appending run after run; a file that cannot be opened is a usage error.
TEST_F(Chat, ATranscriptRecordsEveryLineShownWithItsFullTime) {
    const temp_dir dir;
    const std::string log = dir / "chat.log";
    child_process bob = client("bob");
    ASSERT_TRUE(prints(bob, stream::out, "> Connected to the chat server (1 user online)"));
    for (const char* said : {"first run", "second run"}) {
        child_process alice = client("alice", {"--log", log, "--history", "0"});
        ASSERT_TRUE(prints(alice, stream::out, "> Connected to the chat server (2 users online)"));
        alice.write(std::string{said} + "\n");
        ASSERT_TRUE(prints(alice, stream::out, "[You] "s + said));
        bob.write("heard: "s + said + "\n");
        ASSERT_TRUE(prints(alice, stream::out, "[bob] heard: "s + said));
        alice.close_stdin();
        EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    }

    struct stat info {};
    ASSERT_EQ(::stat(log.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    std::ifstream file(log);
    const std::regex record(
        R"(([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}) (.*))");
    lines texts;
    for (std::string line; std::getline(file, line);) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(line, m, record)) << line;
        texts.push_back(m[2]);
    }
    EXPECT_EQ(texts,
              (lines{"> Connected to the chat server (2 users online)", "[You] first run",
                     "[bob] heard: first run", "> Connected to the chat server (2 users online)",
                     "[You] second run", "[bob] heard: second run"}));

    child_process nowhere = client("carol", {"--log", dir / "missing/chat.log"});
    EXPECT_EQ(exit_of(nowhere), "exit 2") << transcript(nowhere);
    EXPECT_EQ(nowhere.lines(stream::err),
              lines{"zchat-client: cannot open the transcript " + (dir / "missing/chat.log") +
                    ": No such file or directory"});
    child_process unnamed = client("carol", {"--log", ""});
    EXPECT_EQ(exit_of(unnamed), "exit 2") << transcript(unnamed);
    EXPECT_EQ(unnamed.lines(stream::err),
              lines{"zchat-client: --log needs a file name (try --help)"});
}

// A config file sets what it names; a flag given as well wins.
TEST(ChatBroker, AConfigFileSetsTheBrokerAndFlagsOverrideIt) {
    const temp_dir dir;
    const std::string conf = dir.write(
        "broker.conf", "# limits for this test\nmax-name-chars = 4\nmax-text-bytes = 100\n");
    running_broker broker({"--config", conf, "--max-text-bytes", "10"});
    const auto client = [&](const std::string& name, const std::string& text) {
        return child_process(client_path, {"--router", broker.router(), "--sub", broker.pub(),
                                           "--name", name, "-m", text});
    };
    child_process long_name = client("alice", "hi"); // the file's 4 characters
    EXPECT_EQ(exit_of(long_name), "exit 1") << transcript(long_name);
    child_process fits = client("bob", "0123456789");
    EXPECT_EQ(exit_of(fits), "exit 0") << transcript(fits);
    child_process too_long = client("bob", "0123456789A"); // the flag's 10 bytes, not 100
    EXPECT_EQ(exit_of(too_long), "exit 1") << transcript(too_long);
}

// --test-config checks file, flags and key files, binds nothing, and says what is wrong where.
TEST(ChatBroker, TestConfigChecksWithoutBindingAndAnUnusableConfigurationExits78) {
    running_broker taken;
    const temp_dir dir;
    // The endpoints are in use: a broker that bound them would fail.
    const std::string good = dir.write("good.conf", "router = " + taken.router() +
                                                        "\npub = " + taken.pub() + "\nrate = 5\n");
    child_process ok(broker_path, {"--config", good, "--test-config"});
    EXPECT_EQ(exit_of(ok), "exit 0") << transcript(ok);
    EXPECT_EQ(ok.lines(stream::out), lines{"zchat-broker: configuration OK"});
    // The example shipped with the broker is a usable configuration too.
    child_process example(broker_path, {"--config", example_config, "--test-config"});
    EXPECT_EQ(exit_of(example), "exit 0") << transcript(example);

    const std::string bad = dir.write("bad.conf", "rate = 5\nlivenes = 3\n");
    const std::string keyless =
        dir.write("keyless.conf", "curve-secret = " + (dir / "none") + "\n");
    const std::vector<std::pair<lines, std::string>> cases{
        {{"--config", bad, "--test-config"}, bad + ":2: unknown setting 'livenes'"},
        {{"--config", bad}, bad + ":2: unknown setting 'livenes'"},
        {{"--config", dir / "missing.conf"},
         "cannot read " + (dir / "missing.conf") + ": No such file or directory"},
        {{"--config", keyless}, "cannot read " + (dir / "none") + ": No such file or directory"},
        {{"--config", good, "--test-config", "--liveness", "0"},
         "--liveness must be from 1 to 1000 (try --help)"},
    };
    for (const auto& [args, message] : cases) {
        SCOPED_TRACE(message);
        child_process p(broker_path, args);
        EXPECT_EQ(exit_of(p), "exit 78") << transcript(p);
        EXPECT_EQ(p.lines(stream::out), lines{});
        EXPECT_EQ(p.lines(stream::err), lines{"zchat-broker: " + message});
    }
}

// SIGHUP reads the configuration again: what can change while running changes, at once and
// without dropping anyone; a file that cannot be used changes nothing, and the broker goes on.
TEST(ChatBroker, SighupAppliesTheConfigurationAgainAndABadOneChangesNothing) {
    const temp_dir dir;
    const std::string conf = dir.write("broker.conf", "max-clients = 10\n");
    running_broker broker({"--config", conf});
    const auto client = [&](const std::string& name) {
        return child_process(client_path,
                             {"--router", broker.router(), "--sub", broker.pub(), "--name", name});
    };
    child_process alice = client("alice");
    ASSERT_TRUE(prints(alice, stream::out, connected(1)));

    dir.write("broker.conf", "max-clients = 1\nliveness = 9\n");
    broker.process().send_signal(SIGHUP);
    EXPECT_TRUE(broker.process().wait_for_line(
        stream::err, log_entry("INFO reload changed=\"max-clients 10 -> 1\"")));
    EXPECT_TRUE(broker.process().wait_for_line(
        stream::err, log_entry("WARN reload-needs-restart left-as-it-was=liveness")));
    child_process bob = client("bob");
    bob.close_stdin();
    EXPECT_EQ(exit_of(bob), "exit 1") << transcript(bob);
    EXPECT_EQ(bob.lines(stream::err),
              lines{"! Cannot join the chat: the server is full (1 clients) (E_SERVER_FULL)"});

    dir.write("broker.conf", "max-clients = none\n");
    broker.process().send_signal(SIGHUP);
    EXPECT_TRUE(broker.process().wait_for_line(
        stream::err, log_entry("ERROR reload-failed reason=\"" + conf +
                               ":1: max-clients must be a whole number ('none' is not)\"")));
    alice.write("still here\n");
    EXPECT_TRUE(prints(alice, stream::out, "[You] still here"));
    EXPECT_EQ(broker.stop(), 0);
}

// Under systemd (Type=notify) the broker says READY=1 once both endpoints are bound, and
// STOPPING=1 when it stops: the notification socket here stands in for systemd's.
// A datagram socket standing in for systemd's notification socket: its path, and the next
// notice a process sent to it.
class notify_socket {
public:
    explicit notify_socket(std::string path) : path_(std::move(path)) {
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (fd_ < 0 || path_.size() >= sizeof address.sun_path)
            throw std::runtime_error("cannot make a notification socket");
        path_.copy(address.sun_path, path_.size());
        if (bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("cannot bind " + path_);
        const timeval wait{5, 0};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    }
    ~notify_socket() { close(fd_); }
    notify_socket(const notify_socket&) = delete;
    notify_socket& operator=(const notify_socket&) = delete;

    const std::string& path() const { return path_; }
    std::string next_notice() const {
        std::array<char, 256> text{};
        const ssize_t got = recv(fd_, text.data(), text.size(), 0);
        return got > 0 ? std::string(text.data(), static_cast<std::size_t>(got)) : "(nothing)";
    }

private:
    std::string path_;
    int fd_ = -1;
};

TEST(ChatBroker, ItTellsSystemdWhenItIsReadyAndWhenItStops) {
    const temp_dir dir;
    const notify_socket systemd(dir / "notify");
    running_broker broker(
        broker_options{.wrapper = {"/usr/bin/env", "NOTIFY_SOCKET=" + systemd.path()}});
    EXPECT_EQ(systemd.next_notice(), "READY=1");
    EXPECT_EQ(broker.stop(), 0);
    EXPECT_EQ(systemd.next_notice(), "STOPPING=1");
}

// With WatchdogSec= set, systemd passes WATCHDOG_USEC and expects WATCHDOG=1 within it, or it
// kills the broker as hung: the loop says so twice per period, busy or idle.
TEST(ChatBroker, UnderASystemdWatchdogItSaysItIsAliveTwicePerPeriod) {
    const temp_dir dir;
    const notify_socket systemd(dir / "notify");
    running_broker broker(broker_options{
        .wrapper = {"/usr/bin/env", "NOTIFY_SOCKET=" + systemd.path(), "WATCHDOG_USEC=400000"}});
    EXPECT_EQ(systemd.next_notice(), "READY=1");
    const auto first = std::chrono::steady_clock::now();
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(systemd.next_notice(), "WATCHDOG=1") << i;
    // The first comes at once, the next five 200 ms apart: 1 s. One every 400 ms (the whole
    // period: too late by systemd's count) would take 2 s.
    EXPECT_LT(std::chrono::steady_clock::now() - first, std::chrono::milliseconds(1500));
    EXPECT_EQ(broker.stop(), 0);
}

// --log FILE appends the log to FILE; after logrotate has moved it away, SIGUSR1 makes the
// broker open FILE anew, and what follows goes there.
TEST(ChatBroker, LogsToAFileThatSigusr1Reopens) {
    const temp_dir dir;
    const std::string log = dir / "broker.log";
    running_broker broker({"--log", log});
    const auto read_log = [](const std::string& path) {
        std::ifstream in(path);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    };
    child_process alice(client_path, {"--router", broker.router(), "--sub", broker.pub(), "--name",
                                      "alice", "-m", "secret words"});
    EXPECT_EQ(exit_of(alice), "exit 0") << transcript(alice);
    std::filesystem::rename(log, log + ".1");
    broker.process().send_signal(SIGUSR1);
    // The reopening is logged in the new file: wait for it, bounded.
    for (int i = 0; i < 100 && read_log(log).find(" INFO log-reopened") == std::string::npos; ++i)
        std::this_thread::sleep_for(50ms);
    child_process bob(client_path, {"--router", broker.router(), "--sub", broker.pub(), "--name",
                                    "bob", "-m", "hi"});
    EXPECT_EQ(exit_of(bob), "exit 0") << transcript(bob);
    EXPECT_EQ(broker.stop(), 0);

    const std::string before = read_log(log + ".1");
    const std::string after = read_log(log);
    EXPECT_NE(before.find(" INFO started router="), std::string::npos) << before;
    EXPECT_NE(before.find(" INFO join name=alice room=lobby online=1\n"), std::string::npos)
        << before;
    EXPECT_EQ(before.find("secret words"), std::string::npos) << "chat text logged: " << before;
    EXPECT_EQ(before.find("bob"), std::string::npos) << before;
    EXPECT_NE(after.find(" INFO log-reopened\n"), std::string::npos) << after;
    EXPECT_NE(after.find(" INFO join name=bob room=lobby online=1\n"), std::string::npos) << after;
    EXPECT_NE(after.find(" INFO stopped "), std::string::npos) << after;
    EXPECT_EQ(broker.process().lines(stream::err), lines{});
}

// --log-level picks what is logged; -v and -q move it a level, after the file and the flag.
TEST(ChatBroker, TheLogLevelChoosesWhatIsLoggedAndVerboseAndQuietMoveIt) {
    const auto run = [](const lines& args) {
        running_broker broker(args);
        child_process ci(client_path, {"--router", broker.router(), "--sub", broker.pub(), "--name",
                                       "ci", "-m", "hello there"});
        EXPECT_EQ(exit_of(ci), "exit 0") << transcript(ci);
        EXPECT_EQ(broker.stop(), 0);
        return log_entries(broker.process());
    };
    const auto has = [](const lines& log, std::string_view start) {
        return std::any_of(log.begin(), log.end(),
                           [&](const std::string& l) { return l.starts_with(start); });
    };
    const lines debug = run({"--log-level", "debug"});
    EXPECT_TRUE(has(debug, "DEBUG say name=ci room=lobby text=\"hello there\""))
        << testing::PrintToString(debug);
    EXPECT_TRUE(has(debug, "INFO join name=ci room=lobby online=1"));
    const lines verbose = run({"-v"});
    EXPECT_TRUE(has(verbose, "DEBUG say name=ci room=lobby text=\"hello there\""));
    const lines info = run({});
    EXPECT_FALSE(has(info, "DEBUG")) << testing::PrintToString(info);
    EXPECT_TRUE(has(info, "INFO join name=ci room=lobby online=1"));
    EXPECT_EQ(run({"-q"}), lines{});
    EXPECT_EQ(run({"--log-level", "debug", "-qq"}), lines{});

    child_process bad(broker_path, {"--log-level", "loud"});
    EXPECT_EQ(exit_of(bad), "exit 2");
    EXPECT_EQ(bad.lines(stream::err),
              lines{"zchat-broker: --log-level must be error, warn, info or debug ('loud' is not) "
                    "(try --help)"});
    const temp_dir dir;
    const std::string nowhere = dir / "missing/broker.log";
    child_process unwritable(broker_path, {"--log", nowhere});
    EXPECT_EQ(exit_of(unwritable), "exit 78");
    EXPECT_EQ(unwritable.lines(stream::err), lines{"zchat-broker: cannot open log file " + nowhere +
                                                   ": No such file or directory"});
}

TEST(ChatBroker, ExitsOneWhenItsPortIsInUse) {
    running_broker first;
    for (const bool router_taken : {true, false}) {
        const std::string taken = router_taken ? first.router() : first.pub();
        SCOPED_TRACE(taken);
        child_process second(broker_path, {"--router", router_taken ? taken : "tcp://127.0.0.1:*",
                                           "--pub", router_taken ? "tcp://127.0.0.1:*" : taken});
        EXPECT_EQ(exit_of(second), "exit 1") << transcript(second);
        EXPECT_EQ(second.lines(stream::out), lines{});
        EXPECT_EQ(second.lines(stream::err),
                  lines{std::string{"zchat-broker: cannot bind "} +
                        (router_taken ? "router" : "pub") + " endpoint '" + taken +
                        "': Address already in use"});
    }
    // The first broker is unharmed: it still takes a client.
    child_process ci(client_path, {"--router", first.router(), "--sub", first.pub(), "--name", "ci",
                                   "-m", "still up"});
    EXPECT_EQ(exit_of(ci), "exit 0") << transcript(ci);
    first.process().send_signal(SIGINT);
    EXPECT_EQ(exit_of(first.process()), "exit 0") << transcript(first.process());
}

} // namespace
} // namespace zchat::test
