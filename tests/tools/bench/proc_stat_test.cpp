#include "tools/bench/proc_stat.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

namespace zchat::bench {
namespace {

TEST(ProcStat, CpuTicksAreUtimePlusStimeEvenWithAnOddCommandName) {
    const std::string stat = "4242 (zchat ) broker) S 1 4242 4242 0 -1 4194560 1234 0 0 0 "
                             "150 25 0 0 20 0 3 0 12345 1000000 500 18446744073709551615";
    EXPECT_EQ(cpu_ticks(stat), 175u);
    EXPECT_FALSE(cpu_ticks("4242 (x) S 1 2"));
    EXPECT_FALSE(cpu_ticks("no parenthesis"));
}

TEST(ProcStat, StatusValuesAreReadInKibibytes) {
    const std::string status = "Name:\tzchat-broker\nVmPeak:\t  20000 kB\nVmHWM:\t    7468 kB\n"
                               "VmRSS:\t    7000 kB\n";
    EXPECT_EQ(status_kib(status, "VmHWM"), 7468u);
    EXPECT_EQ(status_kib(status, "VmRSS"), 7000u);
    EXPECT_FALSE(status_kib(status, "VmSwap"));
    EXPECT_FALSE(status_kib(status, "Vm"));
}

TEST(ProcStat, SchedstatGivesNanoseconds) {
    EXPECT_EQ(schedstat_ns("123456789 1000 20\n"), 123456789u);
    EXPECT_FALSE(schedstat_ns(""));
}

TEST(ProcStat, ThisProcessCanBeSampled) {
    const auto s = sample_process(getpid());
    ASSERT_TRUE(s);
    EXPECT_GT(s->cpu_seconds, 0);
    EXPECT_GT(s->peak_rss_kib, 0u);
    EXPECT_FALSE(sample_process(-1));
}

} // namespace
} // namespace zchat::bench
