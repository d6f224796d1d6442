#include "proto/wording.hpp"

#include "proto/names.hpp"
#include "proto/printable.hpp"

namespace zchat::proto {
namespace {

// " (timed out)"; nothing for a user who chose to leave.
std::string reason_note(leave_reason reason) {
    if (reason == leave_reason::quit || reason == leave_reason::parted)
        return "";
    return " (" + std::string{reason_words(reason)} + ")";
}

} // namespace

std::string users_online(std::size_t online) {
    return std::to_string(online) + (online == 1 ? " user online" : " users online");
}

std::string connected_line(std::size_t online, bool reconnected) {
    return std::string{reconnected ? "> Reconnected" : "> Connected"} + " to the chat server (" +
           users_online(online) + ")";
}

std::string joined_room_line(std::string_view room, std::size_t online) {
    return "> Joined #" + printable(room) + " (" + users_online(online) + ")";
}

std::string entered_line(std::string_view name, std::size_t online) {
    return "> New user " + printable(name) + " entered (" + users_online(online) + ")";
}

std::string left_line(std::string_view name, std::size_t online, leave_reason reason) {
    return "< The user " + printable(name) + " left" + std::string{reason_note(reason)} + " (" +
           users_online(online) + ")";
}

std::string private_line_from(std::string_view sender, std::string_view text) {
    return "*" + printable(sender) + "* " + printable(text);
}

std::string private_line_to(std::string_view recipient, std::string_view text) {
    return "-> *" + printable(recipient) + "* " + printable(text);
}

std::string chat_line(std::string_view sender, std::string_view text, line_kind kind) {
    if (kind == line_kind::action)
        return "* " + printable(sender) + " " + printable(text);
    return "[" + printable(sender) + "] " + printable(text);
}

} // namespace zchat::proto
