// A strict UTF-8 decoder shared by validation and by the terminal-safe printer.
#pragma once

#include <cstddef>
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

// Characters that render as nothing or reorder text: Unicode's Default_Ignorable_Code_Point set
// (zero-width, joiners, bidi controls, fillers, variation selectors, tags and other format
// characters) plus the interlinear annotation controls U+FFF9..U+FFFB. Allowed in chat text,
// refused in names, escaped by printers.
bool is_invisible(char32_t cp);

} // namespace zchat::proto::utf8
