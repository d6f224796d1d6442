// The receive thread against a real broker server on loopback. The test plays the terminal
// thread: it binds the pipe, sends what a user would type, and reads what would be printed.
#include "broker/server.hpp"
#include "client/pipe.hpp"
#include "client/session.hpp"
#include "tests/broker/in_process_broker.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace zchat::client {
namespace {

using namespace std::chrono_literals;

// One client session in its own thread, with the test holding the terminal's end of the pipe.
class client_under_test {
public:
    client_under_test(zmq::context_t& ctx, session_options options)
        : pipe_(ctx, zmq::socket_type::pair), endpoint_(next_endpoint()) {
        pipe_.set(zmq::sockopt::rcvtimeo, 10000);
        pipe_.bind(endpoint_);
        session_ = std::make_unique<session>(ctx, std::move(options), endpoint_);
        thread_ = std::thread([this] { session_->run(); });
    }
    ~client_under_test() {
        if (thread_.joinable()) {
            pipe::send(pipe_, pipe_message::quit());
            wait_exit();
        }
    }

    void type(const pipe_message& m) { pipe::send(pipe_, m); }

    // The next printed line; fails the test on "done" or after the receive timeout.
    std::string next_line() {
        const auto m = receive();
        EXPECT_EQ(m.kind, pipe_kind::print) << "session ended early";
        return m.text;
    }

    // Reads until "done" and returns the exit code; printed lines are kept in `printed`.
    int wait_exit() {
        for (;;) {
            const auto m = receive();
            if (m.kind == pipe_kind::done) {
                thread_.join();
                return m.exit_code;
            }
            printed.push_back(m.text);
        }
    }

    std::vector<std::string> printed;
    // The link's statuses the session told, in order; not counted as printed lines.
    std::vector<std::string> statuses;
    // The lines for -v, in order; not counted as printed lines, as a terminal does not show them
    // by default.
    std::vector<std::string> details;
    // The typed ids of the lines the session settled, in order.
    std::vector<std::uint32_t> settled;

private:
    static std::string next_endpoint() {
        static int counter = 0;
        return "inproc://session-test-" + std::to_string(++counter);
    }
    pipe_message receive() {
        zmq::message_t frame;
        if (!pipe_.recv(frame))
            throw std::runtime_error("timed out waiting for the session");
        auto m = decode_pipe_message(frame.to_string_view());
        if (!m)
            throw std::runtime_error("the session sent a frame that is not a pipe message");
        if (m->kind == pipe_kind::status) {
            statuses.push_back(m->text);
            return receive();
        }
        if (m->kind == pipe_kind::settled) {
            settled.push_back(m->typed_id);
            return receive();
        }
        if (m->kind == pipe_kind::print && m->look == style::detail) {
            details.push_back(m->text);
            return receive();
        }
        return *m;
    }

