// A peer's key names the path of its replies: a direct peer's routing id as it is, a path
// through relays in a form no routing id can take.
#include "broker/peer_key.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace zchat::broker {
namespace {

using hops = std::vector<std::string_view>;

using names = std::vector<std::string>;

// The identities a path's key gives back, copied out of the key.
names round_trip(const hops& path) {
    std::string scratch;
    const std::string key{peer_key(path, scratch)};
    const hop_list back = hops_of(key);
    return {back.view().begin(), back.view().end()};
}

names copied(const hops& path) {
    return {path.begin(), path.end()};
}

TEST(PeerKey, ADirectPeersKeyIsItsRoutingIdWithoutACopy) {
    const std::string id{"\x00\x6b\x8b\x45\x67", 5};
    std::string scratch;
    const std::string_view key = peer_key(hops{id}, scratch);
    EXPECT_EQ(key.data(), id.data());
    EXPECT_TRUE(scratch.empty());
    EXPECT_EQ(hops_of(key).count, 1u);
    EXPECT_EQ(round_trip(hops{id}), copied(hops{id}));
}

TEST(PeerKey, EveryPathComesBackHopByHop) {
    const std::string longest(proto::max_hop_bytes, 'z');
    for (const hops& path :
         {hops{"relay", "alice"}, hops{"r1", "r2", "alice"}, hops{longest},
          hops{"\xff-looks-encoded"}, hops{longest, "\xff", longest}, hops(proto::max_hops, "h")}) {
        EXPECT_EQ(round_trip(path), copied(path));
    }
}

// A routing id that begins like an encoded key is encoded itself, so it cannot pose as a path.
TEST(PeerKey, NoDirectPeerCanPoseAsAPathThroughRelays) {
    std::string scratch;
    const std::string forged = std::string{"\xff\x05relay\x05"} + "alice";
    const std::string key{peer_key(hops{forged}, scratch)};
    EXPECT_NE(key, forged);
    EXPECT_EQ(hops_of(key).count, 1u);
    EXPECT_EQ(round_trip(hops{forged}), copied(hops{forged}));
}

} // namespace
} // namespace zchat::broker
