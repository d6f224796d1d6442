#include "client/state_path.hpp"

namespace zchat::client {

std::optional<std::filesystem::path> input_history_path(const char* xdg_state_home,
                                                        const char* home) {
    const auto absolute = [](const char* dir) { return dir && *dir == '/'; };
    if (absolute(xdg_state_home))
        return std::filesystem::path{xdg_state_home} / "zchat" / "history";
    if (absolute(home))
        return std::filesystem::path{home} / ".local" / "state" / "zchat" / "history";
    return std::nullopt;
}

} // namespace zchat::client
