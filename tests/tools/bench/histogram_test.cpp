#include "tools/bench/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace zchat::bench {
namespace {

// The exact percentile of sorted values, with the same rank rule as histogram::percentile.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double percent) {
    const auto rank = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::ceil(percent / 100 * static_cast<double>(sorted.size()))));
    return sorted[rank - 1];
}

// Within the histogram's resolution: one part in 2^(sub_bits-1), never below the true value.
void expect_close(std::uint64_t got, std::uint64_t want) {
    EXPECT_GE(got, want);
    EXPECT_LE(static_cast<double>(got - want),
              static_cast<double>(want) / static_cast<double>(histogram::half_count) + 1)
        << "got " << got << " want " << want;
}

TEST(Histogram, AnEmptyHistogramReportsZeroes) {
    const histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.max(), 0u);
    EXPECT_EQ(h.percentile(50), 0u);
    EXPECT_EQ(h.mean(), 0.0);
}

TEST(Histogram, SmallValuesAreCountedExactly) {
    histogram h;
    for (std::uint64_t v = 0; v < histogram::sub_count; ++v)
        h.record(v);
    EXPECT_EQ(h.percentile(50), 127u);
    EXPECT_EQ(h.percentile(100), 255u);
    EXPECT_EQ(h.percentile(0), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_DOUBLE_EQ(h.mean(), 127.5);
}

TEST(Histogram, EveryValueLiesInItsBucketAndBucketsAreNarrow) {
    std::mt19937_64 random(7);
    std::vector<std::uint64_t> values{
        0, 1, 255, 256, 257, 511, 512, 1000, 1u << 20, std::numeric_limits<std::uint64_t>::max()};
    for (int i = 0; i < 100000; ++i)
        values.push_back(random() >> (random() % 64));
    for (const std::uint64_t v : values) {
        const std::size_t b = histogram::bucket_of(v);
        ASSERT_LT(b, histogram::bucket_count) << v;
        EXPECT_LE(histogram::bucket_low(b), v);
        EXPECT_GE(histogram::bucket_high(b), v);
        const std::uint64_t width = histogram::bucket_high(b) - histogram::bucket_low(b);
        EXPECT_LE(static_cast<double>(width),
                  static_cast<double>(v) / static_cast<double>(histogram::half_count))
            << v;
    }
}

TEST(Histogram, BucketsTileTheRangeWithoutGapsOrOverlaps) {
    for (std::size_t b = 1; b < histogram::bucket_count; ++b)
        ASSERT_EQ(histogram::bucket_low(b), histogram::bucket_high(b - 1) + 1) << b;
    EXPECT_EQ(histogram::bucket_high(histogram::bucket_count - 1),
              std::numeric_limits<std::uint64_t>::max());
}

TEST(Histogram, PercentilesOfAUniformDistributionMatchTheExactOnes) {
    histogram h;
    std::vector<std::uint64_t> values;
    for (std::uint64_t v = 1; v <= 1'000'000; ++v) {
        h.record(v * 7);
        values.push_back(v * 7);
    }
    for (const double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99})
        expect_close(h.percentile(p), exact_percentile(values, p));
    EXPECT_EQ(h.percentile(100), 7'000'000u);
    EXPECT_EQ(h.min(), 7u);
}

TEST(Histogram, PercentilesOfAnExponentialDistributionMatchTheExactOnes) {
    // Deterministic latencies with a long tail: the inverse CDF at evenly spaced points.
    histogram h;
    std::vector<std::uint64_t> values;
    constexpr int n = 200000;
    for (int i = 0; i < n; ++i) {
        const double u = (i + 0.5) / n;
        const auto v = static_cast<std::uint64_t>(-std::log(1 - u) * 1e6); // mean 1 ms in ns
        h.record(v);
        values.push_back(v);
    }
    std::sort(values.begin(), values.end());
    for (const double p : {50.0, 90.0, 99.0, 99.9})
        expect_close(h.percentile(p), exact_percentile(values, p));
    EXPECT_EQ(h.max(), values.back());
    EXPECT_NEAR(h.mean(), 1e6, 1e6 * 0.01);
}

TEST(Histogram, MemoryIsFixedWhateverIsRecorded) {
    static_assert(histogram::memory_bytes() < 64 * 1024);
    histogram h;
    const std::size_t before = histogram::memory_bytes();
    for (std::uint64_t v = 1; v != 0 && h.count() < 10'000'000; v = v * 3 + 1)
        h.record(v, 1000);
    h.record(std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(histogram::memory_bytes(), before);
    EXPECT_EQ(sizeof h, before);
    EXPECT_EQ(h.max(), std::numeric_limits<std::uint64_t>::max());
}

TEST(Histogram, MergingHalvesGivesTheWhole) {
    histogram whole;
    histogram a;
    histogram b;
    std::mt19937_64 random(3);
    for (int i = 0; i < 50000; ++i) {
        const std::uint64_t v = random() % 50'000'000;
        whole.record(v);
        (i % 2 ? a : b).record(v);
    }
    histogram merged;
    merged.merge(a);
    merged.merge(b);
    EXPECT_EQ(merged.count(), whole.count());
    EXPECT_EQ(merged.min(), whole.min());
    EXPECT_EQ(merged.max(), whole.max());
    EXPECT_DOUBLE_EQ(merged.mean(), whole.mean());
    for (const double p : {0.0, 50.0, 99.0, 99.9, 100.0})
        EXPECT_EQ(merged.percentile(p), whole.percentile(p));
    histogram empty;
    merged.merge(empty);
    EXPECT_EQ(merged.count(), whole.count());
}

TEST(Histogram, SerializedFormParsesBackToTheSameHistogram) {
    histogram h;
    for (std::uint64_t v : {5u, 300u, 300u, 70000u, 123456789u})
        h.record(v);
    histogram back;
    ASSERT_TRUE(back.parse(h.serialize()));
    EXPECT_EQ(back.count(), h.count());
    EXPECT_EQ(back.min(), h.min());
    EXPECT_EQ(back.max(), h.max());
    EXPECT_EQ(back.percentile(60), h.percentile(60));
    EXPECT_FALSE(back.parse("3 1 2 6 1:1"));      // counts do not add up
    EXPECT_FALSE(back.parse("1 1 1 1 999999:1")); // no such bucket
    EXPECT_FALSE(back.parse("garbage"));
    EXPECT_EQ(back.count(), h.count()); // a failed parse changes nothing
}

TEST(Histogram, SpectrumListsPercentilesUpToTheMaximum) {
    histogram h;
    for (std::uint64_t v = 1; v <= 1000; ++v)
        h.record(v * 1000);
    const std::string text = h.spectrum(1e6);
    EXPECT_NE(text.find("Value     Percentile TotalCount 1/(1-Percentile)"), std::string::npos);
    EXPECT_NE(text.find("       1.000 1.000000000000       1000"), std::string::npos) << text;
    EXPECT_NE(text.find("0.500000000000"), std::string::npos);
    EXPECT_NE(text.find("Total count    =         1000"), std::string::npos);
}

} // namespace
} // namespace zchat::bench
