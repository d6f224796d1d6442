// The time a client shows before a line (`14:02 #ops [bob] hi`): the local time, in a strftime
// format of the user's choice.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace zchat::client {

inline constexpr const char* default_timestamp_format = "%H:%M";

// `when` in the local time zone, in `format` (strftime). Empty if the format makes nothing or
// more than a line's worth (about 200 bytes).
std::string timestamp(std::chrono::system_clock::time_point when, const std::string& format);

// `when` as a full ISO 8601 local time with its offset from UTC, as a transcript records it:
// 2026-12-04T15:04:05+01:00.
std::string iso8601(std::chrono::system_clock::time_point when);

// When a line was said: at `arrived`, or `age` before it for a line from the broker's history.
std::chrono::system_clock::time_point said_at(std::chrono::system_clock::time_point arrived,
                                              std::optional<std::chrono::milliseconds> age);

} // namespace zchat::client
