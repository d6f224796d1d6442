// How a shown line looks on a terminal that takes colour: each style its colour, a speaker's
// name a colour of its own (the same for the same name, run after run, so people are told apart
// at a glance), and a line that mentions you in bold. Pure: the terminal writes what this makes.
#pragma once

#include "client/conversation.hpp"

#include <string>
#include <string_view>

namespace zchat::client {

// Whether a line of this look is shown at this verbosity (-q -1, -v 1): who comes and goes and
// the connection's own notices not under -q, details of the connection only under -v; what is
// said, answers to what was asked, and errors always.
bool shown_at(style look, int verbosity);

// Whether a line of this look goes to stderr rather than stdout: errors, and -v's details, so
// that a script reading stdout sees the same lines at every verbosity but -q.
bool on_stderr(style look);

// The SGR foreground colour of `name`: one of a fixed set, chosen by a hash of the name.
int name_colour(std::string_view name);

// `line`'s text with the SGR sequences of its look; without `colour`, the text as it is.
std::string styled(const printed& line, bool colour);

} // namespace zchat::client
