#include "proto/runtime/curve_keys.hpp"

#include <zmq.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace zchat::runtime {
namespace {

constexpr std::string_view public_header = "== CURVE PUBLIC KEY ==";
constexpr std::string_view secret_header = "== CURVE SECRET KEY ==";

std::string_view header_of(key_kind kind) {
    return kind == key_kind::public_key ? public_header : secret_header;
}

std::string_view kind_name(key_kind kind) {
    return kind == key_kind::public_key ? "public" : "secret";
}

std::string errno_text(int code) {
    return std::strerror(code);
}

// The file's lines, each without a trailing '\r' and trailing blanks.
std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        lines.push_back(line);
        text.remove_prefix(std::min(end + 1, text.size()));
    }
    return lines;
}

} // namespace

std::string z85_encode_key(std::string_view raw_key) {
    assert(raw_key.size() == curve_key_bytes);
    std::array<char, z85_key_chars + 1> text{};
    zmq_z85_encode(text.data(), reinterpret_cast<const std::uint8_t*>(raw_key.data()),
                   raw_key.size());
    return text.data();
}

std::optional<std::string> z85_decode_key(std::string_view text) {
    if (text.size() != z85_key_chars)
        return std::nullopt;
    // libzmq reads a NUL-terminated string and refuses characters outside the alphabet and
    // groups larger than 32 bits; an embedded NUL would end its reading early, so refuse it here.
    if (text.find('\0') != std::string_view::npos)
        return std::nullopt;
    const std::string terminated{text};
    std::string raw(curve_key_bytes, '\0');
    if (zmq_z85_decode(reinterpret_cast<std::uint8_t*>(raw.data()), terminated.c_str()) == nullptr)
        return std::nullopt;
    return raw;
}

bool is_z85_key(std::string_view text) {
    return z85_decode_key(text).has_value();
}

curve_key_pair generate_key_pair() {
    std::array<char, z85_key_chars + 1> public_key{};
    std::array<char, z85_key_chars + 1> secret_key{};
    if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0)
        throw key_error("cannot make a CURVE key pair: " + errno_text(zmq_errno()) +
                        " (is libzmq built with CURVE?)");
    return {public_key.data(), secret_key.data()};
}

std::string public_key_of(std::string_view secret_key) {
    if (!is_z85_key(secret_key))
        throw key_error("not a CURVE secret key: '" + std::string{secret_key} + "'");
    const std::string secret{secret_key};
    std::array<char, z85_key_chars + 1> public_key{};
    if (zmq_curve_public(public_key.data(), secret.c_str()) != 0)
        throw key_error("cannot derive the public key: " + errno_text(zmq_errno()));
    return public_key.data();
}

std::string format_key_file(key_kind kind, std::string_view key) {
    return std::string{header_of(kind)} + "\n" + std::string{key} + "\n";
}

std::string parse_key_file(std::string_view text, key_kind kind, const std::string& source) {
    const key_kind other =
        kind == key_kind::public_key ? key_kind::secret_key : key_kind::public_key;
    std::string key;
    for (const std::string_view line : lines_of(text)) {
        if (line.empty() || line == header_of(kind))
            continue;
        if (line == header_of(other))
            throw key_error(source + ": this is a " + std::string{kind_name(other)} +
                            " key file; a " + std::string{kind_name(kind)} + " key is needed");
        if (!key.empty())
            throw key_error(source + ": more than one key in the file");
        if (!is_z85_key(line))
            throw key_error(source + ": not a CURVE " + std::string{kind_name(kind)} +
                            " key file (expected '" + std::string{header_of(kind)} +
                            "' and a 40-character Z85 key)");
        key = line;
    }
    if (key.empty())
        throw key_error(source + ": no key in the file");
    return key;
}

std::string read_key_file(const std::string& path, key_kind kind) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw key_error("cannot read " + path + ": " + errno_text(errno));
    std::ostringstream text;
    text << in.rdbuf();
    // What the file is comes first: a public key given where a secret one belongs is the
    // mistake to name, not the public file's (rightly) open permissions.
    std::string key = parse_key_file(text.str(), kind, path);
    if (kind == key_kind::secret_key) {
        struct stat st {};
        if (stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
            std::ostringstream mode;
            mode << std::oct << (st.st_mode & 0777);
            throw key_error(path + " is a secret key that other users may read (mode 0" +
                            mode.str() + "); run: chmod 600 " + path);
        }
    }
    return key;
}

void write_key_file(const std::string& path, key_kind kind, std::string_view key, bool overwrite) {
    const mode_t mode = kind == key_kind::secret_key ? 0600 : 0644;
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
    const int fd = open(path.c_str(), flags, mode);
    if (fd < 0)
        throw key_error("cannot write " + path + ": " + errno_text(errno) +
                        (errno == EEXIST ? " (use --force to replace it)" : ""));
    // An existing file keeps its old mode through O_TRUNC; a secret must not.
    const std::string text = format_key_file(kind, key);
    const bool written = fchmod(fd, mode) == 0 &&
                         ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int write_errno = errno;
    if (close(fd) != 0 || !written)
        throw key_error("cannot write " + path + ": " + errno_text(written ? errno : write_errno));
}

} // namespace zchat::runtime
