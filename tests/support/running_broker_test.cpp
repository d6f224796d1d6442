// The running-broker fixture on the real zchat-broker: that it reads the endpoints back, says
// why a broker did not start, restarts one where another was, and that a drained broker's log
// is whole once it has stopped.
#include "tests/support/running_broker.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace zchat::test {
namespace {

TEST(RunningBroker, ReportsTheLoopbackPortsTheKernelChose) {
    running_broker broker;
    EXPECT_TRUE(broker.router().starts_with("tcp://127.0.0.1:")) << broker.router();
    EXPECT_TRUE(broker.pub().starts_with("tcp://127.0.0.1:")) << broker.pub();
    EXPECT_NE(broker.router(), broker.pub());
    EXPECT_EQ(broker.stop(), 0);
    EXPECT_EQ(broker.process().lines(stream::out).back(), "Chat broker stopped");
}

TEST(RunningBroker, ABrokerThatDoesNotStartThrowsWithWhatItSaid) {
    try {
        running_broker broker({"--heartbeat-ms", "nonsense"});
        ADD_FAILURE() << "a broker started with a bad argument";
    } catch (const process_error& e) {
        EXPECT_NE(std::string{e.what()}.find("zchat-broker: "), std::string::npos) << e.what();
    }
}

TEST(RunningBroker, RestartsOnTheEndpointsOfOneThatDiedThroughAWrapper) {
    std::optional<running_broker> first{std::in_place};
    const std::string router = first->router();
    const std::string pub = first->pub();
    first.reset();
    running_broker again(
        {.router = router, .pub = pub, .wrapper = {"/usr/bin/env", "ZCHAT_TEST_WRAPPED=1"}});
    EXPECT_EQ(again.router(), router);
    EXPECT_EQ(again.pub(), pub);
}

TEST(RunningBroker, ADrainedBrokersLogIsWholeOnceStopped) {
    running_broker broker({.args = {"--heartbeat-ms", "100"}, .drain = true});
    EXPECT_EQ(broker.stop(), 0);
    const auto log = broker.process().lines(stream::out);
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.back(), "Chat broker stopped");
}

} // namespace
} // namespace zchat::test
