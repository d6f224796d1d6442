// The broker's log: what one entry is, how it reads, and how a flood of alike entries is told in
// one. Pure: formatting takes the time as an argument; log_sink (log_sink.hpp) writes entries.
//
// A line is `2026-12-04T15:04:05.123Z INFO join name=alice online=3`: the time in ISO 8601 UTC
// to the millisecond, the level, what happened in one word, then key=value fields. A value with
// a space, a quote, an equals sign, a backslash, a control character or nothing at all is
// quoted, with \" \\ \n \r \t and \xHH escapes, so that every entry is one line that splits
// the same way whatever names, texts and file names it carries.
#pragma once

#include "proto/names.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zchat::broker {

// In order of importance: a level logs what is at it and above (info logs error, warn, info).
enum class log_level { error, warn, info, debug };

inline constexpr proto::name_table<log_level, 4> log_level_names{{
    {log_level::error, "error"},
    {log_level::warn, "warn"},
    {log_level::info, "info"},
    {log_level::debug, "debug"},
}};

// "info", as --log-level and the config file spell it.
constexpr std::string_view log_level_name(log_level level) {
    return proto::name_in(log_level_names, level, "info");
}

// Whether an entry at `entry` is logged by a log at `threshold`.
constexpr bool logs(log_level threshold, log_level entry) {
    return entry <= threshold;
}

// One level up (towards debug) or down (towards error), staying within the four.
log_level more_verbose(log_level level);
log_level quieter(log_level level);

struct log_entry {
    log_level level = log_level::info;
    std::string text; // "join name=alice online=3": the event's word, then its fields
};

// " key=value", the value quoted and escaped if it must be (see above). Pass what people will
// read, names and chat text, through proto::printable first: it also makes invisible and
// reordering characters visible.
std::string field(std::string_view key, std::string_view value);
std::string field(std::string_view key, std::uint64_t value);

// The whole line for `entry` logged at `when`, without its line end.
std::string format_log_line(std::chrono::system_clock::time_point when, const log_entry& entry);

// Lets the first of a run of alike entries through and counts the rest, so that a peer that
// keeps causing them costs the log one line per window: "refused count=312 seconds=10".
class flood_summary {
public:
    using time_point = std::chrono::steady_clock::time_point;

    explicit flood_summary(std::chrono::nanoseconds window) : window_(window) {}

    // One more occurrence at `now`: whether to log it on its own (the first in a window).
    bool occurred(time_point now);
    // How many were held back in windows that have ended by `now`, once, if any were. Ask it
    // at least once a window to keep each report to a window.
    std::optional<std::uint64_t> held_back(time_point now);
    std::chrono::nanoseconds window() const { return window_; }

private:
    std::chrono::nanoseconds window_;
    std::optional<time_point> window_start_;
    std::uint64_t held_ = 0;       // in the current window
    std::uint64_t ended_held_ = 0; // in windows that ended, not yet reported
};

} // namespace zchat::broker
