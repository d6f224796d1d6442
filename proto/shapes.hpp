// The layout of every message, written once: its word and, in wire order, each field's name, the
// struct member it carries and the rules column of PROTOCOL.md.
//
// codec.cpp derives encoding and decoding from these descriptions, and the proto tests render
// PROTOCOL.md's field tables from them, so the encoder, the decoder and the spec cannot disagree.
// A field's encoding follows from its member's type (encoding_of); nothing here touches bytes.
#pragma once

#include "proto/codec.hpp" // max_name_bytes, max_text_bytes
#include "proto/message.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace zchat::proto {

// How a field is encoded in a message body (PROTOCOL.md, section 2).
enum class encoding { u8, u16, u32, u64, secret, resume, utf8, utf8_list, records };

// The record types a `records` field lists; each is described below like a message, without a
// word.
template <class T>
inline constexpr bool is_record =
    std::is_same_v<T, room_position> || std::is_same_v<T, room_size> ||
    std::is_same_v<T, room_head> || std::is_same_v<T, rejection> || std::is_same_v<T, history_line>;

template <class T>
inline constexpr bool is_record_list = false;
template <class R>
inline constexpr bool is_record_list<std::vector<R>> = is_record<R>;

// The encoding a member of type T has on the wire.
template <class T>
constexpr encoding encoding_of() {
    if constexpr (std::is_enum_v<T>)
        return encoding_of<std::underlying_type_t<T>>();
    else if constexpr (std::is_same_v<T, std::uint8_t>)
        return encoding::u8;
    else if constexpr (std::is_same_v<T, std::uint16_t>)
        return encoding::u16;
    else if constexpr (std::is_same_v<T, std::uint32_t>)
        return encoding::u32;
    else if constexpr (std::is_same_v<T, std::uint64_t>)
        return encoding::u64;
    else if constexpr (std::is_same_v<T, session_secret>)
        return encoding::secret;
    else if constexpr (std::is_same_v<T, std::optional<resume_ticket>>)
        return encoding::resume;
    else if constexpr (std::is_same_v<T, std::string>)
        return encoding::utf8;
    else if constexpr (std::is_same_v<T, std::vector<std::string>>)
        return encoding::utf8_list;
    else {
        static_assert(is_record_list<T>, "a member type the codec has no encoding for");
        return encoding::records;
    }
}

// One field of message M, carried by the member of type T.
template <class M, class T>
struct field {
    std::string_view name; // PROTOCOL.md's name column; decode errors quote it
    T M::*member;
    std::size_t max_bytes; // utf8 only: the structural limit; 0 for other encodings
    std::string_view rules;

    using type = T;
    static constexpr encoding wire = encoding_of<T>();
};

// A field that is not text.
template <class M, class T>
constexpr field<M, T> value(std::string_view name, T M::*member, std::string_view rules = {}) {
    static_assert(encoding_of<T>() != encoding::utf8 && encoding_of<T>() != encoding::utf8_list,
                  "text fields are declared with text(), which says their limit");
    return {name, member, 0, rules};
}

// A text field (or a list of them) of at most max_bytes bytes each.
template <class M, class T>
constexpr field<M, T> text(std::string_view name, T M::*member, std::size_t max_bytes,
                           std::string_view rules = {}) {
    static_assert(encoding_of<T>() == encoding::utf8 || encoding_of<T>() == encoding::utf8_list);
    return {name, member, max_bytes, rules};
}

// A message: its word and its fields in wire order (after the signature and the word).
template <class M, class... Fields>
struct shape {
    std::string_view word;
    std::tuple<Fields...> fields;

    static constexpr std::size_t field_count = sizeof...(Fields);
};

template <class M, class... T>
constexpr shape<M, field<M, T>...> describe(std::string_view word, field<M, T>... fields) {
    return {word, {fields...}};
}

// A record of a `records` field: its fields in wire order, and no word.
template <class M, class... T>
constexpr shape<M, field<M, T>...> describe_record(field<M, T>... fields) {
    return {{}, {fields...}};
}

// The first field of every event, and the next two of a room's events (PROTOCOL.md, section 5).
inline constexpr std::string_view epoch_rules = "the broker run (section 7)";

