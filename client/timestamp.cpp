#include "client/timestamp.hpp"

#include <array>
#include <ctime>

namespace zchat::client {

std::string timestamp(std::chrono::system_clock::time_point when, const std::string& format) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm local{};
    if (!localtime_r(&seconds, &local))
        return {};
    std::array<char, 200> text{};
    const std::size_t length = std::strftime(text.data(), text.size(), format.c_str(), &local);
    return {text.data(), length};
}

std::string iso8601(std::chrono::system_clock::time_point when) {
    // strftime's %z writes the offset as +0100; ISO 8601's extended form puts a colon in it.
    const std::string text = timestamp(when, "%Y-%m-%dT%H:%M:%S%z");
    if (text.size() < 2)
        return text;
    const std::size_t minutes_at = text.size() - 2;
    return text.substr(0, minutes_at) + ":" + text.substr(minutes_at);
}

std::chrono::system_clock::time_point said_at(std::chrono::system_clock::time_point arrived,
                                              std::optional<std::chrono::milliseconds> age) {
    return age ? arrived - *age : arrived;
}

} // namespace zchat::client
