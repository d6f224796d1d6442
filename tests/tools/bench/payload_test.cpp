#include "tools/bench/payload.hpp"

#include "proto/codec.hpp"
#include "proto/validate.hpp"

#include <gtest/gtest.h>

namespace zchat::bench {
namespace {

TEST(Payload, RoundTripsAndHasTheRequestedSize) {
    const payload p{7, 123456789, 0x0123456789abcdefULL};
    for (const std::size_t size :
         {std::size_t{0}, min_payload_bytes, std::size_t{64}, std::size_t{4096}}) {
        const std::string text = encode_payload(p, size);
        EXPECT_EQ(text.size(), std::max(size, min_payload_bytes));
        EXPECT_EQ(decode_payload(text), p);
    }
}

TEST(Payload, IsTextTheBrokerAccepts) {
    const std::string text = encode_payload({1, 2, 3}, 300);
    EXPECT_FALSE(proto::check_text(text, 4096).has_value());
}

TEST(Payload, RejectsTextsItDidNotMake) {
    EXPECT_FALSE(decode_payload("hello"));
    EXPECT_FALSE(decode_payload(std::string(64, '.')));
    std::string text = encode_payload({1, 2, 3}, 64);
    text[8] = '-';
    EXPECT_FALSE(decode_payload(text));
    text = encode_payload({1, 2, 3}, 64);
    text[30] = 'z';
    EXPECT_FALSE(decode_payload(text));
}

TEST(Payload, ReadsTheSeqAndTextOfALineEvent) {
    const auto frames = proto::encode(
        proto::event{proto::line{9, 0x0102030405060708ULL, "alice", 3, 4, "some text"}});
    const auto views = proto::views(frames);
    const auto l = read_line(views);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->seq, 0x0102030405060708ULL);
    EXPECT_EQ(l->text, "some text");
}

TEST(Payload, IgnoresEventsThatAreNotLines) {
    const auto frames = proto::encode(proto::event{proto::heartbeat{1, 2, 3, 4, 5}});
    EXPECT_FALSE(read_line(proto::views(frames)));
}

} // namespace
} // namespace zchat::bench
