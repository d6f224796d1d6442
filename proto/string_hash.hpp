// Hashes std::string and std::string_view alike, so that maps keyed by string find by view
// without building a string per lookup.
#pragma once

#include <functional>
#include <string_view>

namespace zchat::proto {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

} // namespace zchat::proto
