// The line a zchat server (the broker, the bench's forwarder) prints on stdout once its sockets
// are bound, "Chat broker started: router <ep>, pub <ep>", with wildcard ports resolved: scripts,
// the tests and the bench read the endpoints from it. Written and read here alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zchat::runtime {

struct bound_endpoints {
    std::string router;
    std::string pub;
    bool operator==(const bound_endpoints&) const = default;
};

// "<who> started: router <router>, pub <pub>", without a line end.
std::string started_line(std::string_view who, const bound_endpoints& endpoints);

// The endpoints in a started line (trailing blanks and line ends ignored), or nothing if the
// line is not one.
std::optional<bound_endpoints> parse_started_line(std::string_view line);

} // namespace zchat::runtime
