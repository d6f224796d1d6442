#include "broker/log.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

namespace zchat::broker {

log_level more_verbose(log_level level) {
    return level == log_level::debug ? level : static_cast<log_level>(static_cast<int>(level) + 1);
}

log_level quieter(log_level level) {
    return level == log_level::error ? level : static_cast<log_level>(static_cast<int>(level) - 1);
}

namespace {

bool is_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
}

} // namespace

std::string field(std::string_view key, std::string_view value) {
    std::string out = " ";
    out += key;
    out += '=';
    const bool quote = value.empty() || value.find_first_of(" \"=\\") != std::string_view::npos ||
                       std::any_of(value.begin(), value.end(), is_control);
    if (!quote)
        return out += value;
    out += '"';
    for (const char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (is_control(c)) {
            // Whatever a caller passes, one entry stays one line and writes no escape sequence.
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(c));
            out += hex;
        } else {
            out += c;
        }
    }
    return out += '"';
}

std::string field(std::string_view key, std::uint64_t value) {
    return field(key, std::to_string(value));
}

std::string format_log_line(std::chrono::system_clock::time_point when, const log_entry& entry) {
    using namespace std::chrono;
    const auto since_epoch = when.time_since_epoch();
    const std::time_t seconds = duration_cast<std::chrono::seconds>(since_epoch).count();
    const auto millis = duration_cast<milliseconds>(since_epoch).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(millis));
    std::string line = stamp;
    line += ' ';
    for (const char c : log_level_name(entry.level))
        line += static_cast<char>(c - 'a' + 'A');
    line += ' ';
    line += entry.text;
    return line;
}

bool flood_summary::occurred(time_point now) {
    if (!window_start_ || now - *window_start_ >= window_) {
        // A steady flood opens the next window before held_back is asked: the count of the one
        // that ended waits for it.
        ended_held_ += held_;
        held_ = 0;
        window_start_ = now;
        return true;
    }
    ++held_;
    return false;
}

std::optional<std::uint64_t> flood_summary::held_back(time_point now) {
    if (window_start_ && now - *window_start_ >= window_) {
        ended_held_ += held_;
        held_ = 0;
        window_start_.reset();
    }
    if (ended_held_ == 0)
        return std::nullopt;
    return std::exchange(ended_held_, 0);
}

} // namespace zchat::broker
