#include "proto/printable.hpp"

#include "proto/utf8.hpp"

#include <cstdint>
#include <cstdio>
#include <vector>

namespace zchat::proto {
namespace {

constexpr char32_t zero_width_joiner = 0x200D;
constexpr char32_t black_flag = 0x1F3F4; // the base of the subdivision flags' tag sequences
constexpr char32_t combining_keycap = 0x20E3;
constexpr int max_flag_tags = 8; // "gbsct" and the cancel tag: subdivision codes are short

// A pictographic character we can name: unassigned ones are escaped, and start no emoji.
bool is_emoji_part(char32_t cp) {
    return utf8::is_pictographic(cp) && !utf8::is_invisible(cp);
}

// Whether invisible `cp`, inside a grapheme cluster that starts with `base`, joins an emoji
// sequence: a ZWJ between pictographic characters, a variation selector right after one
// (or after the digit of a keycap), a few tag characters after a black flag.
bool joins_emoji(char32_t base, char32_t before, char32_t cp, char32_t next, int tags_before) {
    if (cp == zero_width_joiner) // after the base and what extends it (a skin tone, say)
        return is_emoji_part(base) && is_emoji_part(next);
    if (cp >= 0xFE00 && cp <= 0xFE0F) {
        const bool keycap = (before == '#' || before == '*' || (before >= '0' && before <= '9')) &&
                            next == combining_keycap;
        return is_emoji_part(before) || keycap;
    }
    if (cp >= 0xE0020 && cp <= 0xE007F)
        return base == black_flag && tags_before < max_flag_tags;
    return false;
}

} // namespace

std::string printable(std::string_view text) {
    std::vector<char32_t> points;
    points.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();)
        points.push_back(utf8::next(text, pos));

    std::string out;
    out.reserve(text.size());
    std::int32_t state = 0;
    char32_t base = 0; // the first code point of the current grapheme cluster
    int tags = 0;      // tag characters in the current cluster so far
    for (std::size_t i = 0; i < points.size(); ++i) {
        const char32_t cp = points[i];
        if (cp == utf8::invalid) {
            utf8::append(out, U'\uFFFD');
            state = 0;
            base = 0;
            continue;
        }
        const char32_t before = i > 0 ? points[i - 1] : utf8::invalid;
        const bool starts_cluster =
            before == utf8::invalid || utf8::cluster_break(before, cp, state);
        if (starts_cluster) {
            base = cp;
            tags = 0;
        }
        const char32_t next = i + 1 < points.size() ? points[i + 1] : utf8::invalid;
        const bool kept_in_emoji = !starts_cluster && joins_emoji(base, before, cp, next, tags);
        if (cp >= 0xE0020 && cp <= 0xE007F)
            ++tags;
        if (cp == '\t') {
            out.push_back(' ');
        } else if (utf8::is_control(cp) || utf8::is_noncharacter(cp) ||
                   (utf8::is_invisible(cp) && !kept_in_emoji)) {
            char escaped[16];
            std::snprintf(escaped, sizeof escaped, "\\u{%X}", static_cast<unsigned>(cp));
            out += escaped;
        } else {
            utf8::append(out, cp);
        }
    }
    return out;
}

namespace {

// The columns of the code point at text[pos], advancing pos past it (a malformed byte: one).
std::size_t next_columns(std::string_view text, std::size_t& pos) {
    const char32_t cp = utf8::next(text, pos);
    return cp == utf8::invalid ? 1 : static_cast<std::size_t>(utf8::column_width(cp));
}

} // namespace

std::size_t display_width(std::string_view text) {
    std::size_t columns = 0;
    for (std::size_t pos = 0; pos < text.size();)
        columns += next_columns(text, pos);
    return columns;
}

std::string first_columns(std::string_view text, std::size_t columns) {
    std::size_t used = 0;
    std::size_t end = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        used += next_columns(text, pos);
        if (used > columns)
            break;
        end = pos;
    }
    return std::string{text.substr(0, end)};
}

} // namespace zchat::proto
