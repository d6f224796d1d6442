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

TEST(ProcStat, TheStartedLineGivesBothEndpoints) {
    const auto e = parse_started_line(
        "Chat broker started: router tcp://127.0.0.1:40001, pub tcp://127.0.0.1:40002\n");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->router, "tcp://127.0.0.1:40001");
    EXPECT_EQ(e->pub, "tcp://127.0.0.1:40002");
    EXPECT_TRUE(parse_started_line("Forwarder started: router a, pub b"));
    EXPECT_FALSE(parse_started_line("[alice] started: router, but no pub"));
    EXPECT_FALSE(parse_started_line("Chat broker stopped"));
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
