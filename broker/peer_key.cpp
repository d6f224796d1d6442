#include "broker/peer_key.hpp"

namespace zchat::broker {
namespace {

constexpr char encoded = '\xff';

} // namespace

std::string_view peer_key(std::span<const std::string_view> hops, std::string& scratch) {
    if (hops.size() == 1 && !hops[0].starts_with(encoded))
        return hops[0];
    scratch.assign(1, encoded);
    for (const std::string_view hop : hops) {
        scratch += static_cast<char>(hop.size());
        scratch += hop;
    }
    return scratch;
}

hop_list hops_of(std::string_view key) {
    hop_list out;
    if (!key.starts_with(encoded)) {
        out.hop[0] = key;
        out.count = 1;
        return out;
    }
    // Only peer_key makes keys that begin with 0xff, so the lengths hold; a key cut short or
    // naming too many hops ends the list there rather than reading past it.
    key.remove_prefix(1);
    while (!key.empty() && out.count < out.hop.size()) {
        const auto length = static_cast<unsigned char>(key[0]);
        if (length == 0 || length + 1u > key.size())
            break;
        out.hop[out.count++] = key.substr(1, length);
        key.remove_prefix(1 + length);
    }
    return out;
}

} // namespace zchat::broker
