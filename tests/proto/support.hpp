// Helpers shared by the protocol tests: decoding owned frames, reading decode results, and a few
// constants the tests and the golden vectors (proto/test_vectors.txt) have in common.
#pragma once

#include "proto/codec.hpp"
#include "tests/support/message_body.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace zchat::proto {

// Failure messages name error codes ("E_MALFORMED") instead of dumping bytes.
inline void PrintTo(error_code code, std::ostream* os) {
    *os << error_name(code) << " (" << static_cast<unsigned>(code) << ")";
}
inline void PrintTo(const decode_error& e, std::ostream* os) {
    PrintTo(e.code, os);
    *os << ": " << e.reason;
}
// An event header as its fields: "shutdown epoch=5 seq=0 room=\"\" text=\"\"".
inline void PrintTo(const event_header& h, std::ostream* os) {
    *os << kind_name(h.kind) << " epoch=" << h.epoch << " seq=" << h.seq << " room=\"" << h.room
        << "\" text=\"" << h.text_head << '"';
}

} // namespace zchat::proto

namespace zchat::proto::test {

// The session secret and epoch used throughout the golden vectors.
inline constexpr session_secret secret{0x3c, 0x5e, 0xa1, 0x07, 0xd2, 0x94, 0x6b, 0xf0,
                                       0x18, 0xc7, 0x2e, 0x89, 0x55, 0x0a, 0xb3, 0xe6};
inline constexpr std::uint64_t epoch = 0x9e3779b97f4a7c15;

// The header decode_event_headers should read from an event: its kind and epoch, and for a room's
// event its seq and room; for a LINE the first text_bytes of its text.
inline event_header header_of(const event& e, std::size_t text_bytes) {
    return std::visit(
        [&]<class E>(const E& ev) {
            event_header h{event_kind_of(e), ev.epoch, 0, {}, {}};
            if constexpr (requires { ev.room; }) {
                h.seq = ev.seq;
                h.room = ev.room;
            }
            if constexpr (std::is_same_v<E, line>)
                h.text_head = std::string_view{ev.text}.substr(0, text_bytes);
            return h;
        },
        e);
}

// The signature and version every body starts with.
inline std::string header() {
    return zchat::test::body_header();
}

// A big-endian number of the given width.
template <class Int>
std::string be(Int value) {
    std::string s(sizeof(Int), '\0');
    for (std::size_t i = 0; i < sizeof(Int); ++i)
        s[sizeof(Int) - 1 - i] =
            static_cast<char>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xFF);
    return s;
}
inline std::string bytes(const session_secret& s) {
    return std::string(s.begin(), s.end());
}

using zchat::test::body;

inline decoded<command> decode_command_frames(const frame_list& frames) {
    const auto v = views(frames);
    return decode_command(v);
}
inline decoded<reply> decode_reply_frames(const frame_list& frames) {
    const auto v = views(frames);
    return decode_reply(v);
}
inline decoded<event> decode_event_frames(const frame_list& frames) {
    const auto v = views(frames);
    return decode_event(v);
}

// The error a decode produced, or nothing if it succeeded.
template <class T>
std::optional<error_code> error_of(const decoded<T>& d) {
    if (const auto* e = std::get_if<decode_error>(&d))
        return e->code;
    return std::nullopt;
}

// The reason text a decode error carries ("" if the decode succeeded).
template <class T>
std::string reason_of(const decoded<T>& d) {
    if (const auto* e = std::get_if<decode_error>(&d))
        return e->reason;
    return {};
}

} // namespace zchat::proto::test
