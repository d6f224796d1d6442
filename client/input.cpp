#include "client/input.hpp"

#include <algorithm>
#include <vector>

namespace zchat::client {
namespace {

// The words of a line, split at spaces and tabs.
std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t at = 0;
    while ((at = line.find_first_not_of(" \t", at)) != std::string_view::npos) {
        const std::size_t end = std::min(line.find_first_of(" \t", at), line.size());
        words.push_back(line.substr(at, end - at));
        at = end;
    }
    return words;
}

std::string room_argument(std::string_view word) {
    if (word.starts_with("#"))
        word.remove_prefix(1);
    return std::string{word};
}

} // namespace

user_input parse_input(std::string_view line) {
    if (line.find_first_not_of(" \t") == std::string_view::npos)
        return empty_line{};
    if (line.starts_with("//"))
        return send_text{std::string{line.substr(1)}};
    if (!line.starts_with("/"))
        return send_text{std::string{line}};
    const std::vector<std::string_view> words = words_of(line);
    const std::string_view word = words.front();
    const auto usage = [&](std::string_view form) {
        return bad_usage{"! Usage: " + std::string{form}};
    };
    if (word == "/quit")
        return leave{};
    if (word == "/who") {
        if (words.size() > 2)
            return usage("/who [ROOM]");
        return list_users{words.size() == 2 ? room_argument(words[1]) : std::string{}};
    }
    if (word == "/join") {
        if (words.size() != 2)
            return usage("/join ROOM");
        return join_room{room_argument(words[1])};
    }
    if (word == "/part") {
        if (words.size() > 2)
            return usage("/part [ROOM]");
        return part_room{words.size() == 2 ? room_argument(words[1]) : std::string{}};
    }
    if (word == "/rooms") {
        if (words.size() != 1)
            return usage("/rooms");
        return list_rooms{};
    }
    if (word == "/msg") {
        if (words.size() < 3)
            return usage("/msg NAME TEXT");
        // The text is the rest of the line as typed, its inner spaces kept.
        const auto after_name = static_cast<std::size_t>(words[2].data() - line.data());
        return private_message{std::string{words[1]}, std::string{line.substr(after_name)}};
    }
    if (word == "/me") {
        if (words.size() < 2)
            return usage("/me TEXT");
        const auto text_at = static_cast<std::size_t>(words[1].data() - line.data());
        return send_action{std::string{line.substr(text_at)}};
    }
    if (word == "/help")
        return show_help{};
    if (word == "/clear") {
        if (words.size() != 1)
            return usage("/clear");
        return clear_screen{};
    }
    return unknown_command{std::string{word}};
}

pasted_lines split_paste(std::string_view text) {
    pasted_lines split;
    for (std::size_t end; (end = text.find_first_of("\r\n")) != std::string_view::npos;) {
        split.lines.emplace_back(text.substr(0, end));
        const bool crlf = text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n';
        text.remove_prefix(end + (crlf ? 2 : 1));
    }
    split.rest = text;
    return split;
}

std::string_view help_text() {
    return "Commands:\n"
           "  /join ROOM       join a room (#dev or dev) and talk there\n"
           "  /part [ROOM]     leave a room (the current one); leaving the last leaves the chat\n"
           "  /rooms           list the rooms that have people in them\n"
           "  /who [ROOM]      list who is in a room (the current one)\n"
           "  /msg NAME TEXT   send TEXT to NAME alone\n"
           "  /me TEXT         an action: everyone sees \"* yourname TEXT\"\n"
           "  /quit            leave once your lines are confirmed (Ctrl-D and Ctrl-C do too;\n"
           "                   Ctrl-C again leaves at once)\n"
           "  /help            show this list\n"
           "  /clear           clear the screen\n"
           "  //text           send a line that starts with '/'";
}

} // namespace zchat::client
