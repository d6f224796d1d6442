// CurveZMQ keys as zchat keeps them on disk: one key per file, in the Z85 text that libzmq's own
// curve_keygen prints, under the same header:
//
//     == CURVE PUBLIC KEY ==          == CURVE SECRET KEY ==
//     <40 Z85 characters>             <40 Z85 characters>
//
// A secret key file must be private to its owner (no group or other permissions), as ssh
// insists of its keys. Blank lines and trailing blanks (spaces, tabs, '\r') are tolerated; anything
// else is an error.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace zchat::runtime {

// A CURVE key is 32 bytes; its Z85 text (ZeroMQ RFC 32) is 40 characters.
inline constexpr std::size_t curve_key_bytes = 32;
inline constexpr std::size_t z85_key_chars = 40;

// The Z85 text of a 32-byte key (libzmq's encoder). `raw_key` must be curve_key_bytes long.
std::string z85_encode_key(std::string_view raw_key);

// The 32 bytes of a key's Z85 text (libzmq's decoder), or nullopt if `text` is not 40
// characters of Z85.
std::optional<std::string> z85_decode_key(std::string_view text);

// Whether `text` is a Z85-encoded 32-byte key.
bool is_z85_key(std::string_view text);

// A key file cannot be read, written or parsed; the message names the file and the cause.
struct key_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class key_kind { public_key, secret_key };

struct curve_key_pair {
    std::string public_key; // Z85
    std::string secret_key; // Z85
};

// A fresh key pair from libzmq (libsodium's random source). Throws key_error if libzmq was
// built without CURVE.
curve_key_pair generate_key_pair();

// The public key that belongs to a secret one. Throws key_error if `secret_key` is not a key.
std::string public_key_of(std::string_view secret_key);

// The contents of a key file holding `key`.
std::string format_key_file(key_kind kind, std::string_view key);

// The key in a key file's contents; `source` names the file in errors.
std::string parse_key_file(std::string_view text, key_kind kind, const std::string& source);

// Reads the key file at `path`. A secret key file that others may read is refused.
std::string read_key_file(const std::string& path, key_kind kind);

// Writes `key` to a new file at `path`, mode 0600 for a secret key and 0644 for a public one.
// An existing file is replaced only if `overwrite`.
void write_key_file(const std::string& path, key_kind kind, std::string_view key, bool overwrite);

} // namespace zchat::runtime
