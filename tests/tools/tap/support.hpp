// Helpers shared by the tap's core tests: events with chosen epoch and seq, and stamps on an
// injected clock (milliseconds after a fixed instant), so nothing reads the real time.
#pragma once

#include "tools/tap/note.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

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

inline proto::event line_at(std::uint64_t epoch, std::uint64_t seq, std::string sender = "alice",
                            std::string text = "hi") {
    return proto::line{epoch, seq, std::move(sender), 1, seq, std::move(text)};
}

inline proto::event join_at(std::uint64_t epoch, std::uint64_t seq, std::uint32_t online,
                            std::uint64_t roster_version, std::string name = "bob") {
    return proto::joined{epoch, seq, std::move(name), 2, online, roster_version};
}

inline proto::event leave_at(std::uint64_t epoch, std::uint64_t seq, std::uint32_t online,
                             std::uint64_t roster_version, std::string name = "bob") {
    return proto::left{
        epoch, seq, std::move(name), 2, online, roster_version, proto::leave_reason::quit};
}

inline proto::event heartbeat_at(std::uint64_t epoch, std::uint64_t seq, std::uint32_t online = 0,
                                 std::uint64_t roster_version = 0,
                                 std::uint32_t interval_ms = 1000) {
    return proto::heartbeat{epoch, seq, online, roster_version, interval_ms};
}

} // namespace zchat::tap::test
