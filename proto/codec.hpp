// Encoding and decoding of zchat messages to and from ZeroMQ frames.
//
// Protocol version 2 frames compactly: a command or a reply is one frame (its body), an event two
// (its topic and its body); a body is the signature, the word and the fields, each of a fixed
// width or length-prefixed. The codec checks structure only: signature, version, word, frame
// count, field widths and lengths. Whether a name or a text is acceptable is validate.hpp's
// business, because those limits are the broker's configuration. Decoding never throws on peer
// input: a malformed message is a decode_error value carrying the error code the broker answers
// with. Every message's fields are described once, in shapes.hpp; encoding, decoding and
// PROTOCOL.md's field tables follow from it.
#pragma once

#include "proto/message.hpp"
#include "proto/names.hpp" // error_name() for what decoding refuses

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zchat::proto {

using frame_list = std::vector<std::string>;

// The signature and version that begin every body.
inline constexpr std::size_t signature_bytes = 6;

// Hard structural caps (PROTOCOL.md, "Framing").
inline constexpr std::size_t max_name_bytes = 256;
inline constexpr std::size_t max_text_bytes = 65536;

// What a SAY's body takes besides its text (header, word, secret, the longest room, message id,
// kind, the text's length): a broker must accept commands of at least its text limit plus this.
inline constexpr std::size_t say_overhead_bytes = 6 + 4 + 16 + 4 + max_room_bytes + 8 + 1 + 4;
// What a MSG's body takes besides its text (header, word, secret, the longest name, message id,
// the text's length).
inline constexpr std::size_t msg_overhead_bytes = 6 + 4 + 16 + 4 + max_name_bytes + 8 + 4;
// The most a command carrying a text (SAY, MSG) takes besides it: a broker must accept commands
// of at least its text limit plus this.
inline constexpr std::size_t text_command_overhead_bytes =
    say_overhead_bytes > msg_overhead_bytes ? say_overhead_bytes : msg_overhead_bytes;
// The longest HELLO the codec accepts: a name at its cap, the longest room and a resume ticket.
inline constexpr std::size_t longest_hello_bytes =
    6 + 6 + 4 + max_name_bytes + 4 + max_room_bytes + 1 + 24;
// The longest PING a client sends: a position for each of the most rooms, each with the longest
// name.
inline constexpr std::size_t longest_ping_bytes =
    6 + 5 + 16 + 4 + max_rooms_per_session * (4 + max_room_bytes + 8);
// The longest command but SAY and MSG (whose length follows from its text): a broker must accept
// commands of at least this many bytes.
inline constexpr std::size_t longest_other_command_bytes =
    longest_hello_bytes > longest_ping_bytes ? longest_hello_bytes : longest_ping_bytes;

// The bytes one history line takes in a HISTORY's `lines`: its fixed fields, its sender and its
// text.
constexpr std::size_t history_line_bytes(const history_line& l) {
    return 8 + 4 + 4 + l.sender.size() + 8 + 8 + 1 + 4 + l.text.size();
}

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
inline constexpr std::string_view heartbeat = "sys/heartbeat/";
inline constexpr std::string_view shutdown = "sys/shutdown/";
inline constexpr std::string_view stats = "sys/stats/";
inline constexpr std::string_view relay = "sys/relay/";
inline constexpr std::string_view probe = "probe/";
// What a client needs of the broker-wide events: that the broker lives, and when it stops.
// Not `system`, which adds STATS and RELAY: counters for taps that would cost the broker a
// send to every client each stats interval.
inline constexpr std::array<std::string_view, 2> client_system = {heartbeat, shutdown};
} // namespace topic

// The topic frame an event is published under: built here and nowhere else.
std::string topic_of(const event& e);
// The topics of a room's chat (LINE) and its presence (JOIN, LEAVE): "chat/<room>/",
// "presence/<room>/".
std::string chat_topic(std::string_view room);
std::string presence_topic(std::string_view room);

// The topic under which the broker probes the given pending session.
std::string probe_topic(std::uint64_t session_id);

// Frames for a command or a reply (one frame), or an event (its topic, then its body).
frame_list encode(const command& c);
frame_list encode(const reply& r);
frame_list encode(const event& e);
// One PUB message carrying several events of one topic in one body (PROTOCOL.md, "Batches"): the
// topic of the first, then the body. `events` is not empty and every event has that topic. A
// batch of one is the same message as encode(event).
frame_list encode_batch(std::span<const event> events);
// Appends the events of `more`, a message encode() or encode_batch() made, to the body of
// `batch`, another such message with the same topic: the result is the message encode_batch()
// makes of both messages' events. For a sender that batches what it has already encoded.
void extend_batch(frame_list& batch, const frame_list& more);

// Version 1 framed every field as a frame and promised that ERROR's layout would let any client
// read why it was refused (PROTOCOL.md, section 16). So a version-1 peer is answered E_VERSION in
// v1's frames: its signature frame, "ERROR", the u16 code, the u64 message id and the reason.
inline constexpr std::uint8_t retired_version = 1;
frame_list encode_v1_error(const error& e);
// Whether a message's first frame is exactly version 1's signature frame.
bool is_v1_message(std::span<const std::string_view> frames);

// Decodes frames received by the broker from a client (routing id already removed).
decoded<command> decode_command(std::span<const std::string_view> frames);
// Decodes frames received by a client on its DEALER.
decoded<reply> decode_reply(std::span<const std::string_view> frames);
// Decodes a message received on a SUB socket, topic frame first: every event of its body, in
// order (one, or more for a batch). Every subscriber reads events this way.
decoded<std::vector<event>> decode_events(std::span<const std::string_view> frames);
// Decodes a message that must hold exactly one event; a batch of more is E_MALFORMED. For
// callers that inspect what one encode(event) produced (tests, the fuzzers).
decoded<event> decode_event(std::span<const std::string_view> frames);

// What a receiver that checks millions of deliveries needs of an event, read without decoding
// the rest of it.
struct event_header {
    event_kind kind = event_kind::line;
    std::uint64_t epoch = 0;
    // A room's events (LINE, JOIN, LEAVE) only; 0 and empty for broker-wide events. The room
    // views the frames given to decode_event_headers.
    std::uint64_t seq = 0;
    std::string_view room;
    // LINE only: the first bytes of the text (fewer if the text is shorter), viewing the frames
    // given to decode_event_headers; empty for other events.
    std::string_view text_head;
    bool operator==(const event_header&) const = default;
};

// Decodes the header of every event of a message received on a SUB socket (topic frame first)
// into `out`, keeping at most `text_bytes` of each LINE's text. It checks the frame count, the
// signature, each event's word and that its fields fit the body; it checks nothing else (not the
// topic, the text caps nor the text's encoding). So every message decode_events accepts has
// headers, with the same kinds, epochs and seqs, but headers do not promise that decode_events
// would accept the message. False, with `out` cleared, when a check fails. Never reads outside
// the frames and never throws. On success it allocates only to grow `out`.
bool decode_event_headers(std::span<const std::string_view> frames, std::size_t text_bytes,
                          std::vector<event_header>& out);

// Views of owned frames, for feeding encoder output back into a decoder.
std::vector<std::string_view> views(const frame_list& frames);

// The word of a body (its first element after the signature: "WELCOME", "BYE"), without decoding
// the rest; empty if the body is too short to hold one. For a relay, which looks at a few kinds
// of message only and passes every one on unread.
std::string_view word_of(std::string_view body);

} // namespace zchat::proto
