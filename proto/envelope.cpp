#include "proto/envelope.hpp"

namespace zchat::proto {

std::size_t envelope_length(std::span<const std::string_view> frames) {
    std::size_t n = 0;
    while (n < frames.size() && !frames[n].starts_with("ZCHAT"))
        ++n;
    return n;
}

std::size_t accepted_hops(std::span<const std::string_view> frames, std::size_t most) {
    const std::size_t hops = envelope_length(frames);
    if (hops == 0 || hops > most || hops == frames.size())
        return 0;
    for (std::size_t i = 0; i < hops; ++i)
        if (frames[i].empty() || frames[i].size() > max_hop_bytes)
            return 0;
    return hops;
}

envelope_split split_envelope(std::span<const std::string_view> frames, carrier from,
                              std::size_t most) {
    envelope_split split;
    const std::size_t before_body =
        accepted_hops(frames, from == carrier::anyone ? most : most + 1);
    // Under CURVE a relay ends the envelope with its client's key, after two identities at least
    // (its own and its client's).
    const bool keyed =
        from != carrier::anyone && before_body >= 3 && frames[before_body - 1].size() == key_chars;
    split.identities = keyed ? before_body - 1 : before_body;
    if (before_body == 0 || split.identities > most) {
        split.identities = 1;
        return split;
    }
    split.accepted = true;
    split.body = before_body;
    // Only a relay's key vouches for another: from a client's key the frame is skipped on the
    // way back, and the envelope refused.
    if (keyed && from == carrier::relay)
        split.client_key = frames[split.identities];
    if (from == carrier::client && before_body > 1)
        split.refusal =
            "commands through a relay are refused: the key that sent this one is not a relay's";
    else if (from == carrier::relay && !keyed)
        split.refusal = "a relay's key must send each command after its client's identity and key "
                        "(this key is listed as a relay's, so it cannot join itself)";
    return split;
}

} // namespace zchat::proto
