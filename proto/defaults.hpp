// The defaults every side agrees on, written once: where a broker listens when told nothing, and
// how often it heartbeats and how many silent intervals end a session. The broker's option table,
// the client, the tap and the bench all read them from here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace zchat::proto {

// The broker's ROUTER (commands) and PUB (events) ports; a bare HOST means these.
inline constexpr std::uint16_t default_router_port = 5555;
inline constexpr std::uint16_t default_pub_port = 5556;
// Loopback only unless told otherwise.
inline constexpr std::string_view default_router_endpoint = "tcp://127.0.0.1:5555";
inline constexpr std::string_view default_pub_endpoint = "tcp://127.0.0.1:5556";

// How often the broker publishes a heartbeat, and how often a client sends one when silent.
inline constexpr std::chrono::milliseconds default_heartbeat_interval{1000};
// How many intervals of silence the broker allows a session before expiring it.
inline constexpr std::uint32_t default_liveness = 3;

// How long a peer may stay silent before the other side takes it for gone: `liveness` intervals
// (at least one, so a broker announcing 0 still allows one).
constexpr std::chrono::milliseconds silence_limit(std::chrono::milliseconds interval,
                                                  std::uint32_t liveness) {
    return interval * (liveness > 0 ? liveness : 1);
}

} // namespace zchat::proto
