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
    EXPECT_TRUE(acceptable_envelope(frames{"alice", body}));
    EXPECT_TRUE(acceptable_envelope(frames{"r1", "r2", "alice", body, "more"}));
    const std::string longest(max_hop_bytes, 'x');
    EXPECT_TRUE(acceptable_envelope(frames{longest, body}));

    frames eight(max_hops, "hop");
    eight.push_back(body);
    EXPECT_TRUE(acceptable_envelope(eight));
    frames nine(max_hops + 1, "hop");
    nine.push_back(body);
    EXPECT_FALSE(acceptable_envelope(nine));
    EXPECT_FALSE(acceptable_envelope(eight, max_hops - 1)); // a relay's limit: one for itself

    EXPECT_FALSE(acceptable_envelope(frames{body}));              // no identity at all
    EXPECT_FALSE(acceptable_envelope(frames{"alice"}));           // no body
    EXPECT_FALSE(acceptable_envelope(frames{"alice", "", body})); // an empty identity
    const std::string too_long(max_hop_bytes + 1, 'x');
    EXPECT_FALSE(acceptable_envelope(frames{"alice", too_long, body}));
}

} // namespace
} // namespace zchat::proto
