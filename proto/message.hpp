// The zchat wire vocabulary: every command, reply and event as a plain struct.
//
// This header says what can be said, not how it is framed: codec.hpp turns these structs into
// ZeroMQ frames and back, and PROTOCOL.md specifies the bytes. Nothing here touches a socket.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace zchat::proto {

// Every message body (a command's or reply's one frame, an event's frame after its topic) starts
// with the signature followed by one version byte.
inline constexpr std::string_view signature = "ZCHAT";
inline constexpr std::uint8_t protocol_version = 2;

// The room a client joins unless it asks for another (PROTOCOL.md, section 11a).
inline constexpr std::string_view default_room = "lobby";
// A room name is 1 to this many bytes of a-z, 0-9, '-' and '_' (validate.hpp checks it).
inline constexpr std::size_t max_room_bytes = 32;
// How many rooms one session may be in at once.
inline constexpr std::uint32_t max_rooms_per_session = 32;

// A room's sequence numbers carry its generation in their high 32 bits (PROTOCOL.md, section 7):
// a room the broker forgot and opened again numbers its events above every number its name had
// before in the epoch, so a subscriber tells the reopening from a gap or a broker bug.
inline constexpr unsigned room_generation_shift = 32;
constexpr std::uint64_t room_generation(std::uint64_t seq) {
    return seq >> room_generation_shift;
}

// A secret the broker hands out in WELCOME; every later command of that session carries it, so
// choosing another peer's ZeroMQ routing id is not enough to act as that peer.
using session_secret = std::array<std::uint8_t, 16>;

// Stable error codes (PROTOCOL.md, "Errors"). The numbers are wire values: never renumber.
enum class error_code : std::uint16_t {
    malformed = 1,
    bad_signature = 2,
    unsupported_version = 3,
    unknown_command = 4,
    too_long = 5,
    bad_utf8 = 6,
    control_char = 7,
    name_taken = 8,
    name_invalid = 9,
    not_joined = 10,
    already_joined = 11,
    server_full = 12,
    empty_text = 13,
    session_replaced = 14,
    evicted = 15,
    rate_limited = 16,
    name_forbidden = 17,
    room_invalid = 18,
    not_in_room = 19,
    too_many_rooms = 20,
    no_such_user = 21,
    bad_range = 22,
};

// What a chat line is (SAY, LINE). Wire values: never renumber.
enum class line_kind : std::uint8_t {
    text = 0,   // something said: "[bob] hi"
    action = 1, // something done, IRC's /me: "* bob waves"
};

// Why a user left the room (LEAVE event). Wire values: never renumber.
enum class leave_reason : std::uint8_t {
    quit = 1,
    timed_out = 2,
    server_shutdown = 3,
    too_slow = 4,
    flooding = 5,
    too_many_errors = 6,
    key_revoked = 7,
    parted = 8,
};

// ---- Commands: client to broker, over DEALER -> ROUTER ----

// Proof of an earlier session, presented to take it over after a reconnect.
struct resume_ticket {
    std::uint64_t session_id = 0;
    session_secret secret{};
    bool operator==(const resume_ticket&) const = default;
};

struct hello {
    std::string name;
    // The room to enter once the join is confirmed; for a resume, the room the client shows
    // (WELCOME counts its members).
    std::string room;
    std::optional<resume_ticket> resume;
    bool operator==(const hello&) const = default;
};

// Confirms that the client's SUB socket receives: it has seen its PROBE.
struct ready {
    session_secret secret{};
    bool operator==(const ready&) const = default;
};

struct say {
    session_secret secret{};
    std::string room;
    std::uint64_t message_id = 0;
    std::string text;
    line_kind kind = line_kind::text; // on the wire before the text
    bool operator==(const say&) const = default;
};

struct who {
    session_secret secret{};
    std::string room;
    bool operator==(const who&) const = default;
};

// Enters a room besides those the session is in.
struct join {
    session_secret secret{};
    std::string room;
    bool operator==(const join&) const = default;
};

// Leaves one room; the session stays, in its other rooms (or in none).
struct part {
    session_secret secret{};
    std::string room;
    bool operator==(const part&) const = default;
};

// Asks which rooms have members.
struct list_rooms {
    session_secret secret{};
    bool operator==(const list_rooms&) const = default;
};

struct bye {
    session_secret secret{};
    bool operator==(const bye&) const = default;
};

// Where a subscriber stands in one room's chat: the highest chat sequence number it received.
struct room_position {
    std::string room;
    std::uint64_t seq = 0;
    bool operator==(const room_position&) const = default;
};

// Client heartbeat: a sign of life, carrying how far the client has read each room it is in.
struct ping {
    session_secret secret{};
    std::vector<room_position> positions;
    bool operator==(const ping&) const = default;
};

// A private message to one user, by name: delivered to that user's connection alone (a PRIVATE
// reply), never published.
struct private_say {
    session_secret secret{};
    std::string to;
    std::uint64_t message_id = 0;
    std::string text;
    bool operator==(const private_say&) const = default;
};

