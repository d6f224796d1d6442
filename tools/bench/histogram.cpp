#include "tools/bench/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace zchat::bench {

std::size_t histogram::bucket_of(std::uint64_t value) {
    if (value < sub_count)
        return static_cast<std::size_t>(value);
    // msb >= sub_bits; the value's top sub_bits bits, shifted down by `group`, lie in
    // [half_count, sub_count).
    const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value));
    const unsigned group = msb - sub_bits + 1;
    const std::uint64_t top = value >> group;
    return sub_count + (group - 1) * half_count + static_cast<std::size_t>(top - half_count);
}

std::uint64_t histogram::bucket_low(std::size_t bucket) {
    if (bucket < sub_count)
        return bucket;
    const std::size_t rest = bucket - sub_count;
    const unsigned group = static_cast<unsigned>(rest / half_count) + 1;
    const std::uint64_t top = half_count + rest % half_count;
    return top << group;
}

std::uint64_t histogram::bucket_high(std::size_t bucket) {
    if (bucket < sub_count)
        return bucket;
    const unsigned group = static_cast<unsigned>((bucket - sub_count) / half_count) + 1;
    return bucket_low(bucket) + ((std::uint64_t{1} << group) - 1);
}

void histogram::record(std::uint64_t value, std::uint64_t count) {
    if (count == 0)
        return;
    counts_[bucket_of(value)] += count;
    if (count_ == 0 || value < min_)
        min_ = value;
    max_ = std::max(max_, value);
    count_ += count;
    sum_ += static_cast<long double>(value) * static_cast<long double>(count);
}

void histogram::merge(const histogram& other) {
    if (other.count_ == 0)
        return;
    for (std::size_t i = 0; i < bucket_count; ++i)
        counts_[i] += other.counts_[i];
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    count_ += other.count_;
    sum_ += other.sum_;
}

void histogram::clear() {
    *this = histogram{};
}

double histogram::mean() const {
    return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t histogram::percentile(double percent) const {
    if (count_ == 0)
        return 0;
    percent = std::clamp(percent, 0.0, 100.0);
    // The rank of the value wanted, 1-based: at least the first value.
    const double exact = percent / 100.0 * static_cast<double>(count_);
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(exact)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += counts_[i];
        if (seen >= rank)
            return std::clamp(bucket_high(i), min_, max_);
    }
    return max_;
}

std::string histogram::spectrum(double unit) const {
    std::ostringstream out;
    char line[160];
    out << "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
    // HdrHistogram's layout: 5 ticks per halving of the distance to 100 %.
    constexpr int ticks_per_half = 5;
    std::vector<double> levels;
    for (int half = 0; half < 20; ++half) {
        const double from = 1.0 - std::pow(0.5, half);
        const double to = 1.0 - std::pow(0.5, half + 1);
        for (int t = 0; t < ticks_per_half; ++t)
            levels.push_back(from + (to - from) * t / ticks_per_half);
        if (static_cast<double>(count_) * (1.0 - to) < 1.0)
            break;
    }
    levels.push_back(1.0);
    for (const double p : levels) {
        const std::uint64_t v = percentile(p * 100.0);
        const auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(count_)));
        if (p < 1.0)
            std::snprintf(line, sizeof line, "%12.3f %14.12f %10llu %14.2f\n",
                          static_cast<double>(v) / unit, p, static_cast<unsigned long long>(rank),
                          1.0 / (1.0 - p));
        else
            std::snprintf(line, sizeof line, "%12.3f %14.12f %10llu\n",
                          static_cast<double>(v) / unit, p,
                          static_cast<unsigned long long>(count_));
        out << line;
    }
    std::snprintf(line, sizeof line,
                  "#[Mean    = %12.3f]\n"
                  "#[Max     = %12.3f, Total count    = %12llu]\n",
                  mean() / unit, static_cast<double>(max_) / unit,
                  static_cast<unsigned long long>(count_));
    out << line;
    return out.str();
}

std::string histogram::serialize() const {
    std::ostringstream out;
    out << count_ << ' ' << min_ << ' ' << max_ << ' ' << static_cast<double>(sum_);
    for (std::size_t i = 0; i < bucket_count; ++i)
        if (counts_[i] != 0)
            out << ' ' << i << ':' << counts_[i];
    return out.str();
}

bool histogram::parse(const std::string& text) {
    histogram h;
    std::istringstream in(text);
    double sum = 0;
    if (!(in >> h.count_ >> h.min_ >> h.max_ >> sum))
        return false;
    h.sum_ = sum;
    std::uint64_t total = 0;
    std::size_t bucket = 0;
    char colon = 0;
    std::uint64_t n = 0;
    while (in >> bucket >> colon >> n) {
        if (colon != ':' || bucket >= bucket_count)
            return false;
        h.counts_[bucket] += n;
        total += n;
    }
    if (!in.eof() || total != h.count_)
        return false;
    *this = h;
    return true;
}

} // namespace zchat::bench
