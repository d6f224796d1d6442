// The lines people read: how joins, chat lines and departures are worded. The broker's log, the
// client and the tap all say the same thing the same way, so the wording lives here once.
// Every name and text passes through printable() on the way in.
#pragma once

#include "proto/message.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace zchat::proto {

// "0 users online", "1 user online", "2 users online".
std::string users_online(std::size_t online);

// "> Connected to the chat server (1 user online)", or "> Reconnected ..." after a reconnect.
std::string connected_line(std::size_t online, bool reconnected = false);
// "> Joined #ops (2 users online)": a /join took effect.
std::string joined_room_line(std::string_view room, std::size_t online);
// "> New user bob entered (2 users online)"
std::string entered_line(std::string_view name, std::size_t online);
// "< The user bob left (1 user online)", with the reason when it was not their choice (quitting
// and leaving the room are):
// "< The user bob left (timed out) (1 user online)".
std::string left_line(std::string_view name, std::size_t online, leave_reason reason);
// "[bob] World"; for an action (/me), "* bob waves". A kind this client does not know reads as
// text.
std::string chat_line(std::string_view sender, std::string_view text,
                      line_kind kind = line_kind::text);
// "*alice* hi": a private message from alice; "-> *bob* hi": ours to bob, once the broker has it.
std::string private_line_from(std::string_view sender, std::string_view text);
std::string private_line_to(std::string_view recipient, std::string_view text);

} // namespace zchat::proto