// Asks for the lines of a room numbered first to last (both included) that the broker still
// keeps: what was said before the client entered, or what it missed (PROTOCOL.md, section 7a).
struct fetch {
    session_secret secret{};
    std::string room;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    bool operator==(const fetch&) const = default;
};

using command =
    std::variant<hello, ready, say, who, bye, ping, join, part, list_rooms, private_say, fetch>;

// ---- Replies: broker to one client, over ROUTER -> DEALER ----

struct welcome {
    std::string name;
    std::uint64_t session_id = 0;
    session_secret secret{};
    std::uint64_t epoch = 0;
    std::string room;
    std::uint32_t online = 0;
    std::uint32_t heartbeat_ms = 0;
    std::uint32_t liveness = 0;
    std::uint32_t max_name_chars = 0;
    std::uint32_t max_text_bytes = 0;
    // The broker's limit on this session's messages: rate_per_second on average with bursts of
    // rate_burst. 0 means no limit.
    std::uint32_t rate_per_second = 0;
    std::uint32_t rate_burst = 0;
    std::uint32_t max_rooms = 0; // rooms one session may be in at once
    bool operator==(const welcome&) const = default;
};

struct error {
    error_code code = error_code::malformed;
    std::uint64_t message_id = 0; // the SAY this answers, or 0
    std::string reason;
    bool operator==(const error&) const = default;
};

// Confirms the SAY with message_id and the count - 1 SAYs the broker accepted from the session
// just before it (PROTOCOL.md, ACK), so one ACK can answer several SAYs.
struct ack {
    std::uint64_t message_id = 0;
    std::uint64_t seq = 0;
    std::uint32_t count = 1;
    bool operator==(const ack&) const = default;
};

struct roster {
    std::string room;
    std::uint64_t roster_version = 0;
    std::vector<std::string> names;
    bool operator==(const roster&) const = default;
};

// The session is now in a room (after its READY, for the room its HELLO named, and after each
// JOIN): where the room's two sequences stand and how many are in it.
struct room_entered {
    std::string room;
    std::uint64_t seq = 0;            // the room's latest chat sequence number
    std::uint64_t roster_version = 0; // its latest presence sequence number, after this entry
    std::uint32_t online = 0;         // members, this session included
    bool operator==(const room_entered&) const = default;
};

struct room_size {
    std::string room;
    std::uint32_t members = 0;
    bool operator==(const room_size&) const = default;
};

// The rooms that have members (answers ROOMS), in name order.
struct room_list {
    std::vector<room_size> rooms;
    bool operator==(const room_list&) const = default;
};

// A private message for this session (answers nothing: another session's MSG).
struct private_line {
    std::string from;
    std::uint64_t session_id = 0; // the sender's
    std::uint64_t message_id = 0; // the sender's MSG's
    std::string text;
    bool operator==(const private_line&) const = default;
};

// One line of a room's history: its LINE, less what the HISTORY says once, and with its age.
struct history_line {
    std::uint64_t seq = 0;
    std::uint32_t age_ms = 0; // how long before the HISTORY the broker published it
    std::string sender;
    std::uint64_t session_id = 0;
    std::uint64_t message_id = 0;
    line_kind kind = line_kind::text;
    std::string text;
    bool operator==(const history_line&) const = default;
};

// Answers FETCH: the lines of the range the broker keeps, in order, spread over as many HISTORY
// replies as their size needs; every one but the last has `more` set.
struct history {
    std::string room;
    std::uint64_t first = 0; // the FETCH's range
    std::uint64_t last = 0;
    std::uint8_t more = 0; // 1: another HISTORY for the same FETCH follows
    std::vector<history_line> lines;
    bool operator==(const history&) const = default;
};

using reply =
    std::variant<welcome, error, ack, roster, room_entered, room_list, private_line, history>;

// ---- Events: broker to every subscriber, over PUB -> SUB ----

// A room's events come in two sequences, each gapless on its own topic: LINEs take the room's
// next chat sequence number, JOINs and LEAVEs its next presence sequence number (which is also
// its roster version). Broker-wide events carry no sequence number; HEARTBEAT carries where the
// rooms' sequences stand, so a subscriber can see what it missed even when a room is quiet.
struct line {
    std::uint64_t epoch = 0;
    std::uint64_t seq = 0;
    std::string room;
    std::string sender;
    std::uint64_t session_id = 0;
    std::uint64_t message_id = 0;
    std::string text;
    line_kind kind = line_kind::text; // on the wire before the text
    bool operator==(const line&) const = default;
};

struct joined {
    std::uint64_t epoch = 0;
    std::uint64_t seq = 0; // presence: the room's roster version after this join
    std::string room;
    std::string name;
    std::uint64_t session_id = 0;
    std::uint32_t online = 0;
    std::uint64_t chat_seq = 0; // the room's latest chat sequence number at this join
    bool operator==(const joined&) const = default;
};

