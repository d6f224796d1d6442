// How the tap prints what it saw: the compact human line, the JSON Lines object, the -F custom
// format, and the --stats period and summary lines. Pure: each function returns a string
// without its newline and never writes.
//
// Terminal safety: every byte that came from the network passes through proto::printable in
// human and -F output; JSON output is ASCII only (every non-ASCII character is a \u escape,
// every invalid UTF-8 byte becomes U+FFFD), so no output can control the terminal.
#pragma once

#include "tools/tap/note.hpp"
#include "tools/tap/stats.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zchat::tap {

// "2026-11-28T11:02:03.123Z" (UTC, milliseconds).
std::string iso_time(wall_clock::time_point t);
// "1795950123.123456" (seconds since 1970, microseconds).
std::string unix_time(wall_clock::time_point t);

// "11:02:03.123 #2 line chat/lobby/ [alice] Hello". Alerts and gaps start with "!!" after the
// time, undecodable frames with "??", restarts and returns of the broker with "==". colour wraps
// those in ANSI colours.
std::string human_line(const note& n, bool colour = false);

// One JSON object, fields as in README.md ("zchat-tap", JSON fields).
std::string json_line(const note& n);

// A parsed -F format: literal text and %-tokens, see parse().
class line_format {
public:
    // Parses FMT: %I ISO time, %U unix time, %e epoch, %s seq, %k kind, %t topic, %r room,
    // %n sender or name, %i session id, %o online, %p text (or a description for other kinds),
    // %j the JSON object, %% a percent sign; \t \n \0 \\ escapes. Returns the format, or an
    // error message naming the first unknown token or escape.
    static std::variant<line_format, std::string> parse(std::string_view fmt);

    // Expands the format for an event or undecodable frame; fields it lacks are empty.
    std::string expand(const note& n) const;

private:
    struct piece {
        char token = 0; // 0: literal
        std::string literal;
    };
    std::vector<piece> pieces_;
};

// "11:02:04.000 stats: 12.0 ev/s (line 10.0, join 1.0, ...), 1.2 kB/s, 3 online, 0 missed,
// 0 restarts" and its JSON object.
std::string human_period(wall_clock::time_point t, const period_report& r);
std::string json_period(wall_clock::time_point t, const period_report& r);
// The exit summary: totals since the start.
std::string human_summary(wall_clock::time_point t, const summary_report& s);
std::string json_summary(wall_clock::time_point t, const summary_report& s);

} // namespace zchat::tap
