// A fixed-memory log-linear histogram of non-negative 64-bit values (latencies in nanoseconds),
// in the spirit of HdrHistogram, which Debian 12 does not package.
//
// Values below 2^sub_bits are counted exactly; above, each power-of-two range is split into
// 2^(sub_bits-1) equal buckets, so a recorded value is known to within 1 part in 2^(sub_bits-1)
// (0.8 % with sub_bits 8). The bucket array has a fixed size whatever is recorded: memory does
// not grow with the count or the range. The exact minimum, maximum and sum are kept apart.
// Pure arithmetic: no clock, no I/O, no sockets. Not thread-safe; merge per-thread histograms.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace zchat::bench {

class histogram {
public:
    static constexpr unsigned sub_bits = 8;
    static constexpr std::size_t sub_count = std::size_t{1} << sub_bits;
    static constexpr std::size_t half_count = sub_count / 2;
    static constexpr std::size_t bucket_count = sub_count + (64 - sub_bits) * half_count;

    // Counts one value (or `count` equal values).
    void record(std::uint64_t value, std::uint64_t count = 1);
    // Adds every count of `other` to this one.
    void merge(const histogram& other);
    void clear();

    std::uint64_t count() const { return count_; }
    // Exact; 0 when empty.
    std::uint64_t min() const { return count_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }
    double mean() const;

    // The smallest recorded-equivalent value at or below which `percent` % of the values lie:
    // the highest value of the bucket holding that rank, clamped to the exact min and max.
    // percent is clamped to [0, 100]; 0 on an empty histogram.
    std::uint64_t percentile(double percent) const;

    // The bucket a value falls in, and the lowest and highest value of a bucket.
    static std::size_t bucket_of(std::uint64_t value);
    static std::uint64_t bucket_low(std::size_t bucket);
    static std::uint64_t bucket_high(std::size_t bucket);

    // The percentile spectrum in HdrHistogram's .hgrm text layout (Value, Percentile,
    // TotalCount, 1/(1-Percentile)), values divided by `unit` (1e6: nanoseconds to ms).
    std::string spectrum(double unit) const;

    // A compact text form ("count min max sum bucket:n ...") and its inverse, for handing a
    // histogram from a worker process to the orchestrator. parse returns false on bad input.
    std::string serialize() const;
    bool parse(const std::string& text);

    // Bytes held, the same for every histogram.
    static constexpr std::size_t memory_bytes() { return sizeof(histogram); }

private:
    std::array<std::uint64_t, bucket_count> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

} // namespace zchat::bench
