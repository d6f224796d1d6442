#include "tools/bench/worker_config.hpp"

#include <gtest/gtest.h>

namespace zchat::bench {
namespace {

worker_config sample_config() {
    worker_config c;
    c.router_endpoint = "tcp://127.0.0.1:40001";
    c.pub_endpoint = "tcp://127.0.0.1:40002";
    c.baseline = true;
    c.clients = 250;
    c.name_prefix = "b123r4c";
    c.first_client = 750;
    c.publishers = 8;
    c.local_publishers = 2;
    c.first_publisher = 6;
    c.rate = 12345.678;
    c.churn_rate = 0.5;
    c.payload_bytes = 100;
    c.warmup = std::chrono::milliseconds(300);
    c.duration = std::chrono::milliseconds(2500);
    c.drain_timeout = std::chrono::milliseconds(4000);
    c.join_timeout = std::chrono::milliseconds(35000);
    c.sub_rcvhwm = 5000;
    return c;
}

TEST(WorkerConfig, ItsTextFormReadsBackFieldForField) {
    const auto c = sample_config();
    const auto back = parse_worker_config(serialize(c));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->router_endpoint, c.router_endpoint);
    EXPECT_EQ(back->pub_endpoint, c.pub_endpoint);
    EXPECT_EQ(back->baseline, c.baseline);
    EXPECT_EQ(back->clients, c.clients);
    EXPECT_EQ(back->name_prefix, c.name_prefix);
    EXPECT_EQ(back->first_client, c.first_client);
    EXPECT_EQ(back->publishers, c.publishers);
    EXPECT_EQ(back->local_publishers, c.local_publishers);
    EXPECT_EQ(back->first_publisher, c.first_publisher);
    EXPECT_DOUBLE_EQ(back->rate, c.rate);
    EXPECT_DOUBLE_EQ(back->churn_rate, c.churn_rate);
    EXPECT_EQ(back->payload_bytes, c.payload_bytes);
    EXPECT_EQ(back->warmup, c.warmup);
    EXPECT_EQ(back->duration, c.duration);
    EXPECT_EQ(back->drain_timeout, c.drain_timeout);
    EXPECT_EQ(back->join_timeout, c.join_timeout);
    EXPECT_EQ(back->sub_rcvhwm, c.sub_rcvhwm);
}

TEST(WorkerConfig, TextThatIsCutShortOrWrongIsRefused) {
    const std::string text = serialize(sample_config());
    EXPECT_FALSE(parse_worker_config(text.substr(0, text.size() - 4)).has_value());
    EXPECT_FALSE(parse_worker_config("clients many\nend\n").has_value());
    EXPECT_FALSE(parse_worker_config("clients 5x\nend\n").has_value());
    EXPECT_FALSE(parse_worker_config("colour blue\nend\n").has_value());
    EXPECT_FALSE(parse_worker_config("").has_value());
}

} // namespace
} // namespace zchat::bench
