// How a tcp:// endpoint is read before connecting: the host and port as libzmq takes them.
#include "proto/runtime/endpoint.hpp"

#include <gtest/gtest.h>

namespace zchat::runtime {
namespace {

TEST(SplitTcpEndpoint, GivesTheHostAndPortAsLibzmqReadsThem) {
    const auto plain = split_tcp_endpoint("tcp://127.0.0.1:5555");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->host, "127.0.0.1");
    EXPECT_EQ(plain->port, "5555");
    const auto v6 = split_tcp_endpoint("tcp://[::1]:5556");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, "5556");
    const auto with_source = split_tcp_endpoint("tcp://10.0.0.1:0;broker.lan:5555");
    ASSERT_TRUE(with_source);
    EXPECT_EQ(with_source->host, "broker.lan");
    EXPECT_EQ(with_source->port, "5555");
}

TEST(SplitTcpEndpoint, NothingForAnotherTransportOrNoPort) {
    EXPECT_FALSE(split_tcp_endpoint("ipc:///tmp/zchat"));
    EXPECT_FALSE(split_tcp_endpoint("tcp://localhost"));
}

TEST(CheckConnectEndpoint, AMalformedPortIsAUsageErrorAndAnUnknownHostIsNot) {
    const auto no_port = check_connect_endpoint("tcp://localhost");
    ASSERT_TRUE(no_port);
    EXPECT_TRUE(no_port->usage);
    const auto bad_port = check_connect_endpoint("tcp://127.0.0.1:99999");
    ASSERT_TRUE(bad_port);
    EXPECT_TRUE(bad_port->usage);
    EXPECT_NE(bad_port->reason.find("1 to 65535"), std::string::npos);
    const auto unknown = check_connect_endpoint("tcp://nosuchhost.invalid:5555");
    ASSERT_TRUE(unknown);
    EXPECT_FALSE(unknown->usage);
    EXPECT_FALSE(check_connect_endpoint("tcp://[::1]:5555"));
    EXPECT_FALSE(check_connect_endpoint("ipc:///tmp/zchat"));
}

} // namespace
} // namespace zchat::runtime
