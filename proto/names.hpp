// The names of the protocol's enumerations, one table each: error codes ("E_NOT_JOINED"), leave
// reasons ("timed_out", worded "timed out" for people) and event kinds ("line"). The broker's log,
// the client, the tap and the bench all name things through these tables, so a new code, reason
// or kind is named in exactly one place. name_table is the shape every table takes, the tools'
// own enumerations (the tap's alert kinds) included.
#pragma once

#include "proto/message.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace zchat::proto {

// A value of Enum and its name, for each value that has one.
template <class Enum, std::size_t N>
using name_table = std::array<std::pair<Enum, std::string_view>, N>;

// The name of `value` in `table`, or `unknown` for a value the table does not list (a peer may
// send any number).
template <class Enum, std::size_t N>
constexpr std::string_view name_in(const name_table<Enum, N>& table, Enum value,
                                   std::string_view unknown) {
    for (const auto& [v, name] : table)
        if (v == value)
            return name;
    return unknown;
}

// The value named `name` in `table`, if any.
template <class Enum, std::size_t N>
constexpr std::optional<Enum> value_in(const name_table<Enum, N>& table, std::string_view name) {
    for (const auto& [v, n] : table)
        if (n == name)
            return v;
    return std::nullopt;
}

inline constexpr name_table<error_code, 22> error_names{{
    {error_code::malformed, "E_MALFORMED"},
    {error_code::bad_signature, "E_BAD_SIGNATURE"},
    {error_code::unsupported_version, "E_VERSION"},
    {error_code::unknown_command, "E_UNKNOWN_COMMAND"},
    {error_code::too_long, "E_TOO_LONG"},
    {error_code::bad_utf8, "E_BAD_UTF8"},
    {error_code::control_char, "E_CONTROL_CHAR"},
    {error_code::name_taken, "E_NAME_TAKEN"},
    {error_code::name_invalid, "E_NAME_INVALID"},
    {error_code::not_joined, "E_NOT_JOINED"},
    {error_code::already_joined, "E_ALREADY_JOINED"},
    {error_code::server_full, "E_SERVER_FULL"},
    {error_code::empty_text, "E_EMPTY_TEXT"},
    {error_code::session_replaced, "E_SESSION_REPLACED"},
    {error_code::evicted, "E_EVICTED"},
    {error_code::rate_limited, "E_RATE_LIMITED"},
    {error_code::name_forbidden, "E_NAME_FORBIDDEN"},
    {error_code::room_invalid, "E_ROOM_INVALID"},
    {error_code::not_in_room, "E_NOT_IN_ROOM"},
    {error_code::too_many_rooms, "E_TOO_MANY_ROOMS"},
    {error_code::no_such_user, "E_NO_SUCH_USER"},
    {error_code::bad_range, "E_BAD_RANGE"},
}};

// "E_NOT_JOINED", or "E_UNKNOWN" for a code this version does not know.
constexpr std::string_view error_name(error_code code) {
    return name_in(error_names, code, "E_UNKNOWN");
}

// Each reason's name for machines (the tap's JSON) and its wording for people.
inline constexpr name_table<leave_reason, 8> leave_reason_names{{
    {leave_reason::quit, "quit"},
    {leave_reason::timed_out, "timed_out"},
    {leave_reason::server_shutdown, "server_shutdown"},
    {leave_reason::too_slow, "too_slow"},
    {leave_reason::flooding, "flooding"},
    {leave_reason::too_many_errors, "too_many_errors"},
    {leave_reason::key_revoked, "key_revoked"},
    {leave_reason::parted, "parted"},
}};
inline constexpr name_table<leave_reason, 8> leave_reason_words{{
    {leave_reason::quit, "quit"},
    {leave_reason::timed_out, "timed out"},
    {leave_reason::server_shutdown, "server shut down"},
    {leave_reason::too_slow, "too slow"},
    {leave_reason::flooding, "flooding"},
    {leave_reason::too_many_errors, "too many errors"},
    {leave_reason::key_revoked, "key revoked"},
    {leave_reason::parted, "left the room"},
}};

// "timed_out", or "unknown".
constexpr std::string_view reason_name(leave_reason reason) {
    return name_in(leave_reason_names, reason, "unknown");
}
// "timed out", or "unknown reason".
constexpr std::string_view reason_words(leave_reason reason) {
    return name_in(leave_reason_words, reason, "unknown reason");
}

inline constexpr name_table<event_kind, 8> event_kind_names{{
    {event_kind::line, "line"},
    {event_kind::joined, "join"},
    {event_kind::left, "leave"},
    {event_kind::heartbeat, "heartbeat"},
    {event_kind::probe, "probe"},
    {event_kind::shutdown, "shutdown"},
    {event_kind::stats, "stats"},
    {event_kind::relay_stats, "relay"},
}};

// "line", "join", "leave", "heartbeat", "probe", "shutdown", "stats" or "relay".
constexpr std::string_view kind_name(event_kind kind) {
    return name_in(event_kind_names, kind, "unknown");
}
constexpr std::string_view kind_name(const event& e) {
    return kind_name(event_kind_of(e));
}

} // namespace zchat::proto
