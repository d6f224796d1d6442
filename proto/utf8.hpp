// A strict UTF-8 decoder shared by validation and by the terminal-safe printer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zchat::proto::utf8 {

inline constexpr char32_t invalid = 0xFFFFFFFF;

// Decodes the code point starting at text[pos] and advances pos past it. On malformed input
// (overlong form, surrogate, past U+10FFFF, truncated or stray byte) returns `invalid` and
// advances pos by one byte, so callers can resynchronise.
char32_t next(std::string_view text, std::size_t& pos);

// Appends the UTF-8 encoding of a valid code point.
template <class String>
void append(String& out, char32_t cp) {
    using C = typename String::value_type;
    if (cp < 0x80) {
        out.push_back(static_cast<C>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<C>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<C>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<C>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<C>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<C>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<C>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<C>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<C>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<C>(0x80 | (cp & 0x3F)));
    }
}

// C0 controls, DEL and C1 controls.
constexpr bool is_control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// Noncharacters: U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF,
// U+1FFFE, ..., U+10FFFF). Well-formed UTF-8 but never meant for interchange: allowed in chat
// text, refused in names, escaped by printers.
constexpr bool is_noncharacter(char32_t cp) {
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp <= 0x10FFFF && (cp & 0xFFFE) == 0xFFFE);
}

// Characters that render as nothing or reorder text, or whose rendering is unknown: Unicode's
// Default_Ignorable_Code_Point set (zero-width, joiners, bidi controls, fillers, variation
// selectors, tags and other format characters), the interlinear annotation controls
// U+FFF9..U+FFFB, and every code point unassigned in the Unicode version of libutf8proc (15.0
// in Debian 12). Allowed in chat text, refused in names, escaped by printers (but see
// printable() for emoji sequences).
bool is_invisible(char32_t cp);

// Unicode's space separators, line and paragraph separators (categories Zs, Zl, Zp).
bool is_space(char32_t cp);

// Private-use code points (category Co): their meaning is a private agreement.
bool is_private_use(char32_t cp);

// Unicode's Extended_Pictographic: the characters emoji sequences are made of.
bool is_pictographic(char32_t cp);

// Whether Unicode's grapheme cluster rules (UAX #29) put a boundary between `before` and `cp`.
// `state` carries what the rules must remember across a cluster; start it at 0 for a text.
bool cluster_break(char32_t before, char32_t cp, std::int32_t& state);

// The columns a terminal gives `cp`: 0 (combining, invisible), 1, or 2 (East Asian wide and
// emoji).
int column_width(char32_t cp);

} // namespace zchat::proto::utf8