// A broker-wide event: epoch comes first, then its own fields.
template <class M, class... T>
constexpr auto describe_event(std::string_view word, field<M, T>... fields) {
    return describe(word, value("epoch", &M::epoch, epoch_rules), fields...);
}

// A room's event: epoch, its number in one of the room's sequences, the room, then its own
// fields.
template <class M, class... T>
constexpr auto describe_room_event(std::string_view word, std::string_view seq_rules,
                                   field<M, T>... fields) {
    return describe(word, value("epoch", &M::epoch, epoch_rules), value("seq", &M::seq, seq_rules),
                    text("room", &M::room, max_room_bytes, "the room (section 11a)"), fields...);
}

inline constexpr std::string_view room_rules =
    "section 11a: 1 to 32 bytes of `a`-`z`, `0`-`9`, `-`, `_`, without the `#`";

// ---- Records ----

constexpr auto describe(std::type_identity<room_position>) {
    return describe_record(text("room", &room_position::room, max_room_bytes),
                           value("seq", &room_position::seq,
                                 "the highest chat sequence number received in that room in the "
                                 "current epoch; 0 if none"));
}

constexpr auto describe(std::type_identity<room_size>) {
    return describe_record(text("room", &room_size::room, max_room_bytes),
                           value("members", &room_size::members, "joined sessions in it"));
}

constexpr auto describe(std::type_identity<room_head>) {
    return describe_record(
        text("room", &room_head::room, max_room_bytes),
        value("seq", &room_head::seq, "the room's latest chat sequence number (LINE)"),
        value("roster version", &room_head::roster_version,
              "the room's latest presence sequence number (JOIN, LEAVE)"));
}

constexpr auto describe(std::type_identity<rejection>) {
    return describe_record(value("code", &rejection::code, "an error code (section 10)"),
                           value("count", &rejection::count, "refusals with it"));
}

constexpr auto describe(std::type_identity<history_line>) {
    return describe_record(
        value("seq", &history_line::seq, "the LINE's chat sequence number"),
        value("age ms", &history_line::age_ms,
              "how many milliseconds before this HISTORY the broker published the LINE (at most "
              "2^32 - 1)"),
        text("sender", &history_line::sender, max_name_bytes, "the LINE's sender"),
        value("session id", &history_line::session_id, "the LINE's session id"),
        value("message id", &history_line::message_id, "the LINE's message id"),
        value("kind", &history_line::kind, "the LINE's kind"),
        text("text", &history_line::text, max_text_bytes, "the LINE's text"));
}

// ---- Commands (PROTOCOL.md, section 3) ----

inline constexpr std::string_view kind_rules =
    "0: a line of text; 1: an action (`/me`), shown as `* name text`. Any other value is "
    "`E_MALFORMED`.";

constexpr auto describe(std::type_identity<hello>) {
    return describe(
        "HELLO",
        text("name", &hello::name, max_name_bytes,
             "the name to join under: section 11. At most 256 bytes structurally."),
        text("room", &hello::room, max_room_bytes,
             "the room to enter (section 11a; `lobby` unless the user chose another). For a "
             "resume, the room the client shows: WELCOME counts its members."),
        value("resume", &hello::resume,
              "empty for a fresh join; or the session id and secret of an earlier session to "
              "take over."));
}

constexpr auto describe(std::type_identity<ready>) {
    return describe("READY", value("secret", &ready::secret, "from WELCOME"));
}

constexpr auto describe(std::type_identity<say>) {
    return describe(
        "SAY", value("secret", &say::secret),
        text("room", &say::room, max_room_bytes, "a room the session is in"),
        value("message id", &say::message_id,
              "chosen by the client; echoed in ACK, LINE and ERROR. SHOULD be unique within the "
              "session and non-zero (an ERROR with message id 0 is about no particular SAY)."),
        value("kind", &say::kind, kind_rules),
        text("text", &say::text, max_text_bytes, "section 12. At most 65536 bytes structurally."));
}

constexpr auto describe(std::type_identity<who>) {
    return describe("WHO", value("secret", &who::secret),
                    text("room", &who::room, max_room_bytes,
                         "any room (section 11a); one nobody is in has an empty roster"));
}

