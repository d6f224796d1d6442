// The bench's own DEALER and SUB connections against libzmq's ROUTER and PUB, the peers they
// have to satisfy: a SUB gets what it subscribes to and nothing else and stops when it
// unsubscribes; a DEALER's queued messages arrive whole and in order and its replies come back;
// both keep a heartbeating peer's connection by answering its PINGs, and say what went wrong
// when they cannot.
#include "tools/bench/zmtp_connection.hpp"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace zchat::bench {
namespace {

using std::chrono::milliseconds;
using clock = std::chrono::steady_clock;

using message = std::vector<std::string>;

// Waits up to `limit` for the subscriber's descriptor and returns every message it then holds.
std::vector<message> take(zmtp_connection& sub, milliseconds limit) {
    pollfd watched{sub.fd(), POLLIN, 0};
    poll(&watched, 1, static_cast<int>(limit.count()));
    std::vector<message> got;
    std::vector<std::string_view> frames;
    while (sub.receive(frames))
        got.emplace_back(frames.begin(), frames.end());
    return got;
}

void publish(zmq::socket_t& pub, const message& m) {
    for (std::size_t i = 0; i < m.size(); ++i)
        pub.send(zmq::buffer(m[i]),
                 i + 1 < m.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

// Publishes `m` every 10 ms until the subscriber has it (its subscription has reached the PUB),
// for up to 3 s; returns everything received on the way. Copies of `m` published meanwhile may
// still come afterwards: later checks drop them (without_copies).
std::vector<message> publish_until_received(zmq::socket_t& pub, zmtp_connection& sub,
                                            const message& m) {
    std::vector<message> got;
    const auto give_up = clock::now() + std::chrono::seconds(3);
    while (clock::now() < give_up) {
        publish(pub, m);
        for (message& r : take(sub, milliseconds(10)))
            got.push_back(std::move(r));
        if (!got.empty() && got.back() == m)
            break;
    }
    return got;
}

std::vector<message> without_copies(std::vector<message> got, const message& m) {
    std::erase(got, m);
    return got;
}

// Takes messages for up to 2 s until one equal to `last` has come; returns them all.
std::vector<message> take_until(zmtp_connection& sub, const message& last) {
    std::vector<message> got;
    for (int i = 0; i < 100 && (got.empty() || got.back() != last); ++i)
        for (message& m : take(sub, milliseconds(20)))
            got.push_back(std::move(m));
    return got;
}

class ZmtpConnection : public ::testing::Test {
protected:
    std::string bind(const std::string& endpoint) {
        pub_.bind(endpoint);
        return pub_.get(zmq::sockopt::last_endpoint);
    }

    zmq::context_t ctx_;
    zmq::socket_t pub_{ctx_, zmq::socket_type::pub};
};

TEST_F(ZmtpConnection, ReceivesWhatItSubscribedToAndNothingElse) {
    zmtp_connection sub(bind("tcp://127.0.0.1:*"), "SUB");
    sub.subscribe("chat/lobby/");
    const message line = {"chat/lobby/", "hello"};
    const auto got = publish_until_received(pub_, sub, line);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back(), line);

    // A long frame, several frames, and another topic in between.
    const message big = {"chat/lobby/", std::string(70000, 'x'), "third"};
    publish(pub_, {"chat/ops/", "not for us"});
    publish(pub_, big);
    EXPECT_EQ(without_copies(take_until(sub, big), line), std::vector<message>{big});
}

TEST_F(ZmtpConnection, StopsReceivingATopicItUnsubscribed) {
    zmtp_connection sub(bind("tcp://127.0.0.1:*"), "SUB");
    sub.subscribe("probe/7/");
    ASSERT_FALSE(publish_until_received(pub_, sub, {"probe/7/", "p"}).empty());
    sub.unsubscribe("probe/7/");
    // The PUB takes a connection's (un)subscriptions in order: once what the next subscription
    // selects arrives, the cancellation before it is in force.
    sub.subscribe("sync/");
    ASSERT_FALSE(publish_until_received(pub_, sub, {"sync/", "s"}).empty());
    publish(pub_, {"probe/7/", "late"});
    publish(pub_, {"sync/", "last"});
    EXPECT_EQ(without_copies(take_until(sub, {"sync/", "last"}), {"sync/", "s"}),
              (std::vector<message>{{"sync/", "last"}}));
}

TEST_F(ZmtpConnection, AnswersPingsSoAHeartbeatingPublisherKeepsTheConnection) {
    // libzmq closes a connection that sends nothing within 300 ms of its PING.
    pub_.set(zmq::sockopt::heartbeat_ivl, 50);
    pub_.set(zmq::sockopt::heartbeat_timeout, 300);
    zmtp_connection sub(bind("tcp://127.0.0.1:*"), "SUB");
    sub.subscribe("a/");
    const message first = {"a/", "first"};
    ASSERT_FALSE(publish_until_received(pub_, sub, first).empty());
    // A second of silence but PINGs, read as they come.
    const auto quiet_until = clock::now() + milliseconds(1000);
    while (clock::now() < quiet_until)
        EXPECT_TRUE(without_copies(take(sub, milliseconds(10)), first).empty());
    publish(pub_, {"a/", "still here"});
    EXPECT_EQ(without_copies(take_until(sub, {"a/", "still here"}), first),
              (std::vector<message>{{"a/", "still here"}}));
}

TEST_F(ZmtpConnection, ConnectsOverIpcToo) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("zchat-zmtp-" + std::to_string(getpid()) + ".ipc");
    zmtp_connection sub(bind("ipc://" + path.string()), "SUB");
    sub.subscribe("x/");
    const auto got = publish_until_received(pub_, sub, {"x/", "over ipc"});
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back(), (message{"x/", "over ipc"}));
    std::filesystem::remove(path);
}

