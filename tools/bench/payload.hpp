// The text of a bench chat line.
//
// A line's text names its publisher, its message id and its intended send time, in fixed-width
// hexadecimal, padded with '.' to the requested size:
// "pppppppp:mmmmmmmmmmmmmmmm:tttttttttttttttt...". It is valid UTF-8 without control characters, so
// the broker accepts it as chat text. The intended time (steady_clock nanoseconds, shared by every
// process on the machine) lets the receiver compute the end-to-end latency. The fields come first,
// so a receiver needs only the text's first min_payload_bytes (proto::decode_event_headers keeps
// as many). Pure functions: no sockets.
#pragma once

#include <cstdint>
#include <optional>
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
// The fields of a text made by encode_payload, or of its first min_payload_bytes or more, or
// nothing if it is not one.
std::optional<payload> decode_payload(std::string_view text);

} // namespace zchat::bench
