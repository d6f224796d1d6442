// What the tap knows about one thing it saw or concluded: an event as it arrived, a frame that
// did not decode, and the tap's own conclusions (a gap, a broker restart, an alert, the broker
// coming back). The monitor produces these; the formatters print them. Plain data, no sockets.
#pragma once

#include "proto/codec.hpp"
#include "proto/message.hpp"
#include "proto/names.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace zchat::tap {

using wall_clock = std::chrono::system_clock;
using steady_clock = std::chrono::steady_clock;

// When something arrived: the wall time is printed, the steady time measures silences (a wall
// clock that jumps must not fake a missing heartbeat).
struct stamp {
    wall_clock::time_point wall;
    steady_clock::time_point steady;
};

// An event that decoded, with the topic frame it came under and the size on the wire of the
// message that carried it (counted once: 0 for the second and later events of a batch).
struct observed_event {
    std::string topic;
    proto::event event;
    std::size_t bytes = 0;
};

// A message that did not decode: shown and counted, never trusted.
struct undecodable {
    std::string topic; // the first frame, raw
    proto::decode_error error;
    std::size_t frames = 0;
    std::size_t bytes = 0;
    std::string preview; // lower-case hex of the first bytes of the frames after the topic
};

// Events of one room's sequence (its chat, or its presence) that the tap never received: seqs
// first..last of epoch, both included.
struct gap {
    std::string room;
    std::string_view stream; // "chat" or "presence"
    std::uint64_t epoch = 0;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::uint64_t missed() const { return last - first + 1; }
};

// A new epoch after another one: the broker restarted. Not a gap.
struct restart {
    std::uint64_t previous_epoch = 0;
    std::uint64_t epoch = 0;
};

// Something that should never happen, for the operator's attention.
enum class alert_kind {
    seq_backwards,     // a seq lower than one already seen in the same epoch
    heartbeat_missing, // no event for liveness x the heartbeat interval
    online_mismatch,   // an online count that disagrees with the joins and leaves seen
};

struct alert {
    alert_kind kind = alert_kind::seq_backwards;
    std::string message; // plain ASCII built by the tap, no network bytes
    std::uint64_t epoch = 0;
    std::string room; // of the event, if a room's
    std::optional<std::uint64_t> seq;
    std::optional<std::uint64_t> previous_seq;
    std::optional<std::uint32_t> online;
    std::optional<std::uint32_t> expected_online;
    std::optional<std::uint64_t> roster_version;
    std::optional<std::uint64_t> silent_ms;
    std::optional<std::uint32_t> interval_ms;
};

// Events arrive again after a heartbeat_missing alert.
struct back {
    std::uint64_t silent_ms = 0;
    std::uint64_t epoch = 0;
    bool new_epoch = false;
};

// What arrived on the SUB socket, decoded or not.
using observation = std::variant<observed_event, undecodable>;

// Decodes one multipart message (topic frame first) into observations: one per event it holds
// (more than one for a batch), or, for an empty message or one that decode_events refuses, one
// `undecodable` with a hex preview of its first bytes.
std::vector<observation> read_message(std::span<const std::string_view> frames);

using note_body = std::variant<observed_event, undecodable, gap, restart, alert, back>;

struct note {
    stamp time;
    note_body body;
};

// The kind as printed and in JSON: an event's kind, or "undecodable", "gap", "restart", "alert",
// "back".
std::string_view kind_of(const note_body& n);
inline constexpr proto::name_table<alert_kind, 3> alert_names{{
    {alert_kind::seq_backwards, "seq_backwards"},
    {alert_kind::heartbeat_missing, "heartbeat_missing"},
    {alert_kind::online_mismatch, "online_mismatch"},
}};
// "seq_backwards", "heartbeat_missing" or "online_mismatch".
constexpr std::string_view alert_name(alert_kind k) {
    return proto::name_in(alert_names, k, "unknown");
}

// Epoch of any event; seq and room of a room's event (0 and empty for a broker-wide one).
std::uint64_t epoch_of(const proto::event& e);
std::uint64_t seq_of(const proto::event& e);
std::string_view room_of(const proto::event& e);
// Which of its room's sequences a room's event is numbered in: "chat" (LINE) or "presence".
std::string_view stream_of(const proto::event& e);

} // namespace zchat::tap
