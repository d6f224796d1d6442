// How a shown line looks on a terminal that takes colour: each style its colour, a speaker's
// name a colour of its own (the same for the same name, run after run, so people are told apart
// at a glance), and a line that mentions you in bold. Pure: the terminal writes what this makes.
#pragma once

#include "client/conversation.hpp"

#include <string>
#include <string_view>

namespace zchat::client {

// The SGR foreground colour of `name`: one of a fixed set, chosen by a hash of the name.
int name_colour(std::string_view name);

// `line`'s text with the SGR sequences of its look; without `colour`, the text as it is.
std::string styled(const printed& line, bool colour);

} // namespace zchat::client
