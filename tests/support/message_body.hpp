// A message body written byte by byte (PROTOCOL.md, section 2), for tests that need bytes the
// encoder never writes: proto::encode writes only what is right, and a case that gets a length, a
// width or a field wrong on purpose writes it here. body("SAY").secret(s).u64(1).text("hi") is a
// SAY's body; it converts to the body's bytes and to the one-frame message that carries it.
#pragma once

#include "proto/codec.hpp"

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>

namespace zchat::test {

// "ZCHAT" and the version byte: the first bytes of every body.
inline std::string body_header() {
    return std::string{proto::signature} + static_cast<char>(proto::protocol_version);
}

class body {
public:
    // `head` (normally the header), then `word` after its u8 length.
    explicit body(std::string_view word, std::string head = body_header())
        : bytes_(std::move(head)) {
        // A word's length is one byte: a longer word cannot be written as asked.
        assert(word.size() <= 255);
        u8(static_cast<std::uint8_t>(word.size()));
        bytes_.append(word);
    }
    // Exactly `bytes`, no header or word added: for a body whose start is itself wrong.
    static body raw(std::string bytes) {
        body b;
        b.bytes_ = std::move(bytes);
        return b;
    }

    body& u8(std::uint8_t v) { return number(v); }
    body& u16(std::uint16_t v) { return number(v); }
    body& u32(std::uint32_t v) { return number(v); }
    body& u64(std::uint64_t v) { return number(v); }
    body& secret(const proto::session_secret& s) {
        bytes_.append(s.begin(), s.end());
        return *this;
    }
    // A utf8 field: its u32 length, then its bytes.
    body& text(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        return bytes(s);
    }
    // Bytes as they are, no length in front.
    body& bytes(std::string_view b) {
        bytes_.append(b);
        return *this;
    }

    const std::string& str() const { return bytes_; }
    operator std::string() const { return bytes_; }
    operator proto::frame_list() const { return {bytes_}; }

private:
    body() = default;

    template <class Int>
    body& number(Int v) {
        for (std::size_t i = sizeof(Int); i-- > 0;)
            bytes_.push_back(static_cast<char>(static_cast<std::uint8_t>(v >> (8 * i))));
        return *this;
    }

    std::string bytes_;
};

} // namespace zchat::test
