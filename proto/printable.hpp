// Makes untrusted text safe to print on a terminal.
//
// Every printer (the client's view, the broker's log, the tap) passes network bytes through
// here, even though the broker refuses control characters at the door: a printer must not
// trust that every peer it hears from enforces the same rules.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace zchat::proto {

// Returns text with nothing that can move the cursor, change colours or reorder what follows:
// TAB becomes a space; other controls (C0, DEL, C1), invisible or bidi characters and
// noncharacters become a visible escape such as "\u{1B}"; each malformed UTF-8 byte becomes
// U+FFFD. Inside an emoji sequence (a grapheme cluster that starts with a pictographic
// character) a zero-width joiner before another pictographic character, variation selectors
// and tag characters are kept: they make one emoji of several, and reorder nothing.
std::string printable(std::string_view text);

// The terminal columns `text` takes, for text that printable() made.
std::size_t display_width(std::string_view text);

// As much of `text` (printable() text) from its start as fits in `columns` terminal columns,
// cut between code points.
std::string first_columns(std::string_view text, std::size_t columns);

} // namespace zchat::proto
