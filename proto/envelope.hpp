// The routing envelope of a command that reaches the broker through relays (PROTOCOL.md, section
// 2a): one identity frame per hop, the first added by the broker's own ROUTER, ending before the
// first frame that begins with the signature's letters. A relay forwards the frames as its ROUTER
// hands them over (its client's identity first), and a reply goes back along the same hops.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace zchat::proto {

// Most identities in one envelope: the sender and up to 7 relays. A longer chain is refused.
inline constexpr std::size_t max_hops = 8;
// Longest identity: libzmq's routing ids are 1 to 255 bytes.
inline constexpr std::size_t max_hop_bytes = 255;

// How many of `frames` (as a ROUTER receives them: the routing id first) form the envelope: those
// before the first frame that begins with "ZCHAT". All of them if none does.
std::size_t envelope_length(std::span<const std::string_view> frames);

// The identities of the envelope `frames` carry, if a broker accepts it: 1 to `most` of them,
// each 1 to max_hop_bytes long, followed by at least one frame; 0 if it does not. A relay
// accepts one identity fewer, since its own comes before them at the broker.
std::size_t accepted_hops(std::span<const std::string_view> frames, std::size_t most = max_hops);

} // namespace zchat::proto
