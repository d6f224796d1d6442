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
        static_assert(std::is_same_v<T, std::vector<std::pair<error_code, std::uint64_t>>>,
                      "a member type the codec has no encoding for");
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

// The first two fields of every event (PROTOCOL.md, section 5).
inline constexpr std::string_view epoch_rules = "the broker run (section 7)";
inline constexpr std::string_view seq_rules =
    "LINE, JOIN, LEAVE: this event's own sequence number. HEARTBEAT, PROBE, SHUTDOWN, STATS: the "
    "latest sequence number, not incremented.";

// An event: epoch and seq come first, then its own fields.
template <class M, class... T>
constexpr auto describe_event(std::string_view word, field<M, T>... fields) {
    return describe(word, value("epoch", &M::epoch, epoch_rules), value("seq", &M::seq, seq_rules),
                    fields...);
}

// ---- Commands (PROTOCOL.md, section 3) ----

constexpr auto describe(std::type_identity<hello>) {
    return describe(
        "HELLO",
        text("name", &hello::name, max_name_bytes,
             "the name to join under: section 11. At most 256 bytes structurally."),
        value("resume", &hello::resume,
              "empty for a fresh join; or the session id and secret of an earlier session to "
              "take over."));
}

constexpr auto describe(std::type_identity<ready>) {
    return describe("READY", value("secret", &ready::secret, "from WELCOME"),
                    value("probe seq", &ready::probe_seq,
                          "the `seq` field of the PROBE event the client received"));
}

constexpr auto describe(std::type_identity<say>) {
    return describe(
        "SAY", value("secret", &say::secret),
        value("message id", &say::message_id,
              "chosen by the client; echoed in ACK, LINE and ERROR. SHOULD be unique within the "
              "session and non-zero (an ERROR with message id 0 is about no particular SAY)."),
        text("text", &say::text, max_text_bytes, "section 12. At most 65536 bytes structurally."));
}

constexpr auto describe(std::type_identity<who>) {
    return describe("WHO", value("secret", &who::secret));
}

constexpr auto describe(std::type_identity<bye>) {
    return describe("BYE", value("secret", &bye::secret));
}

constexpr auto describe(std::type_identity<ping>) {
    return describe("PING", value("secret", &ping::secret),
                    value("last seq", &ping::last_seq,
                          "`last` of section 7: the highest seq the client has received in any "
                          "event (HEARTBEAT and PROBE included) of the current epoch; 0 if none"));
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
        value("seq", &welcome::seq,
              "the latest event sequence number at the time of the HELLO (0 if none yet)"),
        value("online", &welcome::online,
              "joined sessions now: not counting this pending one; for a resume, including the "
              "resumed session"),
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
              "messages it may send at once above that rate (default 40, `--burst`)"));
}

constexpr auto describe(std::type_identity<error>) {
    return describe(
        "ERROR", value("code", &error::code, "section 10"),
        value("message id", &error::message_id,
              "the refused SAY's message id when a decoded SAY was refused (`E_NOT_JOINED` or a "
              "text rule); otherwise 0"),
        text("reason", &error::reason, max_text_bytes,
             "a human-readable English explanation. Not stable: never parse it. May quote the "
             "client's input; display it only through section 13."));
}

constexpr auto describe(std::type_identity<ack>) {
    return describe(
        "ACK", value("message id", &ack::message_id, "the SAY's message id"),
        value("seq", &ack::seq, "the sequence number of the LINE event published for it"),
        value("count", &ack::count,
              "how many SAYs this ACK confirms, at least 1: the SAY with this message id and the "
              "`count` - 1 SAYs the broker accepted from this session just before it (section "
              "4, ACK)"));
}

constexpr auto describe(std::type_identity<roster>) {
    return describe("ROSTER", value("roster version", &roster::roster_version, "section 7"),
                    text("name", &roster::names, max_name_bytes,
                         "one per **joined** session (pending sessions are not listed), sorted by "
                         "ASCII-folded name in byte order"));
}

// ---- Events (PROTOCOL.md, section 5) ----

constexpr auto describe(std::type_identity<line>) {
    return describe_event(
        "LINE", text("sender", &line::sender, max_name_bytes, "the sending session's name"),
        value("session id", &line::session_id, "the sending session"),
        value("message id", &line::message_id, "the SAY's message id"),
        text("text", &line::text, max_text_bytes, "the SAY's text, byte for byte"));
}

constexpr auto describe(std::type_identity<joined>) {
    return describe_event("JOIN", text("name", &joined::name, max_name_bytes),
                          value("session id", &joined::session_id,
                                "a client recognises its own JOIN by this id (section 8)"),
                          value("online", &joined::online, "joined sessions, including this one"),
                          value("roster version", &joined::roster_version, "after this join"));
}

constexpr auto describe(std::type_identity<left>) {
    return describe_event("LEAVE", text("name", &left::name, max_name_bytes),
                          value("session id", &left::session_id),
                          value("online", &left::online, "joined sessions, after this one left"),
                          value("roster version", &left::roster_version, "after this departure"),
                          value("reason", &left::reason, "section 15; accept unknown values"));
}

constexpr auto describe(std::type_identity<heartbeat>) {
    return describe_event("HEARTBEAT", value("online", &heartbeat::online, "joined sessions"),
                          value("roster version", &heartbeat::roster_version, "current"),
                          value("interval ms", &heartbeat::interval_ms,
                                "the broker's heartbeat interval in milliseconds"));
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
        value("events published", &stats::events_published,
              "sequenced events (LINE, JOIN, LEAVE); equals seq"),
        value("lines in", &stats::lines_in, "SAYs accepted and published"),
        value("bytes in", &stats::bytes_in,
              "sum of the frame sizes of every message received (routing id not counted)"),
        value("bytes out", &stats::bytes_out,
              "sum of the frame sizes of every reply and event sent, counted once per event "
              "however many subscribers receive it"),
        value("expired", &stats::expired, "sessions ended with LEAVE reason 2"),
        value("evicted", &stats::evicted,
              "sessions ended with LEAVE reason 4, 5, 6 or 7 (`E_EVICTED`)"),
        value("lagging", &stats::lagging,
              "joined sessions currently more than `max lag` events behind"),
        value("rejected", &stats::rejected,
              "one record per error code refused with at least once: `u16` code, `u64` "
              "number of refusals with it (every refused message and silently dropped PING, "
              "whether or not an ERROR was sent: the per-peer cap of section 14 suppresses some); "
              "in increasing code order; none if nothing was refused"));
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