TEST(ZmtpDealer, QueuedMessagesGoWholeAndInOrderOnFlushAndRepliesComeBack) {
    zmq::context_t ctx;
    zmq::socket_t router(ctx, zmq::socket_type::router);
    router.bind("tcp://127.0.0.1:*");
    zmtp_connection dealer(router.get(zmq::sockopt::last_endpoint), "DEALER");
    // Queued before the handshake is over: held until the ROUTER's READY has been read.
    const std::vector<std::string_view> hello = {"HELLO", "alice"};
    const std::string text(300, 's');
    const std::vector<std::string_view> say = {"SAY", "", text};
    ASSERT_TRUE(dealer.queue(hello));
    dealer.flush();
    ASSERT_TRUE(dealer.queue(say));
    dealer.flush();
    std::vector<message> arrived;
    zmq::message_t routing_id;
    const auto give_up = clock::now() + std::chrono::seconds(3);
    while (arrived.size() < 2 && clock::now() < give_up) {
        EXPECT_TRUE(take(dealer, milliseconds(10)).empty());
        std::vector<zmq::message_t> parts;
        while (zmq::recv_multipart(router, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
            routing_id.copy(parts.front());
            arrived.emplace_back();
            for (std::size_t i = 1; i < parts.size(); ++i)
                arrived.back().push_back(parts[i].to_string());
            parts.clear();
        }
    }
    ASSERT_EQ(arrived.size(), 2u);
    EXPECT_EQ(arrived[0], (message{"HELLO", "alice"}));
    EXPECT_EQ(arrived[1], (message{"SAY", "", text}));

    router.send(routing_id, zmq::send_flags::sndmore);
    router.send(zmq::str_buffer("ACK"), zmq::send_flags::sndmore);
    router.send(zmq::str_buffer("7"));
    std::vector<message> replies;
    for (int i = 0; i < 100 && replies.empty(); ++i)
        replies = take(dealer, milliseconds(20));
    EXPECT_EQ(replies, (std::vector<message>{{"ACK", "7"}}));
}

TEST(ZmtpDealer, AQueueThePeerDoesNotTakeIsRefusedPastItsLimit) {
    zmq::context_t ctx;
    zmq::socket_t router(ctx, zmq::socket_type::router);
    router.set(zmq::sockopt::rcvhwm, 1); // and the ROUTER is never read
    router.bind("tcp://127.0.0.1:*");
    zmtp_connection dealer(router.get(zmq::sockopt::last_endpoint), "DEALER");
    EXPECT_TRUE(take(dealer, milliseconds(1000)).empty()); // the handshake
    const std::string big(64 * 1024, 'x');
    const std::vector<std::string_view> frames = {"SAY", big};
    bool refused = false;
    for (int i = 0; i < 10000 && !refused; ++i) {
        refused = !dealer.queue(frames);
        dealer.flush();
    }
    EXPECT_TRUE(refused);
}

TEST(ZmtpConnectionErrors, AnEndpointItCannotUseIsRefusedByName) {
    EXPECT_THROW(zmtp_connection("inproc://events", "SUB"), std::runtime_error);
    EXPECT_THROW(zmtp_connection("tcp://127.0.0.1", "SUB"), std::runtime_error);
    try {
        zmtp_connection("udp://127.0.0.1:5556", "SUB");
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("udp://127.0.0.1:5556"), std::string::npos);
    }
}

TEST(ZmtpConnectionErrors, APeerThatIsNotAPublisherIsAnErrorNotAHang) {
    // A listener that answers with text, as a web server on the wrong port would.
    zmq::context_t ctx;
    zmq::socket_t stream(ctx, zmq::socket_type::stream);
    stream.set(zmq::sockopt::rcvtimeo, 3000);
    stream.bind("tcp://127.0.0.1:*");
    zmtp_connection sub(stream.get(zmq::sockopt::last_endpoint), "SUB");
    std::vector<zmq::message_t> parts;
    zmq::message_t id;
    ASSERT_TRUE(stream.recv(id)); // the connection's id
    zmq::message_t empty;
    ASSERT_TRUE(stream.recv(empty));
    std::string text = "HTTP/1.1 400 Bad Request\r\n";
    text.resize(80, ' ');
    stream.send(id, zmq::send_flags::sndmore);
    stream.send(zmq::buffer(text));
    pollfd watched{sub.fd(), POLLIN, 0};
    ASSERT_EQ(poll(&watched, 1, 3000), 1);
    std::vector<std::string_view> frames;
    try {
        while (!sub.receive(frames))
            ASSERT_EQ(poll(&watched, 1, 3000), 1);
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("does not speak ZMTP"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace zchat::bench
