// The lines of the one-hop limit: what the publishers of a run would say, made where they are
// published. With --baseline the bench also runs the workload with no broker between publisher
// and subscriber: the forwarder's PUB sends the run's lines itself, on the pacing schedule, so
// each crosses one hop (PUB to SUB) instead of two (DEALER to ROUTER, then PUB to SUB). Each
// line is the LINE the forwarder would have published for the publisher's SAY: the same topic,
// room, message id (line k of a publisher is id k + 1) and payload (publisher, id, intended
// time). Pure: the caller publishes what it is handed, when it asks.
#pragma once

#include "proto/message.hpp"
#include "tools/bench/pacing.hpp"
#include "tools/bench/worker_config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace zchat::bench {

class one_hop_source {
public:
    using nanoseconds = std::chrono::nanoseconds;

    // The run of `c`: its rate, publishers, rooms, payload size, start_ns, warmup and duration.
    // Requires c.rate > 0 and c.publishers > 0.
    explicit one_hop_source(const worker_config& c);

    // The next line whose intended time is at or before `now`; nothing when none is due yet or
    // every line of the run (those due before its window ends) has been handed out.
    std::optional<proto::line> next(nanoseconds now);
    // When the next line is due; nothing once every line has been handed out.
    std::optional<nanoseconds> next_due() const;

private:
    worker_config config_;
    pacing schedule_;
    std::uint64_t next_index_ = 0; // the run's line index i: publisher i % P, its line i / P
    std::uint64_t end_index_ = 0;  // one past the last line due before the window ends
};

} // namespace zchat::bench
