#include "broker/burst_watch.hpp"

namespace zchat::broker {

bool burst_watch::burst_ended(time_point now) {
    if (now - last_check_ < check_interval_)
        return false;
    const double seconds = std::chrono::duration<double>(now - last_check_).count();
    const bool busy =
        static_cast<double>(sent_) >= static_cast<double>(messages_per_second_) * seconds;
    sent_ = 0;
    last_check_ = now;
    const bool ended = in_burst_ && !busy;
    in_burst_ = busy;
    return ended;
}

} // namespace zchat::broker
