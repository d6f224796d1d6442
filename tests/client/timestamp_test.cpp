// The time shown before a line: local time in the user's format, and for a line from the
// broker's history the time it was said.
#include "client/timestamp.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace zchat::client {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

// 2026-12-04 14:02:05 UTC.
const system_clock::time_point afternoon = system_clock::from_time_t(1796392925);

class Timestamp : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* tz = std::getenv("TZ"))
            saved_ = tz;
        setenv("TZ", "UTC", 1);
        tzset();
    }
    void TearDown() override {
        if (saved_)
            setenv("TZ", saved_->c_str(), 1);
        else
            unsetenv("TZ");
        tzset();
    }

private:
    std::optional<std::string> saved_;
};

TEST_F(Timestamp, IsTheLocalTimeInTheFormatGiven) {
    EXPECT_EQ(timestamp(afternoon, default_timestamp_format), "14:02");
    EXPECT_EQ(timestamp(afternoon, "%Y-%m-%d %H:%M:%S"), "2026-12-04 14:02:05");
    setenv("TZ", "CET-1", 1);
    tzset();
    EXPECT_EQ(timestamp(afternoon, "%H:%M"), "15:02");
}

TEST_F(Timestamp, AFormatThatMakesNothingOrTooMuchGivesNothing) {
    EXPECT_EQ(timestamp(afternoon, "%p"), "PM");
    EXPECT_EQ(timestamp(afternoon, std::string(300, 'x')), "");
}

TEST_F(Timestamp, ATranscriptTimeIsFullISO8601WithTheOffsetFromUTC) {
    EXPECT_EQ(iso8601(afternoon), "2026-12-04T14:02:05+00:00");
    setenv("TZ", "CET-1", 1);
    tzset();
    EXPECT_EQ(iso8601(afternoon), "2026-12-04T15:02:05+01:00");
    setenv("TZ", "NST+3:30", 1);
    tzset();
    EXPECT_EQ(iso8601(afternoon), "2026-12-04T10:32:05-03:30");
}

TEST_F(Timestamp, AHistoryLineWasSaidItsAgeBeforeItArrived) {
    EXPECT_EQ(said_at(afternoon, std::nullopt), afternoon);
    EXPECT_EQ(timestamp(said_at(afternoon, 125'000ms), "%H:%M:%S"), "14:00:00");
}

} // namespace
} // namespace zchat::client