constexpr auto describe(std::type_identity<join>) {
    return describe("JOIN", value("secret", &join::secret),
                    text("room", &join::room, max_room_bytes, room_rules));
}

constexpr auto describe(std::type_identity<part>) {
    return describe("PART", value("secret", &part::secret),
                    text("room", &part::room, max_room_bytes, "a room the session is in"));
}

constexpr auto describe(std::type_identity<list_rooms>) {
    return describe("ROOMS", value("secret", &list_rooms::secret));
}

constexpr auto describe(std::type_identity<private_say>) {
    return describe(
        "MSG", value("secret", &private_say::secret),
        text("to", &private_say::to, max_name_bytes,
             "the name of a joined session, compared under ASCII case folding (section 11)"),
        value("message id", &private_say::message_id,
              "chosen by the client, from the same series as its SAYs; echoed in ACK, PRIVATE "
              "and ERROR"),
        text("text", &private_say::text, max_text_bytes,
             "section 12. At most 65536 bytes structurally."));
}

constexpr auto describe(std::type_identity<fetch>) {
    return describe(
        "FETCH", value("secret", &fetch::secret),
        text("room", &fetch::room, max_room_bytes, "a room the session is in"),
        value("first", &fetch::first, "the first chat sequence number wanted, at least 1"),
        value("last", &fetch::last, "the last one wanted, at least `first`"));
}

constexpr auto describe(std::type_identity<bye>) {
    return describe("BYE", value("secret", &bye::secret));
}

constexpr auto describe(std::type_identity<ping>) {
    return describe("PING", value("secret", &ping::secret),
                    value("positions", &ping::positions,
                          "one record per room the client is in (section 7): how far it has "
                          "read that room's chat"));
}

// ---- Replies (PROTOCOL.md, section 4) ----

constexpr auto describe(std::type_identity<welcome>) {
    return describe(
        "WELCOME",
        text("name", &welcome::name, max_name_bytes,
             "the name as registered: the HELLO's name, byte for byte; for a resume, the name the "
             "session joined with (which may differ from the HELLO's in ASCII case)"),
        value("session id", &welcome::session_id,
              "identifies the session in events and in the probe topic; unique within an epoch, "
              "never 0"),
        value("secret", &welcome::secret, "16 random bytes; present it in every later command"),
        value("epoch", &welcome::epoch, "the broker run (section 7)"),
        text("room", &welcome::room, max_room_bytes, "the HELLO's room"),
        value("online", &welcome::online,
              "members of that room now: not counting this pending session; for a resume, "
              "including the resumed session if it is in that room"),
        value("heartbeat ms", &welcome::heartbeat_ms,
              "interval of broker HEARTBEATs and of client PINGs, in milliseconds (default 1000)"),
        value("liveness", &welcome::liveness,
              "heartbeats that may be missed before a peer is considered gone (default 3)"),
        value("max name chars", &welcome::max_name_chars,
              "the broker's name limit in code points (default 32)"),
        value("max text bytes", &welcome::max_text_bytes,
              "the broker's text limit in bytes (default 4096)"),
        value("rate per second", &welcome::rate_per_second,
              "messages this session may send per second on average (default 20, `--rate`); 0: "
              "no limit"),
        value("rate burst", &welcome::rate_burst,
              "messages it may send at once above that rate (default 40, `--burst`)"),
        value("max rooms", &welcome::max_rooms, "rooms this session may be in at once (32)"));
}

constexpr auto describe(std::type_identity<error>) {
    return describe(
        "ERROR", value("code", &error::code, "section 10"),
        value("message id", &error::message_id,
              "the refused SAY's message id when a SAY that decoded was refused (section 10); "
              "otherwise 0"),
        text("reason", &error::reason, max_text_bytes,
             "a human-readable English explanation. Not stable: never parse it. May quote the "
             "client's input; display it only through section 13."));
}

