#include "proto/printable.hpp"

#include "proto/utf8.hpp"

#include <cstdio>

namespace zchat::proto {

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const char32_t cp = utf8::next(text, pos);
        if (cp == utf8::invalid) {
            utf8::append(out, U'\uFFFD');
        } else if (cp == '\t') {
            out.push_back(' ');
        } else if (utf8::is_control(cp) || utf8::is_invisible(cp) || utf8::is_noncharacter(cp)) {
            char escaped[16];
            std::snprintf(escaped, sizeof escaped, "\\u{%X}", static_cast<unsigned>(cp));
            out += escaped;
        } else {
            utf8::append(out, cp);
        }
    }
    return out;
}

} // namespace zchat::proto
