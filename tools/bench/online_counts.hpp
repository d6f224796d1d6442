// The online counts that JOIN and LEAVE events announce, checked room by room: each JOIN must
// announce one more user online in its room than the room's event before it, each LEAVE one
// fewer. A room's presence events are sequenced on its own topic, so the check is event by event
// within a room; counts of different rooms are different counts and are never compared.
//
// Pure bookkeeping for the churn monitor (worker.cpp): it reads no socket and keeps no time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace zchat::bench {

class online_counts {
public:
    // A JOIN (change +1) or LEAVE (change -1) in `room` announced `online`. Returns whether that
    // agrees with the room's previous count; a room's first event agrees by definition, and
    // tells what its count was before it.
    bool record(std::string_view room, std::int64_t online, int change);
    // Over every room seen, the sum of the counts before their first events, and of their latest
    // counts; nothing before any event.
    std::optional<std::int64_t> initial() const;
    std::optional<std::int64_t> latest() const;
    // Every room seen is back at the count it had before its first event (true when none is seen).
    bool settled() const;

private:
    struct count {
        std::int64_t initial = 0;
        std::int64_t latest = 0;
    };
    std::map<std::string, count, std::less<>> rooms_;
};

} // namespace zchat::bench
