#include "client/look.hpp"

#include <array>
#include <cstdint>

namespace zchat::client {
namespace {

std::string_view sgr_of(style look) {
    switch (look) {
    case style::own:
        return "\033[1m";
    case style::presence:
        return "\033[32m";
    case style::notice:
        return "\033[36m";
    case style::error:
        return "\033[31m";
    case style::history:
    case style::detail:
        return "\033[2m"; // dim: earlier conversation, or what only -v asked for
    case style::chat:
        return "";
    }
    return "";
}

// Where the speaker's name is in a line: right after the '[' of "[bob] hi", the "* " of
// "* bob waves" or the '*' of "*bob* psst", not in a room's name before it ("#bob [bob] hi").
std::size_t name_position(std::string_view text, std::string_view speaker) {
    for (std::size_t at = text.find(speaker); at != std::string_view::npos;
         at = text.find(speaker, at + 1)) {
        const char before = at > 0 ? text[at - 1] : '\0';
        if (before == '[' || before == '*' || (before == ' ' && at > 1 && text[at - 2] == '*'))
            return at;
    }
    return std::string_view::npos;
}

} // namespace

bool shown_at(style look, int verbosity) {
    if (look == style::presence)
        return verbosity >= 0;
    if (look == style::detail)
        return verbosity > 0;
    return true;
}

bool on_stderr(style look) {
    return look == style::error || look == style::detail;
}

int name_colour(std::string_view name) {
    // Not red, green or cyan, which errors, presence and notices use; readable on dark and light
    // backgrounds alike.
    constexpr std::array<int, 6> colours{33, 34, 35, 91, 94, 95};
    // FNV-1a: a fixed function, so a name keeps its colour from one run to the next.
    std::uint32_t hash = 2166136261u;
    for (const char c : name) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619u;
    }
    return colours[hash % colours.size()];
}

std::string styled(const printed& line, bool colour) {
    if (!colour)
        return line.text;
    std::string out{sgr_of(line.look)};
    if (line.mentions_you)
        out += "\033[1m";
    const std::size_t name_at =
        line.speaker.empty() ? std::string::npos : name_position(line.text, line.speaker);
    if (name_at == std::string::npos) {
        out += line.text;
    } else {
        out.append(line.text, 0, name_at);
        out += "\033[" + std::to_string(name_colour(line.speaker)) + "m";
        out += line.speaker;
        out += "\033[39m"; // the default colour again, keeping bold or dim
        out.append(line.text, name_at + line.speaker.size());
    }
    return out.size() == line.text.size() ? out : out + "\033[0m";
}

} // namespace zchat::client
