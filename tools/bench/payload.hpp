// The text of a bench chat line, and reading a LINE event without a full decode.
//
// A line's text names its publisher, its message id and its intended send time, in fixed-width
// hexadecimal, padded with '.' to the requested size:
// "pppppppp:mmmmmmmmmmmmmmmm:tttttttttttttttt...". It is valid UTF-8 without control characters, so
// the broker accepts it as chat text. The intended time (steady_clock nanoseconds, shared by every
// process on the machine) lets the receiver compute the end-to-end latency. Pure functions: no
// sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace zchat::bench {

inline constexpr std::size_t min_payload_bytes = 8 + 1 + 16 + 1 + 16;

struct payload {
    std::uint32_t publisher = 0;
    std::uint64_t message_id = 0;
    std::uint64_t intended_ns = 0;
    bool operator==(const payload&) const = default;
};

// The text for `p`, exactly max(size, min_payload_bytes) bytes.
std::string encode_payload(const payload& p, std::size_t size);
// The fields of a text made by encode_payload, or nothing if it is not one.
std::optional<payload> decode_payload(std::string_view text);

// What the bench needs of a LINE event: its sequence number and its text. Frames are those of
// an event (topic first). Nothing if the frames are not a LINE of the expected shape.
struct line_view {
    std::uint64_t seq = 0;
    std::string_view text;
};
std::optional<line_view> read_line(std::span<const std::string_view> frames);

} // namespace zchat::bench
