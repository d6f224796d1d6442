// Helpers shared by the tap's core tests: events with chosen epoch, seq and room, and stamps on
// an injected clock (milliseconds after a fixed instant), so nothing reads the real time.
#pragma once

#include "tools/tap/note.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace zchat::tap::test {

// 2026-11-28T11:02:03.123456Z plus ms.
inline stamp at(std::int64_t ms) {
    using namespace std::chrono;
    const auto base =
        sys_days{year{2026} / 11 / 28} + hours{11} + minutes{2} + seconds{3} + microseconds{123456};
    return {wall_clock::time_point{duration_cast<wall_clock::duration>(base.time_since_epoch())} +
                milliseconds{ms},
            steady_clock::time_point{} + hours{1} + milliseconds{ms}};
}

inline observed_event arrived(proto::event e, std::size_t bytes = 10) {
    std::string topic = proto::topic_of(e);
    return observed_event{std::move(topic), std::move(e), bytes};
}

// A room's events: a LINE numbered `seq` in the room's chat sequence; a JOIN or LEAVE numbered
// `seq` in its presence sequence (which is also the room's roster version after it).
inline proto::event line_at(std::uint64_t epoch, std::uint64_t seq, std::string sender = "alice",
                            std::string text = "hi", std::string room = "lobby") {
    return proto::line{epoch, seq, std::move(room), std::move(sender), 1, seq, std::move(text)};
}

inline proto::event join_at(std::uint64_t epoch, std::uint64_t seq, std::uint32_t online,
                            std::string name = "bob", std::string room = "lobby",
                            std::uint64_t chat_seq = 0) {
    return proto::joined{epoch, seq, std::move(room), std::move(name), 2, online, chat_seq};
}

inline proto::event leave_at(std::uint64_t epoch, std::uint64_t seq, std::uint32_t online,
                             std::string name = "bob", std::string room = "lobby") {
    return proto::left{epoch, seq,    std::move(room),          std::move(name),
                       2,     online, proto::leave_reason::quit};
}

// A broker-wide HEARTBEAT with the rooms' heads ({room, chat seq, roster version}).
inline proto::event heartbeat_at(std::uint64_t epoch, std::vector<proto::room_head> heads = {},
                                 std::uint32_t online = 0, std::uint32_t interval_ms = 1000) {
    return proto::heartbeat{epoch, online, interval_ms, std::move(heads)};
}

} // namespace zchat::tap::test
