// What a line the user typed means: chat text, or one of the slash commands. Pure parsing.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace zchat::client {

struct send_text {
    std::string text;
    bool operator==(const send_text&) const = default;
};
struct list_users {
    bool operator==(const list_users&) const = default;
};
struct leave {
    bool operator==(const leave&) const = default;
};
struct show_help {
    bool operator==(const show_help&) const = default;
};
struct unknown_command {
    std::string name;
    bool operator==(const unknown_command&) const = default;
};
struct empty_line {
    bool operator==(const empty_line&) const = default;
};

using user_input =
    std::variant<empty_line, send_text, list_users, leave, show_help, unknown_command>;

// "/quit", "/who", "/help" are commands; any other "/word" is unknown and never sent; "//text"
// sends "/text"; a line of nothing but spaces and tabs is empty; anything else is chat text.
user_input parse_input(std::string_view line);

// The text /help prints, one command per line.
std::string_view help_text();

} // namespace zchat::client
