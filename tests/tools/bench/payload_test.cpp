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

TEST(Payload, IsReadFromTheHeadOfALineDecodedAsAHeaderOnly) {
    const payload p{3, 42, 0x0123456789abcdefULL};
    const auto frames = proto::encode(
        proto::event{proto::line{9, 10, "lobby", "alice", 3, 42, encode_payload(p, 4096)}});
    const auto views = proto::views(frames);
    std::vector<proto::event_header> headers;
    ASSERT_TRUE(proto::decode_event_headers(views, min_payload_bytes, headers));
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].seq, 10u);
    EXPECT_EQ(headers[0].room, "lobby");
    EXPECT_EQ(headers[0].text_head.size(), min_payload_bytes);
    EXPECT_EQ(decode_payload(headers[0].text_head), p);
}

} // namespace
} // namespace zchat::bench
