#include "proto/printable.hpp"

#include "proto/utf8.hpp"

#include <cstdint>
#include <cstdio>
#include <vector>

namespace zchat::proto {
namespace {

constexpr char32_t zero_width_joiner = 0x200D;

// The invisible characters an emoji sequence is built with: kept inside one.
bool joins_emoji(char32_t cp, char32_t next) {
    if (cp == zero_width_joiner)
        return utf8::is_pictographic(next);
    const bool variation_selector = cp >= 0xFE00 && cp <= 0xFE0F;
    const bool tag = cp >= 0xE0020 && cp <= 0xE007F;
    return variation_selector || tag;
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
    bool in_emoji = false; // the current grapheme cluster started with a pictographic character
    for (std::size_t i = 0; i < points.size(); ++i) {
        const char32_t cp = points[i];
        if (cp == utf8::invalid) {
            utf8::append(out, U'\uFFFD');
            state = 0;
            in_emoji = false;
            continue;
        }
        const bool starts_cluster = i == 0 || points[i - 1] == utf8::invalid ||
                                    utf8::cluster_break(points[i - 1], cp, state);
        if (starts_cluster)
            in_emoji = utf8::is_pictographic(cp);
        const char32_t next = i + 1 < points.size() ? points[i + 1] : utf8::invalid;
        if (cp == '\t') {
            out.push_back(' ');
        } else if (utf8::is_control(cp) || utf8::is_noncharacter(cp) ||
                   (utf8::is_invisible(cp) &&
                    !(in_emoji && !starts_cluster && joins_emoji(cp, next)))) {
            char escaped[16];
            std::snprintf(escaped, sizeof escaped, "\\u{%X}", static_cast<unsigned>(cp));
            out += escaped;
        } else {
            utf8::append(out, cp);
        }
    }
    return out;
}

std::size_t display_width(std::string_view text) {
    std::size_t columns = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const char32_t cp = utf8::next(text, pos);
        columns += cp == utf8::invalid ? 1 : static_cast<std::size_t>(utf8::column_width(cp));
    }
    return columns;
}

} // namespace zchat::proto
