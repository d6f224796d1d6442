// Follows one stream of event sequence numbers (PROTOCOL.md section 7) and says what each event
// means for it: the first one (counting starts there, because of the slow joiner), the next one
// in order, a gap (with the range missed), a number at or below one already seen (a duplicate
// or a broker bug), or a new broker run (a new epoch: counting starts again, not a gap).
// Each room has two streams (its chat: LINEs; its presence: JOINs and LEAVEs), each followed by
// a tracker of its own; a HEARTBEAT's room heads repeat the latest number of each.
//
// Pure, and the one place this is decided: the client, the tap and the bench (through the
// client's conversation) all follow their streams with it. What to make of a verdict (print
// "Missed 3 events", note a gap, raise an alert) is theirs.
#pragma once

#include "proto/message.hpp"

#include <cstdint>
#include <optional>

namespace zchat::proto {

struct sequence_verdict {
    // reopened: the room was opened again (a higher room generation, same epoch): counting
    // starts again there, as at first.
    enum class kind { first, in_order, gap, backwards, restart, reopened };
    kind what = kind::first;
    // gap: the numbers missed, first_missed..last_missed.
    std::uint64_t first_missed = 0;
    std::uint64_t last_missed = 0;
    // backwards: the latest number seen, which this event did not go past.
    std::uint64_t latest = 0;
    // restart: the epoch of the run before.
    std::uint64_t previous_epoch = 0;

    std::uint64_t missed() const { return what == kind::gap ? last_missed - first_missed + 1 : 0; }
    bool operator==(const sequence_verdict&) const = default;
};

class sequence_tracker {
public:
    // Follows an event numbered `seq` in broker run `epoch`; `sequenced` if it takes the next
    // number (LINE, JOIN, LEAVE) rather than repeating the latest.
    sequence_verdict follow(std::uint64_t epoch, std::uint64_t seq, bool sequenced);

    // The broker run being followed, if any event came yet.
    std::optional<std::uint64_t> epoch() const { return epoch_; }
    // The highest number seen in that run (0 before the first event).
    std::uint64_t latest() const { return latest_; }

private:
    std::optional<std::uint64_t> epoch_;
    std::uint64_t latest_ = 0;
};

} // namespace zchat::proto
