#include "relay/options.hpp"

#include <cstdint>

namespace zchat::relay {
namespace {

using runtime::read_number;
using runtime::read_text;

constexpr std::uint64_t min_frame_bytes = 1024;
constexpr std::uint64_t max_frame_bytes_limit = 16 * 1024 * 1024;

std::string none(const relay_settings&) {
    return {};
}

// Each option once: its name, value, help, default and reading.
const option_spec options_table[] = {
    {"router", "EP", "upstream endpoint for commands: the broker's ROUTER (or a relay's)",
     [](const relay_settings& s) { return s.relay.upstream_router; },
     [](relay_settings& s, std::string_view t) { return read_text(t, s.relay.upstream_router); }},
    {"sub", "EP", "upstream endpoint for events: the broker's PUB (or a relay's)",
     [](const relay_settings& s) { return s.relay.upstream_sub; },
     [](relay_settings& s, std::string_view t) { return read_text(t, s.relay.upstream_sub); }},
    {"bind-router", "EP", "endpoint to bind for clients' commands (required)", none,
     [](relay_settings& s, std::string_view t) { return read_text(t, s.relay.bind_router); }},
    {"bind-pub", "EP", "endpoint to bind for clients' subscribers (required)", none,
     [](relay_settings& s, std::string_view t) { return read_text(t, s.relay.bind_pub); }},
    {"stats-interval", "S",
     "seconds between the relay's RELAY events (its counters, on sys/relay/ below it); "
     "fractions allowed",
     [](const relay_settings& s) { return runtime::shown_seconds(s.relay.stats_interval); },
     [](relay_settings& s, std::string_view t) {
         return runtime::read_seconds(t, s.relay.stats_interval);
     }},
    {"max-frame-bytes", "N",
     "largest command accepted from below; a bigger one drops the sender's connection unread",
     [](const relay_settings& s) { return std::to_string(s.relay.max_frame_bytes); },
     [](relay_settings& s, std::string_view t) {
         return read_number(t, min_frame_bytes, max_frame_bytes_limit, s.relay.max_frame_bytes);
     }},
    {"curve-secret", "FILE", "the relay's CURVE secret key file: CurveZMQ above and below", none,
     [](relay_settings& s, std::string_view t) { return read_text(t, s.curve_secret_file); }},
    {"curve-server-key", "FILE", "the CURVE public key file of the broker (or relay) above", none,
     [](relay_settings& s, std::string_view t) { return read_text(t, s.curve_server_key_file); }},
    {"allow", "FILE_OR_DIR", "the client and relay keys admitted below: the broker's allowlist",
     none, [](relay_settings& s, std::string_view t) { return read_text(t, s.allow_path); }},
};

} // namespace

std::span<const option_spec> relay_option_table() {
    return options_table;
}

std::optional<std::string> check_settings(const relay_settings& s, std::string_view prefix) {
    const std::string p{prefix};
    if (s.relay.bind_router.empty() || s.relay.bind_pub.empty())
        return "give the endpoints to bind below: " + p + "bind-router EP " + p + "bind-pub EP";
    const int curve =
        !s.curve_secret_file.empty() + !s.curve_server_key_file.empty() + !s.allow_path.empty();
    if (curve != 0 && curve != 3)
        return p + "curve-secret, " + p + "curve-server-key and " + p + "allow go together";
    return std::nullopt;
}

} // namespace zchat::relay
