// The routing envelope of a command that reaches the broker through relays (PROTOCOL.md, section
// 2a): one identity frame per hop, the first added by the broker's own ROUTER, ending before the
// first frame that begins with the signature's letters. A relay forwards the frames as its ROUTER
// hands them over (its client's identity first), and a reply goes back along the same hops.
// Under CURVE the relay a client connected to adds the client's key after the identities, and
// only a relay's key may send an envelope of more than one identity.
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

// Who sent a message, as the connection it came on tells: under CURVE, whether its key is a
// relay's.
enum class carrier {
    anyone, // no CURVE: any connection may relay, and no key travels with a command
    client, // a key without the relay role: its own commands only, one identity
    relay,  // a relay's key: other clients' commands, each with its client's key
};

// Length of a key in the envelope: its Z85 text, as libzmq's User-Id gives it.
inline constexpr std::size_t key_chars = 40;

// How a message divides, for a broker or a relay, by the rules for its carrier.
struct envelope_split {
    std::size_t identities = 1;  // frames [0, identities) are the path back
    std::size_t body = 1;        // the command is the frames from here on
    std::string_view client_key; // from a relay's key: the key it vouches for (the last frame)
    // A well-formed envelope the carrier may not send: refused with E_MALFORMED, for this reason.
    const char* refusal = nullptr;
    // Whether the envelope is well formed: otherwise the frames after the first are decoded as
    // the command, which section 9 refuses.
    bool accepted = false;
};

// Splits `frames` (as a ROUTER receives them) from `from`; `most` identities at most (a relay
// takes one fewer than the broker, since its own is added above it).
envelope_split split_envelope(std::span<const std::string_view> frames, carrier from,
                              std::size_t most = max_hops);

} // namespace zchat::proto
