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

// What each part of a split names, for comparing.
struct split_as {
    std::size_t identities;
    std::size_t body;
    std::string_view client_key;
    bool refused;
    bool accepted;
    bool operator==(const split_as&) const = default;
};
split_as split(const frames& f, carrier from, std::size_t most = max_hops) {
    const envelope_split s = split_envelope(f, from, most);
    return {s.identities, s.body, s.client_key, s.refusal != nullptr, s.accepted};
}

const std::string key(key_chars, 'K');

TEST(Envelope, WithoutCurveAnyConnectionRelaysAndNoKeyTravels) {
    EXPECT_EQ(split(frames{"alice", body}, carrier::anyone), (split_as{1, 1, "", false, true}));
    EXPECT_EQ(split(frames{"relay", "alice", body}, carrier::anyone),
              (split_as{2, 2, "", false, true}));
    // A 40-byte identity is an identity like any other.
    EXPECT_EQ(split(frames{"r", "alice", key, body}, carrier::anyone),
              (split_as{3, 3, "", false, true}));
    EXPECT_EQ(split(frames{"alice", "GET /"}, carrier::anyone), (split_as{1, 1, "", false, false}));
    EXPECT_EQ(split(frames(max_hops + 1, "h"), carrier::anyone).accepted, false);
}

TEST(Envelope, UnderCurveAClientsKeySendsItsOwnCommandsOnly) {
    EXPECT_EQ(split(frames{"alice", body}, carrier::client), (split_as{1, 1, "", false, true}));
    // Refused along the path it names, so that a relay whose key lacks the role gets the reason
    // to its client.
    EXPECT_EQ(split(frames{"relay", "alice", body}, carrier::client),
              (split_as{2, 2, "", true, true}));
    EXPECT_EQ(split(frames{"relay", "alice", key, body}, carrier::client),
              (split_as{2, 3, "", true, true}));
}

TEST(Envelope, UnderCurveARelaysKeySendsEachCommandWithItsClientsKey) {
    EXPECT_EQ(split(frames{"relay", "alice", key, body}, carrier::relay),
              (split_as{2, 3, key, false, true}));
    EXPECT_EQ(split(frames{"r1", "r2", "alice", key, body}, carrier::relay),
              (split_as{3, 4, key, false, true}));
    frames longest(max_hops, "h");
    longest.push_back(key);
    longest.push_back(body);
    EXPECT_EQ(split(longest, carrier::relay), (split_as{max_hops, max_hops + 1, key, false, true}));
    longest.insert(longest.begin(), "h");
    EXPECT_FALSE(split(longest, carrier::relay).accepted);
    // A relay takes one identity fewer: its own comes first at the broker.
    EXPECT_EQ(split(frames{"alice", key, body}, carrier::relay, 1).accepted, false);
    EXPECT_EQ(split(frames{"r", "alice", key, body}, carrier::relay, 2),
              (split_as{2, 3, key, false, true}));
    // Without the key, or with nothing but its own identity, it is refused.
    EXPECT_EQ(split(frames{"relay", "alice", body}, carrier::relay),
              (split_as{2, 2, "", true, true}));
    EXPECT_EQ(split(frames{"relay", body}, carrier::relay), (split_as{1, 1, "", true, true}));
    EXPECT_EQ(split(frames{"relay", key, body}, carrier::relay), (split_as{2, 2, "", true, true}));
}

} // namespace
} // namespace zchat::proto