constexpr auto describe(std::type_identity<ack>) {
    return describe(
        "ACK", value("message id", &ack::message_id, "the SAY's message id"),
        value("seq", &ack::seq,
              "the chat sequence number of the LINE published for a SAY; 0 for a MSG"),
        value("count", &ack::count,
              "how many SAYs this ACK confirms, at least 1: the SAY with this message id and the "
              "`count` - 1 SAYs the broker accepted from this session just before it (section "
              "4, ACK)"));
}

constexpr auto describe(std::type_identity<roster>) {
    return describe("ROSTER", text("room", &roster::room, max_room_bytes, "the WHO's room"),
                    value("roster version", &roster::roster_version,
                          "the room's latest presence sequence number (section 7)"),
                    text("name", &roster::names, max_name_bytes,
                         "one per member of the room, sorted by ASCII-folded name in byte "
                         "order"));
}

constexpr auto describe(std::type_identity<room_entered>) {
    return describe(
        "ROOM", text("room", &room_entered::room, max_room_bytes, "the room entered"),
        value("seq", &room_entered::seq,
              "the room's latest chat sequence number: LINEs numbered above it came after the "
              "entry"),
        value("roster version", &room_entered::roster_version,
              "the room's presence sequence number after this entry (its JOIN's seq)"),
        value("online", &room_entered::online, "members of the room, this session included"));
}

constexpr auto describe(std::type_identity<room_list>) {
    return describe("ROOMS", value("rooms", &room_list::rooms,
                                   "one record per room that has members, in byte order of name"));
}

constexpr auto describe(std::type_identity<private_line>) {
    return describe(
        "PRIVATE", text("from", &private_line::from, max_name_bytes, "the sending session's name"),
        value("session id", &private_line::session_id, "the sending session"),
        value("message id", &private_line::message_id, "the MSG's message id"),
        text("text", &private_line::text, max_text_bytes, "the MSG's text, byte for byte"));
}

constexpr auto describe(std::type_identity<history>) {
    return describe(
        "HISTORY", text("room", &history::room, max_room_bytes, "the FETCH's room"),
        value("first", &history::first, "the FETCH's first"),
        value("last", &history::last, "the FETCH's last"),
        value("more", &history::more,
              "1 if another HISTORY answering the same FETCH follows, 0 in the last one"),
        value("lines", &history::lines,
              "the lines of the room numbered `first` to `last` that the broker keeps and this "
              "HISTORY carries, in increasing seq order (section 7a)"));
}

// ---- Events (PROTOCOL.md, section 5) ----

inline constexpr std::string_view chat_seq_rules =
    "the room's chat sequence: this LINE's own number (section 7)";
inline constexpr std::string_view presence_seq_rules =
    "the room's presence sequence: this event's own number, which is also the room's roster "
    "version after it (section 7)";

constexpr auto describe(std::type_identity<line>) {
    return describe_room_event(
        "LINE", chat_seq_rules,
        text("sender", &line::sender, max_name_bytes, "the sending session's name"),
        value("session id", &line::session_id, "the sending session"),
        value("message id", &line::message_id, "the SAY's message id"),
        value("kind", &line::kind, "the SAY's kind; show a value you do not know as 0"),
        text("text", &line::text, max_text_bytes, "the SAY's text, byte for byte"));
}

constexpr auto describe(std::type_identity<joined>) {
    return describe_room_event(
        "JOIN", presence_seq_rules, text("name", &joined::name, max_name_bytes),
        value("session id", &joined::session_id,
              "a client recognises its own JOIN by this id (section 8)"),
        value("online", &joined::online, "members of the room, including this one"),
        value("chat seq", &joined::chat_seq,
              "the room's latest chat sequence number at this join: LINEs numbered above it "
              "came after it"));
}

constexpr auto describe(std::type_identity<left>) {
    return describe_room_event(
        "LEAVE", presence_seq_rules, text("name", &left::name, max_name_bytes),
        value("session id", &left::session_id),
        value("online", &left::online, "members of the room, after this one left"),
        value("reason", &left::reason, "section 15; accept unknown values"));
}

constexpr auto describe(std::type_identity<heartbeat>) {
    return describe_event("HEARTBEAT",
                          value("online", &heartbeat::online, "joined sessions, in all rooms"),
                          value("interval ms", &heartbeat::interval_ms,
                                "the broker's heartbeat interval in milliseconds"),
                          value("heads", &heartbeat::heads,
                                "one record per room: those whose sequences moved since the "
                                "previous HEARTBEAT, then up to 16 others in turn (section 7)"));
}

