#include "proto/wording.hpp"

#include "proto/printable.hpp"

namespace zchat::proto {
namespace {

std::string_view reason_note(leave_reason reason) {
    switch (reason) {
    case leave_reason::quit:
        return "";
    case leave_reason::timed_out:
        return " (timed out)";
    case leave_reason::server_shutdown:
        return " (server shut down)";
    case leave_reason::too_slow:
        return " (too slow)";
    case leave_reason::flooding:
        return " (flooding)";
    case leave_reason::too_many_errors:
        return " (too many errors)";
    }
    return " (unknown reason)";
}

} // namespace

std::string users_online(std::size_t online) {
    return std::to_string(online) + (online == 1 ? " user online" : " users online");
}

std::string connected_line(std::size_t online, bool reconnected) {
    return std::string{reconnected ? "> Reconnected" : "> Connected"} + " to the chat server (" +
           users_online(online) + ")";
}

std::string entered_line(std::string_view name, std::size_t online) {
    return "> New user " + printable(name) + " entered (" + users_online(online) + ")";
}

std::string left_line(std::string_view name, std::size_t online, leave_reason reason) {
    return "< The user " + printable(name) + " left" + std::string{reason_note(reason)} + " (" +
           users_online(online) + ")";
}

std::string chat_line(std::string_view sender, std::string_view text) {
    return "[" + printable(sender) + "] " + printable(text);
}

} // namespace zchat::proto
