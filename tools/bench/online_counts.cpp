#include "tools/bench/online_counts.hpp"

#include <algorithm>

namespace zchat::bench {

bool online_counts::record(std::string_view room, std::int64_t online, int change) {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) {
        rooms_.emplace(std::string{room}, count{online - change, online});
        return true;
    }
    const bool agrees = online == it->second.latest + change;
    it->second.latest = online;
    return agrees;
}

std::optional<std::int64_t> online_counts::initial() const {
    if (rooms_.empty())
        return std::nullopt;
    std::int64_t sum = 0;
    for (const auto& [room, c] : rooms_)
        sum += c.initial;
    return sum;
}

std::optional<std::int64_t> online_counts::latest() const {
    if (rooms_.empty())
        return std::nullopt;
    std::int64_t sum = 0;
    for (const auto& [room, c] : rooms_)
        sum += c.latest;
    return sum;
}

bool online_counts::settled() const {
    return std::ranges::all_of(rooms_,
                               [](const auto& r) { return r.second.latest == r.second.initial; });
}

} // namespace zchat::bench
