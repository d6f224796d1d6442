#include "broker/log.hpp"

#include <gtest/gtest.h>

namespace zchat::broker {
namespace {

using namespace std::chrono_literals;

TEST(BrokerLog, ALineIsTheUtcTimeToTheMillisecondTheLevelAndTheEntry) {
    // 2026-12-04T15:04:05.123Z
    const auto when = std::chrono::system_clock::time_point{} + 1'796'396'645'123ms;
    EXPECT_EQ(format_log_line(
                  when, {log_level::info, "join" + field("name", "alice") + field("online", 3)}),
              "2026-12-04T15:04:05.123Z INFO join name=alice online=3");
    EXPECT_EQ(format_log_line(when, {log_level::warn, "x"}), "2026-12-04T15:04:05.123Z WARN x");
    EXPECT_EQ(format_log_line(std::chrono::system_clock::time_point{}, {log_level::debug, "y"}),
              "1970-01-01T00:00:00.000Z DEBUG y");
}

TEST(BrokerLog, ValuesThatWouldSplitTheLineAreQuotedWithEscapes) {
    EXPECT_EQ(field("name", "bob"), " name=bob");
    EXPECT_EQ(field("text", ""), " text=\"\"");
    EXPECT_EQ(field("text", "a b"), " text=\"a b\"");
    EXPECT_EQ(field("text", "k=v"), " text=\"k=v\"");
    EXPECT_EQ(field("text", "say \"hi\""), " text=\"say \\\"hi\\\"\"");
    EXPECT_EQ(field("text", "back\\slash"), " text=\"back\\\\slash\"");
    EXPECT_EQ(field("path", "a\nb\rc\td\x1B[31m\x7F"), " path=\"a\\nb\\rc\\td\\x1B[31m\\x7F\"");
    EXPECT_EQ(field("count", std::uint64_t{18446744073709551615u}), " count=18446744073709551615");
}

TEST(BrokerLog, ALevelLogsWhatIsAtItOrMoreImportant) {
    EXPECT_TRUE(logs(log_level::info, log_level::error));
    EXPECT_TRUE(logs(log_level::info, log_level::warn));
    EXPECT_TRUE(logs(log_level::info, log_level::info));
    EXPECT_FALSE(logs(log_level::info, log_level::debug));
    EXPECT_FALSE(logs(log_level::error, log_level::warn));
    EXPECT_TRUE(logs(log_level::debug, log_level::debug));
}

TEST(BrokerLog, VerboseAndQuietStepOneLevelAndStopAtTheEnds) {
    EXPECT_EQ(more_verbose(log_level::info), log_level::debug);
    EXPECT_EQ(more_verbose(log_level::debug), log_level::debug);
    EXPECT_EQ(quieter(log_level::info), log_level::warn);
    EXPECT_EQ(quieter(log_level::warn), log_level::error);
    EXPECT_EQ(quieter(log_level::error), log_level::error);
    EXPECT_EQ(log_level_name(log_level::warn), "warn");
}

TEST(BrokerLog, AFloodIsLoggedOncePerWindowAndTheRestCounted) {
    const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
    flood_summary flood(10s);
    EXPECT_FALSE(flood.held_back(t0).has_value());
    EXPECT_TRUE(flood.occurred(t0));
    for (int i = 0; i < 311; ++i)
        EXPECT_FALSE(flood.occurred(t0 + 1s));
    EXPECT_FALSE(flood.held_back(t0 + 9s).has_value()); // the window has not ended
    EXPECT_EQ(flood.held_back(t0 + 10s), 311u);
    EXPECT_FALSE(flood.held_back(t0 + 11s).has_value()); // told once
    // A steady flood: the next window opens before the count of the last is asked for, and the
    // count still comes, once.
    EXPECT_TRUE(flood.occurred(t0 + 20s));
    for (int i = 0; i < 5; ++i)
        EXPECT_FALSE(flood.occurred(t0 + 25s));
    EXPECT_TRUE(flood.occurred(t0 + 30s));
    EXPECT_FALSE(flood.occurred(t0 + 30s));
    EXPECT_EQ(flood.held_back(t0 + 30s), 5u);
    EXPECT_EQ(flood.held_back(t0 + 40s), 1u);
    // After a quiet window the next one is logged on its own again.
    EXPECT_TRUE(flood.occurred(t0 + 60s));
    EXPECT_FALSE(flood.held_back(t0 + 75s).has_value()); // nothing was held back
}

} // namespace
} // namespace zchat::broker
