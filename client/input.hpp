// What a line the user typed means: chat text, or one of the slash commands. Pure parsing.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zchat::client {

struct send_text {
    std::string text;
    bool operator==(const send_text&) const = default;
};
// "/me waves": an action, the text as typed after "/me ".
struct send_action {
    std::string text;
    bool operator==(const send_action&) const = default;
};
// A room argument is given as typed, with or without its '#'; empty when none was given (the
// current room).
struct list_users {
    std::string room;
    bool operator==(const list_users&) const = default;
};
struct join_room {
    std::string room;
    bool operator==(const join_room&) const = default;
};
struct part_room {
    std::string room;
    bool operator==(const part_room&) const = default;
};
struct list_rooms {
    bool operator==(const list_rooms&) const = default;
};
// "/msg bob hi there": a private message, the text as typed after the name.
struct private_message {
    std::string to;
    std::string text;
    bool operator==(const private_message&) const = default;
};
struct leave {
    bool operator==(const leave&) const = default;
};
struct show_help {
    bool operator==(const show_help&) const = default;
};
struct clear_screen {
    bool operator==(const clear_screen&) const = default;
};
struct unknown_command {
    std::string name;
    bool operator==(const unknown_command&) const = default;
};
struct empty_line {
    bool operator==(const empty_line&) const = default;
};

// A command typed wrongly (a missing or extra argument): never sent.
struct bad_usage {
    std::string message;
    bool operator==(const bad_usage&) const = default;
};

using user_input =
    std::variant<empty_line, send_text, send_action, list_users, join_room, part_room, list_rooms,
                 private_message, leave, show_help, clear_screen, unknown_command, bad_usage>;

// "/quit", "/who [ROOM]", "/join ROOM", "/part [ROOM]", "/rooms", "/msg NAME TEXT", "/me TEXT",
// "/help", "/clear" are commands; any other "/word" is unknown and never sent; "//text" sends
// "/text"; a line of nothing but spaces and tabs is empty; anything else is chat text. A room is
// given with or without its leading '#', which is taken off here; whether the rest is a room name
// is the caller's check.
user_input parse_input(std::string_view line);

// A bracketed paste (the text between the terminal's ESC [200~ and ESC [201~) as lines: each
// CR, LF or CR LF ends one, and what follows the last line end is `rest`, left for editing.
struct pasted_lines {
    std::vector<std::string> lines;
    std::string rest;
    bool operator==(const pasted_lines&) const = default;
};
pasted_lines split_paste(std::string_view text);

// A paste of more lines than this asks before sending them (irssi's paste guard).
inline constexpr std::size_t paste_lines_sent_unasked = 5;

// The text /help prints, one command per line.
std::string_view help_text();

} // namespace zchat::client
