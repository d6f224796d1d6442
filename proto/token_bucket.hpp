// A token bucket: allows `rate` events per second on average and bursts of up to `burst`.
// Pure arithmetic with time as an argument; the broker uses one per session for its message
// rate and one per peer for the ERRORs it sends, and the client one to pace its own lines.
#pragma once

#include <algorithm>
#include <chrono>

namespace zchat::proto {

class token_bucket {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // A rate of 0 means unlimited: take() always succeeds.
    token_bucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

    // Takes one token if there is one at `now`; returns whether it did.
    bool take(time_point now) {
        if (rate_ <= 0)
            return true;
        tokens_ = tokens_at(now);
        last_ = std::max(last_, now);
        if (tokens_ < 1)
            return false;
        tokens_ -= 1;
        return true;
    }

    // When the next token will be there (now, if one is there already).
    time_point next_token(time_point now) const {
        const double tokens = tokens_at(now);
        if (rate_ <= 0 || tokens >= 1)
            return now;
        const std::chrono::duration<double> wait((1 - tokens) / rate_);
        return now + std::chrono::ceil<std::chrono::nanoseconds>(wait);
    }

private:
    double tokens_at(time_point now) const {
        if (last_ == time_point{} || now <= last_)
            return tokens_;
        const std::chrono::duration<double> elapsed = now - last_;
        return std::min(burst_, tokens_ + elapsed.count() * rate_);
    }

    double rate_;
    double burst_;
    double tokens_;
    time_point last_{};
};

} // namespace zchat::proto
