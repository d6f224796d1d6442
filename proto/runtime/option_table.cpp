#include "proto/runtime/option_table.hpp"

#include <ini.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace zchat::runtime {
namespace {

constexpr double min_seconds = 0.01;
constexpr double max_seconds = 86400;

struct config_reading {
    const config_line_reader* apply;
    std::string error; // without the "SOURCE:LINE: " that the line number adds
};

// inih calls this for each `key = value`; returning 0 stops the reading, and ini_parse_string
// then returns that line's number.
int on_config_line(void* user, const char* section, const char* key, const char* value) {
    auto& reading = *static_cast<config_reading*>(user);
    // inih reads on after an error and reports the first one's line: keep that one's reason.
    if (!reading.error.empty())
        return 0;
    if (section && *section) {
        reading.error = "sections are not used; put every setting at the top level";
        return 0;
    }
    if (auto bad = (*reading.apply)(key, value ? value : "")) {
        reading.error = *bad;
        return 0;
    }
    return 1;
}

} // namespace

std::optional<std::string> read_config(const std::string& text, std::string_view source,
                                       const config_line_reader& apply) {
    config_reading reading{&apply, {}};
    const int line = ini_parse_string(text.c_str(), &on_config_line, &reading);
    if (line == 0)
        return std::nullopt;
    if (reading.error.empty())
        reading.error = "not a 'key = value' line";
    return std::string{source} + ":" + std::to_string(line) + ": " + reading.error;
}

std::optional<std::string> read_config_file(const std::string& path, std::string& text) {
    // A directory opens as a stream that reads nothing: say so rather than read it as empty.
    if (std::error_code ec; std::filesystem::is_directory(path, ec))
        return "cannot read " + path + ": " + std::strerror(EISDIR);
    std::ifstream in(path);
    if (!in)
        return "cannot read " + path + ": " + std::strerror(errno);
    std::ostringstream read;
    read << in.rdbuf();
    text = read.str();
    return std::nullopt;
}

std::string range(std::uint64_t low, std::uint64_t high) {
    return "must be from " + std::to_string(low) + " to " + std::to_string(high);
}

std::optional<std::string> read_text(std::string_view text, std::string& into) {
    if (text.empty())
        return "must not be empty";
    into = text;
    return std::nullopt;
}

std::optional<std::string> read_seconds(std::string_view text, std::chrono::milliseconds& into) {
    double seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
        !(seconds >= min_seconds && seconds <= max_seconds))
        return "must be from 0.01 to 86400";
    into = std::chrono::milliseconds(std::lround(seconds * 1000));
    return std::nullopt;
}

std::string shown_seconds(std::chrono::milliseconds ms) {
    const auto n = ms.count();
    return n % 1000 == 0 ? std::to_string(n / 1000) : std::to_string(static_cast<double>(n) / 1000);
}

} // namespace zchat::runtime
