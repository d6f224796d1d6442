// Where a relayed command's envelope ends, and which envelopes are accepted.
#include "proto/envelope.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace zchat::proto {
namespace {

using frames = std::vector<std::string_view>;
const std::string body = std::string{"ZCHAT\x02", 6} + "\x03SAY";

TEST(Envelope, EndsBeforeTheFirstFrameWithTheSignaturesLetters) {
    EXPECT_EQ(envelope_length(frames{"alice", body}), 1u);
    EXPECT_EQ(envelope_length(frames{"relay", "alice", body}), 2u);
    // Any version: a version 1 command is found, to be answered along its path.
    EXPECT_EQ(envelope_length(frames{"relay", "ZCHAT\x01", "SAY"}), 1u);
    EXPECT_EQ(envelope_length(frames{"alice", "GET /", "Host"}), 3u);
    EXPECT_EQ(envelope_length(frames{}), 0u);
}

TEST(Envelope, AcceptsOneToEightIdentitiesOfOneTo255BytesBeforeABody) {
    EXPECT_EQ(accepted_hops(frames{"alice", body}), 1u);
    EXPECT_EQ(accepted_hops(frames{"r1", "r2", "alice", body, "more"}), 3u);
    const std::string longest(max_hop_bytes, 'x');
    EXPECT_EQ(accepted_hops(frames{longest, body}), 1u);

    frames eight(max_hops, "hop");
    eight.push_back(body);
    EXPECT_EQ(accepted_hops(eight), max_hops);
    frames nine(max_hops + 1, "hop");
    nine.push_back(body);
    EXPECT_EQ(accepted_hops(nine), 0u);
    EXPECT_EQ(accepted_hops(eight, max_hops - 1), 0u); // a relay's limit: one for itself

    EXPECT_EQ(accepted_hops(frames{body}), 0u);              // no identity at all
    EXPECT_EQ(accepted_hops(frames{"alice"}), 0u);           // no body
    EXPECT_EQ(accepted_hops(frames{"alice", "", body}), 0u); // an empty identity
    const std::string too_long(max_hop_bytes + 1, 'x');
    EXPECT_EQ(accepted_hops(frames{"alice", too_long, body}), 0u);
}

} // namespace
} // namespace zchat::proto
