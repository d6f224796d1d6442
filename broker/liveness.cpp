#include "broker/liveness.hpp"

namespace zchat::broker {

void liveness_queue::track(std::uint64_t id, time_point now) {
    forget(id);
    where_[id] = order_.insert(order_.end(), entry{id, now});
}

void liveness_queue::heard(std::uint64_t id, time_point now) {
    const auto it = where_.find(id);
    if (it == where_.end())
        return;
    it->second->last_heard = now;
    order_.splice(order_.end(), order_, it->second);
}

void liveness_queue::forget(std::uint64_t id) {
    const auto it = where_.find(id);
    if (it == where_.end())
        return;
    order_.erase(it->second);
    where_.erase(it);
}

void liveness_queue::excuse(std::chrono::nanoseconds pause) {
    // Every entry moves by the same amount, so the order (least recently heard first) holds.
    for (entry& e : order_)
        e.last_heard += std::chrono::duration_cast<time_point::duration>(pause);
}

std::optional<std::uint64_t> liveness_queue::expired(time_point now,
                                                     std::chrono::nanoseconds timeout) const {
    if (order_.empty() || now - order_.front().last_heard < timeout)
        return std::nullopt;
    return order_.front().id;
}

time_point liveness_queue::next_expiry(std::chrono::nanoseconds timeout) const {
    return order_.empty() ? time_point::max() : order_.front().last_heard + timeout;
}

} // namespace zchat::broker
