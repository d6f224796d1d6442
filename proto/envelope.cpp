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

} // namespace zchat::proto
