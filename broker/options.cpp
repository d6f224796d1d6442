#include "broker/options.hpp"

#include "proto/codec.hpp"

#include <algorithm>
#include <cstdint>

namespace zchat::broker {
namespace {

using runtime::read_number;
using runtime::read_text;

// Bounds that keep liveness x interval meaningful and far from overflow.
constexpr std::uint64_t max_heartbeat_ms = 3'600'000;
constexpr std::uint64_t max_liveness = 1000;
constexpr std::uint64_t max_errors_limit = 1'000'000;
constexpr std::uint64_t max_clients_limit = 1'000'000;
constexpr std::uint64_t max_rooms_limit = 1'000'000;
constexpr std::uint64_t max_history_lines = 100'000;
constexpr std::uint64_t max_rate_limit = 1'000'000;
constexpr std::int64_t max_frame_bytes_limit = 16 * 1024 * 1024;
// A name of N code points takes up to 4N bytes, and the name field holds max_name_bytes.
constexpr std::uint64_t max_name_chars_limit = proto::max_name_bytes / 4;

template <class Number>
std::string shown(Number n) {
    return std::to_string(n);
}

// Each option once: its name, value, help, default and reading.
const option_spec options_table[] = {
    {"router", "EP", "endpoint to bind for client commands",
     [](const broker_settings& s) { return s.server.router_endpoint; },
     [](broker_settings& s, std::string_view t) { return read_text(t, s.server.router_endpoint); }},
    {"pub", "EP", "endpoint to bind for published events",
     [](const broker_settings& s) { return s.server.pub_endpoint; },
     [](broker_settings& s, std::string_view t) { return read_text(t, s.server.pub_endpoint); }},
    {"max-clients", "N", "most clients joined or joining at once",
     [](const broker_settings& s) { return shown(s.server.core.max_clients); },
     [](broker_settings& s, std::string_view t) {
         return read_number(t, 1, max_clients_limit, s.server.core.max_clients);
     }},
    {"max-rooms", "N",
     "most rooms kept at once; an empty room is forgotten when its place is needed",
     [](const broker_settings& s) { return shown(s.server.core.max_rooms); },
     [](broker_settings& s, std::string_view t) {
         return read_number(t, 1, max_rooms_limit, s.server.core.max_rooms);
     }},
    {"history-size", "N",
     "latest lines each room keeps for clients that join it or missed some (0: none); fewer "
     "when they take over 64 KiB",
     [](const broker_settings& s) { return shown(s.server.core.history.lines); },
     [](broker_settings& s, std::string_view t) {
         return read_number(t, 0, max_history_lines, s.server.core.history.lines);
     }},
    {"heartbeat-ms", "MS", "interval of broker heartbeats and of client heartbeats, in ms",
     [](const broker_settings& s) { return shown(s.server.core.heartbeat_interval.count()); },
     [](broker_settings& s, std::string_view t) {
         std::uint64_t ms = 0;
         auto bad = read_number(t, 1, max_heartbeat_ms, ms);
         if (!bad)
             s.server.core.heartbeat_interval = std::chrono::milliseconds(ms);
         return bad;
     }},
    {"liveness", "N", "heartbeat intervals of silence after which a client is expired",
     [](const broker_settings& s) { return shown(s.server.core.liveness); },
     [](broker_settings& s, std::string_view t) {
         return read_number(t, 1, max_liveness, s.server.core.liveness);
     }},
    {"stats-interval", "S",
     "seconds between published STATS events (counters for taps); fractions allowed",
     [](const broker_settings& s) { return runtime::shown_seconds(s.server.core.stats_interval); },
     [](broker_settings& s, std::string_view t) {
         return runtime::read_seconds(t, s.server.core.stats_interval);
     }},
    {"rate", "N",
     "messages per second each client may send on average; 0 lifts the limit (for benchmarks "
     "and trusted bots)",
     [](const broker_settings& s) { return shown(s.server.core.rate_per_second); },
     [](broker_settings& s, std::string_view t) {
         return read_number(t, 0, max_rate_limit, s.server.core.rate_per_second);
     }},
    {"burst", "N", "messages each client may send in a burst above the rate",
     [](const broker_settings& s) { return shown(s.server.core.rate_burst); },
     [](broker_settings& s, std::string_view t) {
         return read_number(t, 0, max_rate_limit, s.server.core.rate_burst);
     }},
    {"max-errors", "N",
     "refused messages (malformed, invalid, out of turn) after which a joined client is "
     "disconnected, counted from its first refusal for 10 s at a time; 0 lifts the limit",
     [](const broker_settings& s) { return shown(s.server.core.max_errors); },
     [](broker_settings& s, std::string_view t) {
         return read_number(t, 0, max_errors_limit, s.server.core.max_errors);
     }},
    {"max-name-chars", "N", "longest name, in characters (code points)",
     [](const broker_settings& s) { return shown(s.server.core.max_name_chars); },
     [](broker_settings& s, std::string_view t) {
         return read_number(t, 1, max_name_chars_limit, s.server.core.max_name_chars);
     }},
    {"max-text-bytes", "N", "longest chat line, in bytes of UTF-8",
     [](const broker_settings& s) { return shown(s.server.core.max_text_bytes); },
     [](broker_settings& s, std::string_view t) {
         return read_number(t, 1, proto::max_text_bytes, s.server.core.max_text_bytes);
     }},
    {"max-frame-bytes", "N",
     "largest command accepted (a command is one frame); a bigger one drops the sender's "
     "connection unread",
     [](const broker_settings& s) { return shown(s.server.max_frame_bytes); },
     [](broker_settings& s, std::string_view t) {
         // The lower bound, a SAY of the text limit, is checked with the other options.
         return read_number(t, 1, max_frame_bytes_limit, s.server.max_frame_bytes);
     }},
    {"log", "FILE",
     "append the log to this file instead of standard error; SIGUSR1 reopens it (logrotate)",
     [](const broker_settings&) { return std::string{}; },
     [](broker_settings& s, std::string_view t) { return read_text(t, s.server.log_file); }},
    {"log-level", "LEVEL",
     "least important log entries written: error, warn, info or debug (debug adds every chat "
     "line, which no other level logs)",
     [](const broker_settings& s) { return std::string{log_level_name(s.server.core.logging)}; },
     [](broker_settings& s, std::string_view t) -> std::optional<std::string> {
         const auto level = proto::value_in(log_level_names, t);
         if (!level)
             return "must be error, warn, info or debug ('" + std::string{t} + "' is not)";
         s.server.core.logging = *level;
         return std::nullopt;
     }},
    {"curve-secret", "FILE",
     "the broker's CURVE secret key file: encrypt and authenticate everything",
     [](const broker_settings&) { return std::string{}; },
     [](broker_settings& s, std::string_view t) { return read_text(t, s.curve_secret_file); }},
    {"allow", "PATH",
     "with --curve-secret: admit only the client keys listed in this file or directory",
     [](const broker_settings&) { return std::string{}; },
     [](broker_settings& s, std::string_view t) { return read_text(t, s.allow_path); }},
};

} // namespace

std::span<const option_spec> broker_options() {
    return options_table;
}

const option_spec* find_option(std::string_view name) {
    return runtime::find_option(broker_options(), name);
}

std::optional<std::string> check_settings(const broker_settings& s, std::string_view prefix) {
    const std::string p{prefix};
    const config& core = s.server.core;
    if (core.rate_per_second > 0 && core.rate_burst < 1)
        return p + "burst must be at least 1 while there is a rate limit";
    // A line the broker accepts must fit in a frame it accepts, with the rest of its SAY or MSG
    // (a MSG names a user, up to 256 bytes), and so must every other command a client sends (the
    // longest: a PING from a session in the most rooms), or they would be dropped unanswered
    // instead of answered.
    const auto smallest_frame = std::max(core.max_text_bytes + proto::text_command_overhead_bytes,
                                         proto::longest_other_command_bytes);
    if (s.server.max_frame_bytes < static_cast<std::int64_t>(smallest_frame))
        return p + "max-frame-bytes must be from " + std::to_string(smallest_frame) +
               " (a SAY or MSG of " + p + "max-text-bytes, and the longest other command) to " +
               std::to_string(max_frame_bytes_limit);
    if (!s.allow_path.empty() && s.curve_secret_file.empty())
        return p + "allow needs " + p + "curve-secret";
    return std::nullopt;
}

std::optional<std::string> apply_config(broker_settings& s, const std::string& text,
                                        std::string_view source) {
    return runtime::apply_config(s, broker_options(), text, source);
}

} // namespace zchat::broker