constexpr auto describe(std::type_identity<probe>) {
    return describe_event(
        "PROBE", value("session id", &probe::session_id,
                       "the session probed (pending, or resumed); equals the number in the topic"));
}

constexpr auto describe(std::type_identity<shutdown>) {
    return describe_event<shutdown>("SHUTDOWN");
}

constexpr auto describe(std::type_identity<stats>) {
    return describe_event(
        "STATS", value("uptime ms", &stats::uptime_ms, "milliseconds since the broker started"),
        value("online", &stats::online, "joined sessions now"),
        value("peak online", &stats::peak_online, "the most joined sessions at once"),
        value("rooms", &stats::rooms, "rooms that have members"),
        value("events published", &stats::events_published,
              "sequenced events (LINE, JOIN, LEAVE) in all rooms"),
        value("lines in", &stats::lines_in, "SAYs accepted and published"),
        value("bytes in", &stats::bytes_in,
              "sum of the frame sizes of every message received (routing id not counted)"),
        value("bytes out", &stats::bytes_out,
              "sum of the frame sizes of every reply and event sent before this STATS (not "
              "counting it), once per event however many subscribers receive it, each counted "
              "as if sent alone (a batch or a cumulative ACK does not lower it)"),
        value("expired", &stats::expired,
              "sessions ended as timed out (announced with LEAVE reason 2 in each of their rooms)"),
        value("evicted", &stats::evicted,
              "sessions ended with LEAVE reason 4, 5, 6 or 7 (`E_EVICTED`)"),
        value("lagging", &stats::lagging,
              "joined sessions currently more than `max lag` lines behind in a room"),
        value("rejected", &stats::rejected,
              "one record per error code refused with at least once, in increasing code order: "
              "the number of refusals with it, which counts every refused message and silently "
              "dropped PING whether or not an ERROR was sent (the per-peer cap of section 14 "
              "suppresses some); none if nothing was refused"));
}

constexpr auto describe(std::type_identity<relay_stats>) {
    return describe(
        "RELAY",
        value("epoch", &relay_stats::epoch,
              "the relay's own run: a random non-zero number for each start of the relay"),
        text("relay", &relay_stats::relay, max_text_bytes,
             "the endpoint the relay binds for clients' commands, as its start line says"),
        value("uptime ms", &relay_stats::uptime_ms, "milliseconds since the relay started"),
        value("clients", &relay_stats::clients,
              "connections to its command endpoint now (clients, and relays below it)"),
        value("subscribers", &relay_stats::subscribers, "connections to its event endpoint now"),
        value("sessions", &relay_stats::sessions,
              "sessions it carries now: clients below it (through relays below it too) that the "
              "broker welcomed, until they leave, the broker ends their session, or they stay "
              "silent (no command with their secret) for the liveness their WELCOME announced"),
        value("commands up", &relay_stats::commands_up, "commands passed up"),
        value("replies down", &relay_stats::replies_down, "replies passed down"),
        value("answered here", &relay_stats::answered_here,
              "commands the relay refused itself, with the ERROR the broker gives them"),
        value("dropped", &relay_stats::dropped,
              "commands and replies neither passed nor answered: a full queue, a reply naming "
              "no one below, refusals over their rate"),
        value("events down", &relay_stats::events_down,
              "messages from above passed below, once each however many subscribers receive "
              "them"),
        value("subscriptions up", &relay_stats::subscriptions_up,
              "subscribe and unsubscribe messages passed up"));
}

// The description of message M.
template <class M>
inline constexpr auto shape_of = describe(std::type_identity<M>{});

// Whether M is an alternative of the variant V.
template <class M, class V>
inline constexpr bool is_alternative_of = false;
template <class M, class... A>
inline constexpr bool is_alternative_of<M, std::variant<A...>> = (std::is_same_v<M, A> || ...);

// The position of a message's first field in its body: after the signature (0) and the word (1).
inline constexpr std::size_t first_field_index = 2;

} // namespace zchat::proto
