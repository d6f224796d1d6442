#include "client/input.hpp"

namespace zchat::client {

user_input parse_input(std::string_view line) {
    if (line.find_first_not_of(" \t") == std::string_view::npos)
        return empty_line{};
    if (line.starts_with("//"))
        return send_text{std::string{line.substr(1)}};
    if (!line.starts_with("/"))
        return send_text{std::string{line}};
    const std::string_view word = line.substr(0, line.find_first_of(" \t"));
    if (word == "/quit")
        return leave{};
    if (word == "/who")
        return list_users{};
    if (word == "/help")
        return show_help{};
    return unknown_command{std::string{word}};
}

std::string_view help_text() {
    return "Commands:\n"
           "  /who     list who is online\n"
           "  /quit    leave the chat (Ctrl-D and Ctrl-C do too)\n"
           "  /help    show this list\n"
           "  //text   send a line that starts with '/'";
}

} // namespace zchat::client
