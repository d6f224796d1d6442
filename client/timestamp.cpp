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

std::chrono::system_clock::time_point said_at(std::chrono::system_clock::time_point arrived,
                                              std::optional<std::chrono::milliseconds> age) {
    return age ? arrived - *age : arrived;
}

} // namespace zchat::client
