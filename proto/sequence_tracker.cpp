#include "proto/sequence_tracker.hpp"

namespace zchat::proto {

sequence_verdict sequence_tracker::follow(std::uint64_t epoch, std::uint64_t seq, bool sequenced) {
    sequence_verdict v;
    if (epoch_ != epoch) {
        v.what = epoch_ ? sequence_verdict::kind::restart : sequence_verdict::kind::first;
        v.previous_epoch = epoch_.value_or(0);
        epoch_ = epoch;
        latest_ = seq;
        return v;
    }
    if (room_generation(seq) > room_generation(latest_)) {
        v.what = sequence_verdict::kind::reopened;
        latest_ = seq;
        return v;
    }
    // A sequenced event must go past every number seen; the others repeat the latest, which
    // they may equal but never be below.
    if (sequenced ? seq <= latest_ : seq < latest_) {
        v.what = sequence_verdict::kind::backwards;
        v.latest = latest_;
        return v;
    }
    const std::uint64_t expected = sequenced ? latest_ + 1 : latest_;
    if (seq > expected) {
        v.what = sequence_verdict::kind::gap;
        v.first_missed = latest_ + 1;
        v.last_missed = sequenced ? seq - 1 : seq;
    } else {
        v.what = sequence_verdict::kind::in_order;
    }
    latest_ = seq;
    return v;
}

} // namespace zchat::proto
