// A peer as the broker's core knows it: one string naming the path its replies take. For a
// client connected straight to the broker that is its routing id; for one behind relays, every
// identity of its envelope (proto/envelope.hpp). One string either way, so that sessions, error
// budgets and the expiry tables need not know about relays.
//
// The one identity of a direct peer is its key as it is, without a copy on the hot path, unless
// it begins with the byte 0xff; any other envelope is 0xff, then each identity as a u8 length
// and its bytes. So no direct peer's key can stand for a path through relays, or the reverse.
#pragma once

#include "proto/envelope.hpp"

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace zchat::broker {

// The key of the peer whose envelope is `hops` (1 to proto::max_hops identities of 1 to 255
// bytes): a view of hops[0], or of `scratch`, which it fills.
std::string_view peer_key(std::span<const std::string_view> hops, std::string& scratch);

// The identities a key stands for, in envelope order: what a reply is sent after.
struct hop_list {
    std::array<std::string_view, proto::max_hops> hop{};
    std::size_t count = 0;
    std::span<const std::string_view> view() const { return {hop.data(), count}; }
};
hop_list hops_of(std::string_view key);

} // namespace zchat::broker
