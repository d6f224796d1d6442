// Encoding and decoding of zchat messages to and from ZeroMQ multipart frames.
//
// The codec checks structure only: signature, version, command word, frame count, field widths.
// Whether a name or a text is acceptable is validate.hpp's business, because those limits are
// the broker's configuration. Decoding never throws on peer input: a malformed message is a
// decode_error value carrying the error code the broker answers with. Every message's frames are
// described once, in shapes.hpp; encoding, decoding and PROTOCOL.md's frame tables follow from it.
#pragma once

#include "proto/message.hpp"
#include "proto/names.hpp" // error_name() for what decoding refuses

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zchat::proto {

using frame_list = std::vector<std::string>;

// Hard structural caps of protocol version 1 (PROTOCOL.md, "Limits").
inline constexpr std::size_t max_command_frames = 8;
inline constexpr std::size_t max_name_bytes = 256;
inline constexpr std::size_t max_text_bytes = 65536;

struct decode_error {
    error_code code = error_code::malformed;
    std::string reason;
    bool operator==(const decode_error&) const = default;
};

template <class T>
using decoded = std::variant<T, decode_error>;

// Topic prefixes. Every topic ends with '/', because SUB matching is a prefix match and
// "chat/lobby" would otherwise also select "chat/lobby2".
namespace topic {
inline constexpr std::string_view chat = "chat/";
inline constexpr std::string_view presence = "presence/";
inline constexpr std::string_view system = "sys/";
inline constexpr std::string_view probe = "probe/";
} // namespace topic

// The topic frame an event is published under.
std::string topic_of(const event& e);

// The topic under which the broker probes the given pending session.
std::string probe_topic(std::uint64_t session_id);

// Frames for a command, a reply, or an event (an event's first frame is its topic).
frame_list encode(const command& c);
frame_list encode(const reply& r);
frame_list encode(const event& e);

// Decodes frames received by the broker from a client (routing id already removed).
decoded<command> decode_command(std::span<const std::string_view> frames);
// Decodes frames received by a client on its DEALER.
decoded<reply> decode_reply(std::span<const std::string_view> frames);
// Decodes frames received on a SUB socket, topic frame first.
decoded<event> decode_event(std::span<const std::string_view> frames);

// What a receiver that checks millions of deliveries needs of an event, read without decoding
// the rest of it.
struct event_header {
    event_kind kind = event_kind::line;
    std::uint64_t epoch = 0;
    std::uint64_t seq = 0;
    // LINE only: the first bytes of the text (fewer if the text is shorter), viewing the frames
    // given to decode_event_header; empty for other events.
    std::string_view text_head;
    bool operator==(const event_header&) const = default;
};

// Decodes an event's header from frames received on a SUB socket, topic frame first, keeping at
// most `text_bytes` of a LINE's text. It checks the signature frame, that the word is an event's
// and the frame count the one that event has, and that epoch and seq are 8 bytes each; it checks
// nothing else (not the topic, the other fields' widths, nor the text's length or encoding).
// So every event decode_event accepts has a header, with the same kind, epoch and seq, but a
// header does not promise that decode_event would accept the event. Nothing when a check fails.
// Never reads outside the frames, never allocates, never throws.
std::optional<event_header> decode_event_header(std::span<const std::string_view> frames,
                                                std::size_t text_bytes);

// Views of owned frames, for feeding encoder output back into a decoder.
std::vector<std::string_view> views(const frame_list& frames);

} // namespace zchat::proto
