#include "tools/bench/one_hop_source.hpp"

#include "tools/bench/payload.hpp"

namespace zchat::bench {

one_hop_source::one_hop_source(const worker_config& c)
    : config_(c), schedule_(nanoseconds(c.start_ns), c.rate, c.publishers),
      end_index_(
          schedule_.due_total(nanoseconds(c.start_ns) + c.warmup + c.duration - nanoseconds(1))) {}

std::optional<proto::line> one_hop_source::next(nanoseconds now) {
    const auto due = next_due();
    if (!due || *due > now)
        return std::nullopt;
    const auto publisher = static_cast<std::uint32_t>(next_index_ % config_.publishers);
    const std::uint64_t id = next_index_ / config_.publishers + 1;
    ++next_index_;
    proto::line line;
    line.room = room_name(room_of_publisher(config_, publisher), config_.rooms);
    line.message_id = id;
    line.text = encode_payload({publisher, id, static_cast<std::uint64_t>(due->count())},
                               config_.payload_bytes);
    return line;
}

std::optional<one_hop_source::nanoseconds> one_hop_source::next_due() const {
    if (next_index_ >= end_index_)
        return std::nullopt;
    const auto publisher = static_cast<std::uint32_t>(next_index_ % config_.publishers);
    return schedule_.intended(publisher, next_index_ / config_.publishers);
}

} // namespace zchat::bench
