#include "tools/common/z85.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>

namespace zchat::tools {
namespace {

constexpr std::string_view alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ".-:+=^!/*?&<>()[]{}@%$#";
static_assert(alphabet.size() == 85);

// Each character's value, or -1 for a character outside the alphabet.
constexpr std::array<int, 256> values = [] {
    std::array<int, 256> v{};
    v.fill(-1);
    for (std::size_t i = 0; i < alphabet.size(); ++i)
        v[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
    return v;
}();

} // namespace

std::string z85_encode(std::string_view bytes) {
    if (bytes.size() % 4 != 0)
        throw std::invalid_argument("Z85 encodes whole groups of 4 bytes");
    std::string text;
    text.reserve(bytes.size() / 4 * 5);
    for (std::size_t i = 0; i < bytes.size(); i += 4) {
        std::uint32_t value = 0;
        for (std::size_t j = 0; j < 4; ++j)
            value = value << 8 | static_cast<unsigned char>(bytes[i + j]);
        std::array<char, 5> group{};
        for (std::size_t j = 5; j-- > 0;) {
            group[j] = alphabet[value % 85];
            value /= 85;
        }
        text.append(group.data(), group.size());
    }
    return text;
}

std::optional<std::string> z85_decode(std::string_view text) {
    if (text.size() % 5 != 0)
        return std::nullopt;
    std::string bytes;
    bytes.reserve(text.size() / 5 * 4);
    for (std::size_t i = 0; i < text.size(); i += 5) {
        std::uint64_t value = 0;
        for (std::size_t j = 0; j < 5; ++j) {
            const int digit = values[static_cast<unsigned char>(text[i + j])];
            if (digit < 0)
                return std::nullopt;
            value = value * 85 + static_cast<std::uint64_t>(digit);
        }
        if (value > UINT32_MAX)
            return std::nullopt;
        for (int shift = 24; shift >= 0; shift -= 8)
            bytes.push_back(static_cast<char>(value >> shift & 0xFF));
    }
    return bytes;
}

bool is_z85_key(std::string_view text) {
    return text.size() == z85_key_chars && z85_decode(text).has_value();
}

} // namespace zchat::tools
