#include "proto/validate.hpp"

#include "proto/utf8.hpp"

#include <algorithm>
#include <array>

namespace zchat::proto {
namespace {

bool is_unusable_in_name(char32_t cp) {
    return utf8::is_private_use(cp) || utf8::is_noncharacter(cp) || cp == 0xFFFD;
}

enum class script { none, latin, greek, cyrillic };

script script_of(char32_t cp) {
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
        (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x1E00 && cp <= 0x1EFF))
        return script::latin;
    if ((cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x1F00 && cp <= 0x1FFF))
        return script::greek;
    if (cp >= 0x400 && cp <= 0x52F)
        return script::cyrillic;
    return script::none;
}

constexpr std::array<std::string_view, 2> reserved_names{"you", "server"};

} // namespace

bool valid_utf8(std::string_view bytes) {
    for (std::size_t pos = 0; pos < bytes.size();) {
        if (utf8::next(bytes, pos) == utf8::invalid)
            return false;
    }
    return true;
}

std::optional<decode_error> check_name(std::string_view name, std::size_t max_chars) {
    if (name.empty())
        return decode_error{error_code::name_invalid, "name is empty"};
    if (!valid_utf8(name))
        return decode_error{error_code::bad_utf8, "name is not valid UTF-8"};
    std::size_t chars = 0;
    script seen = script::none;
    for (std::size_t pos = 0; pos < name.size();) {
        const char32_t cp = utf8::next(name, pos);
        ++chars;
        if (utf8::is_control(cp))
            return decode_error{error_code::control_char, "name contains a control character"};
        if (utf8::is_space(cp))
            return decode_error{error_code::name_invalid, "name contains a space"};
        if (utf8::is_invisible(cp) || is_unusable_in_name(cp))
            return decode_error{error_code::name_invalid,
                                "name contains an invisible or unusable character"};
        const script s = script_of(cp);
        if (s != script::none) {
            if (seen != script::none && seen != s)
                return decode_error{error_code::name_invalid,
                                    "name mixes Latin, Greek or Cyrillic letters"};
            seen = s;
        }
    }
    if (chars > max_chars)
        return decode_error{error_code::too_long,
                            "name is longer than " + std::to_string(max_chars) + " characters"};
    const std::string folded = fold_name(name);
    for (const std::string_view reserved : reserved_names) {
        if (folded == reserved)
            return decode_error{error_code::name_invalid,
                                "name '" + std::string{name} + "' is reserved"};
    }
    return std::nullopt;
}

std::optional<decode_error> check_room(std::string_view room) {
    const bool allowed = std::all_of(room.begin(), room.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (room.empty() || room.size() > max_room_bytes || !allowed)
        return decode_error{error_code::room_invalid, "a room name is 1 to " +
                                                          std::to_string(max_room_bytes) +
                                                          " characters of a-z, 0-9, '-' and '_'"};
    return std::nullopt;
}

std::optional<decode_error> check_text(std::string_view text, std::size_t max_bytes) {
    if (text.empty())
        return decode_error{error_code::empty_text, "text is empty"};
    if (text.size() > max_bytes)
        return decode_error{error_code::too_long,
                            "text is longer than " + std::to_string(max_bytes) + " bytes"};
    for (std::size_t pos = 0; pos < text.size();) {
        const char32_t cp = utf8::next(text, pos);
        if (cp == utf8::invalid)
            return decode_error{error_code::bad_utf8, "text is not valid UTF-8"};
        if (utf8::is_control(cp) && cp != '\t')
            return decode_error{error_code::control_char, "text contains a control character"};
    }
    return std::nullopt;
}

std::string fold_name(std::string_view name) {
    std::string folded{name};
    for (char& c : folded) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return folded;
}

} // namespace zchat::proto
