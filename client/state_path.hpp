// Where the client keeps what outlives a run: the input history, recalled with Up and Down.
#pragma once

#include <filesystem>
#include <optional>

namespace zchat::client {

// $XDG_STATE_HOME/zchat/history, or $HOME/.local/state/zchat/history where XDG_STATE_HOME is
// unset, empty or relative (the XDG Base Directory rules); nothing without a usable HOME either.
// The arguments are those variables' values, or null.
std::optional<std::filesystem::path> input_history_path(const char* xdg_state_home,
                                                        const char* home);

} // namespace zchat::client