struct left {
    std::uint64_t epoch = 0;
    std::uint64_t seq = 0; // presence: the room's roster version after this departure
    std::string room;
    std::string name;
    std::uint64_t session_id = 0;
    std::uint32_t online = 0;
    leave_reason reason = leave_reason::quit;
    bool operator==(const left&) const = default;
};

// Where one room's two sequences stand.
struct room_head {
    std::string room;
    std::uint64_t seq = 0;            // latest chat sequence number
    std::uint64_t roster_version = 0; // latest presence sequence number
    bool operator==(const room_head&) const = default;
};

struct heartbeat {
    std::uint64_t epoch = 0;
    std::uint32_t online = 0; // joined sessions, in all rooms
    std::uint32_t interval_ms = 0;
    // The rooms that changed since the previous HEARTBEAT, then a few others in turn
    // (PROTOCOL.md, section 7).
    std::vector<room_head> heads;
    bool operator==(const heartbeat&) const = default;
};

// Published under a topic naming one pending session until that session's SUB proves it hears.
struct probe {
    std::uint64_t epoch = 0;
    std::uint64_t session_id = 0;
    bool operator==(const probe&) const = default;
};

struct shutdown {
    std::uint64_t epoch = 0;
    bool operator==(const shutdown&) const = default;
};

// How often the broker refused with one error code.
struct rejection {
    error_code code = error_code::malformed;
    std::uint64_t count = 0;
    bool operator==(const rejection&) const = default;
};

// The broker's counters since it started, published every stats interval so operators can
// watch them with a tap (in the spirit of mosquitto's $SYS topics).
struct stats {
    std::uint64_t epoch = 0;
    std::uint64_t uptime_ms = 0;
    std::uint32_t online = 0;
    std::uint32_t peak_online = 0;
    std::uint32_t rooms = 0;            // rooms with members
    std::uint64_t events_published = 0; // sequenced events (LINE, JOIN, LEAVE), in all rooms
    std::uint64_t lines_in = 0;         // chat lines accepted
    std::uint64_t bytes_in = 0;         // of every message received
    std::uint64_t bytes_out = 0;        // of every reply and publication, once each
    std::uint64_t expired = 0;          // sessions ended as timed out
    std::uint64_t evicted = 0;          // sessions ended as too slow
    std::uint32_t lagging = 0;          // sessions currently too far behind
    std::vector<rejection> rejected;    // refusals by code, answered or not
    bool operator==(const stats&) const = default;
};

// A relay's counters since it started, published below it every stats interval, for taps
// connected to it or to a relay under it (PROTOCOL.md, section 2a).
struct relay_stats {
    std::uint64_t epoch = 0; // the relay's own run, not the broker's
    std::string relay;       // the endpoint it binds for clients' commands
    std::uint64_t uptime_ms = 0;
    std::uint32_t clients = 0;          // connections to its ROUTER now
    std::uint32_t subscribers = 0;      // connections to its XPUB now
    std::uint32_t sessions = 0;         // sessions of clients below it, welcomed and alive now
    std::uint64_t commands_up = 0;      // commands passed up
    std::uint64_t replies_down = 0;     // replies passed down
    std::uint64_t answered_here = 0;    // commands refused by the relay itself
    std::uint64_t dropped = 0;          // commands and replies neither passed nor answered
    std::uint64_t events_down = 0;      // messages from above passed below, once each
    std::uint64_t subscriptions_up = 0; // subscribe and unsubscribe messages passed up
    bool operator==(const relay_stats&) const = default;
};

using event = std::variant<line, joined, left, heartbeat, probe, shutdown, stats, relay_stats>;

// Which event a message is: the alternatives of proto::event, in order.
enum class event_kind : std::uint8_t {
    line,
    joined,
    left,
    heartbeat,
    probe,
    shutdown,
    stats,
    relay_stats
};

static_assert(std::is_same_v<std::variant_alternative_t<0, event>, line> &&
                  std::is_same_v<std::variant_alternative_t<1, event>, joined> &&
                  std::is_same_v<std::variant_alternative_t<2, event>, left> &&
                  std::is_same_v<std::variant_alternative_t<3, event>, heartbeat> &&
                  std::is_same_v<std::variant_alternative_t<4, event>, probe> &&
                  std::is_same_v<std::variant_alternative_t<5, event>, shutdown> &&
                  std::is_same_v<std::variant_alternative_t<6, event>, stats> &&
                  std::is_same_v<std::variant_alternative_t<7, event>, relay_stats> &&
                  std::variant_size_v<event> == 8,
              "event_kind follows the event variant's order");

constexpr event_kind event_kind_of(const event& e) {
    return static_cast<event_kind>(e.index());
}

// Whether events of this kind belong to a room and are numbered in one of its sequences (LINE,
// JOIN, LEAVE), rather than broker-wide (PROTOCOL.md, section 7).
constexpr bool sequenced(event_kind kind) {
    return kind == event_kind::line || kind == event_kind::joined || kind == event_kind::left;
}

} // namespace zchat::proto
