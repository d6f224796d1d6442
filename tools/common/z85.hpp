// Z85 (ZeroMQ RFC 32): the text form of CURVE keys. Every 4 bytes, read as a big-endian
// number, become 5 characters of base 85 from a printable alphabet without quotes, space or
// backslash. Pure code, so that the broker's core can read keys without linking libzmq.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace zchat::tools {

// A Z85-encoded CURVE key is 40 characters: 32 bytes, 5 characters per 4 bytes.
inline constexpr std::size_t z85_key_chars = 40;
inline constexpr std::size_t curve_key_bytes = 32;

// The Z85 text of `bytes`, whose size must be a multiple of 4 (else std::invalid_argument).
std::string z85_encode(std::string_view bytes);

// The bytes of a Z85 text, or nullopt if its size is not a multiple of 5, it has a character
// outside the alphabet, or a group of 5 is larger than 32 bits.
std::optional<std::string> z85_decode(std::string_view text);

// Whether `text` is a Z85-encoded 32-byte key.
bool is_z85_key(std::string_view text);

} // namespace zchat::tools