    zmq::socket_t pipe_;
    std::string endpoint_;
    std::unique_ptr<session> session_;
    std::thread thread_;
};

session_options options_for(const test::in_process_broker& b, std::string name) {
    session_options o;
    o.router_endpoint = b.router();
    o.sub_endpoint = b.pub();
    o.name = std::move(name);
    return o;
}

TEST(ClientSession, JoinsSendsAndLeavesCleanlyAtEndOfInput) {
    zmq::context_t ctx;
    test::in_process_broker broker(ctx, broker::config{});
    client_under_test alice(ctx, options_for(broker, "alice"));
    EXPECT_EQ(alice.next_line(), "> Connected to the chat server (1 user online)");
    alice.type(pipe_message::say("Hello", 1));
    EXPECT_EQ(alice.next_line(), "[You] Hello");
    alice.type(pipe_message::eof());
    EXPECT_EQ(alice.wait_exit(), runtime::exit_ok);
    EXPECT_TRUE(alice.printed.empty());
    // The terminal heard the line was settled before it was shown as sent.
    EXPECT_EQ(alice.settled, (std::vector<std::uint32_t>{1}));
    // The terminal heard it was connecting until the join, then that all was well.
    EXPECT_EQ(alice.statuses, (std::vector<std::string>{"connecting", ""}));
    // And, for -v, where it connected and what the broker announced.
    ASSERT_EQ(alice.details.size(), 2u);
    EXPECT_EQ(alice.details[0], "* Connecting to " + broker.router() + " (commands) and " +
                                    broker.pub() + " (events)");
    EXPECT_TRUE(alice.details[1].starts_with("* Session ")) << alice.details[1];
}

TEST(ClientSession, LinesTypedBeforeTheJoinAreSentAfterIt) {
    zmq::context_t ctx;
    test::in_process_broker broker(ctx, broker::config{});
    client_under_test alice(ctx, options_for(broker, "alice"));
    alice.type(pipe_message::say("early"));
    alice.type(pipe_message::who());
    alice.type(pipe_message::eof());
    EXPECT_EQ(alice.wait_exit(), runtime::exit_ok);
    const std::vector<std::string> expected{"> Connected to the chat server (1 user online)",
                                            "[You] early", "Online (1): alice"};
    EXPECT_EQ(alice.printed, expected);
}

TEST(ClientSession, SeesOthersChatAndLeave) {
    zmq::context_t ctx;
    test::in_process_broker broker(ctx, broker::config{});
    client_under_test alice(ctx, options_for(broker, "alice"));
    EXPECT_EQ(alice.next_line(), "> Connected to the chat server (1 user online)");
    {
        client_under_test bob(ctx, options_for(broker, "bob"));
        EXPECT_EQ(bob.next_line(), "> Connected to the chat server (2 users online)");
        EXPECT_EQ(alice.next_line(), "> New user bob entered (2 users online)");
        bob.type(pipe_message::say("World"));
        EXPECT_EQ(bob.next_line(), "[You] World");
        EXPECT_EQ(alice.next_line(), "[bob] World");
        bob.type(pipe_message::quit());
        EXPECT_EQ(bob.wait_exit(), runtime::exit_ok);
    }
    EXPECT_EQ(alice.next_line(), "< The user bob left (1 user online)");
}

TEST(ClientSession, ScriptFasterThanTheRateLimitIsSlowedDownNeverRefused) {
    zmq::context_t ctx;
    broker::config cfg;
    cfg.rate_per_second = 40;
    cfg.rate_burst = 4;
    test::in_process_broker broker(ctx, cfg);
    client_under_test alice(ctx, options_for(broker, "alice"));
    constexpr int lines = 30;
    for (int i = 1; i <= lines; ++i)
        alice.type(pipe_message::say("line " + std::to_string(i)));
    alice.type(pipe_message::eof());
    EXPECT_EQ(alice.wait_exit(), runtime::exit_ok);
    ASSERT_EQ(alice.printed.size(), lines + 1u);
    for (int i = 1; i <= lines; ++i)
        EXPECT_EQ(alice.printed[static_cast<std::size_t>(i)], "[You] line " + std::to_string(i));
}

TEST(ClientSession, LineRefusedLocallyIsReportedAndFailsTheExit) {
    zmq::context_t ctx;
    test::in_process_broker broker(ctx, broker::config{});
    client_under_test alice(ctx, options_for(broker, "alice"));
    EXPECT_EQ(alice.next_line(), "> Connected to the chat server (1 user online)");
    alice.type(pipe_message::say("bell\x07"));
    alice.type(pipe_message::eof());
    EXPECT_EQ(alice.wait_exit(), runtime::exit_failure);
    const std::vector<std::string> expected{"! Not sent: text contains a control character",
                                            "! 1 line(s) were not delivered"};
    EXPECT_EQ(alice.printed, expected);
}

TEST(ClientSession, TakenNameEndsTheSessionWithTheBrokersReason) {
    zmq::context_t ctx;
    test::in_process_broker broker(ctx, broker::config{});
    client_under_test alice(ctx, options_for(broker, "alice"));
    EXPECT_EQ(alice.next_line(), "> Connected to the chat server (1 user online)");
    client_under_test impostor(ctx, options_for(broker, "Alice"));
    EXPECT_EQ(impostor.wait_exit(), runtime::exit_failure);
    ASSERT_EQ(impostor.printed.size(), 1u);
    EXPECT_EQ(impostor.printed[0],
              "! Cannot join the chat: the name 'Alice' is already in use (E_NAME_TAKEN)");
}

TEST(ClientSession, UnreachableBrokerFailsWithinTheConnectTimeout) {
    zmq::context_t ctx;
    session_options o;
    o.router_endpoint = "tcp://127.0.0.1:1"; // nothing listens on port 1
    o.sub_endpoint = "tcp://127.0.0.1:1";
    o.name = "alice";
    o.connect_timeout = 200ms;
    client_under_test alice(ctx, o);
    EXPECT_EQ(alice.wait_exit(), runtime::exit_failure);
    ASSERT_EQ(alice.printed.size(), 1u);
    EXPECT_EQ(alice.printed[0],
              "! Cannot reach the chat server at tcp://127.0.0.1:1 (no answer within 0 s)");
}

TEST(ClientSession, SubscriberThatNeverConfirmsFailsInsteadOfPretending) {
    zmq::context_t ctx;
    test::in_process_broker broker(ctx, broker::config{});
    session_options o = options_for(broker, "alice");
    o.sub_endpoint = "tcp://127.0.0.1:1";
    o.join_timeout = 300ms;
    client_under_test alice(ctx, o);
    EXPECT_EQ(alice.wait_exit(), runtime::exit_failure);
    ASSERT_EQ(alice.printed.size(), 1u);
    EXPECT_NE(alice.printed[0].find("no events arrive from tcp://127.0.0.1:1"), std::string::npos);
    EXPECT_NE(alice.printed[0].find("check --sub"), std::string::npos);
}

TEST(ClientSession, MalformedEndpointIsAUsageError) {
    zmq::context_t ctx;
    session_options o;
    o.router_endpoint = "not-an-endpoint";
    o.name = "alice";
    client_under_test alice(ctx, o);
    EXPECT_EQ(alice.wait_exit(), runtime::exit_usage);
}

} // namespace
} // namespace zchat::client
