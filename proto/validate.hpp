// Content rules for names and chat text: UTF-8, control characters, lengths, reserved names.
//
// The codec has already checked structure; these checks take the broker's configured limits.
// Each check returns the error the broker answers with, or nothing when the input is fine.
#pragma once

#include "proto/codec.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace zchat::proto {

inline constexpr std::size_t default_max_name_chars = 32;
inline constexpr std::size_t default_max_text_bytes = 4096;

// A name is 1..max_chars code points of valid UTF-8 with no space, control, invisible or bidi
// character, no private-use or noncharacter code point, letters of at most one of the Latin,
// Greek and Cyrillic scripts (so "bоb" with a Cyrillic o cannot pose as "bob"), and is not
// reserved ("You", "server", in any ASCII case).
std::optional<decode_error> check_name(std::string_view name, std::size_t max_chars);

// Text is 1..max_bytes of valid UTF-8 with no control character other than TAB.
std::optional<decode_error> check_text(std::string_view text, std::size_t max_bytes);

// A room name is 1..32 bytes of a-z, 0-9, '-' and '_' (PROTOCOL.md, section 11a), given
// without its '#'.
std::optional<decode_error> check_room(std::string_view room);

// The key under which names are unique: ASCII letters folded to lower case, so "Bob" and "bob"
// are one name. Other letters compare exactly; the script rule above keeps look-alikes out.
std::string fold_name(std::string_view name);

// Whether the bytes are well-formed UTF-8 (no overlong forms, surrogates, or code points past
// U+10FFFF).
bool valid_utf8(std::string_view bytes);

} // namespace zchat::proto
