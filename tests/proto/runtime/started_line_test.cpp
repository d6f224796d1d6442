// The started line: what a server prints is what the bench and the tests read back.
#include "proto/runtime/started_line.hpp"

#include <gtest/gtest.h>

namespace zchat::runtime {
namespace {

TEST(StartedLine, ReadsBackWhatIsWritten) {
    const bound_endpoints e{"tcp://127.0.0.1:40001", "tcp://127.0.0.1:40002"};
    const std::string line = started_line("Chat broker", e);
    EXPECT_EQ(line, "Chat broker started: router tcp://127.0.0.1:40001, pub tcp://127.0.0.1:40002");
    EXPECT_EQ(parse_started_line(line), e);
    EXPECT_EQ(parse_started_line(line + "\r\n"), e);
    EXPECT_EQ(parse_started_line(started_line("Forwarder", {"a", "b"})),
              (bound_endpoints{"a", "b"}));
}

TEST(StartedLine, OtherLinesAreNotStartedLines) {
    EXPECT_FALSE(parse_started_line("[alice] started: router, but no pub"));
    EXPECT_FALSE(parse_started_line("Chat broker started: router , pub x"));
    EXPECT_FALSE(parse_started_line("Chat broker started: router x, pub "));
    EXPECT_FALSE(parse_started_line("Chat broker stopped"));
}

} // namespace
} // namespace zchat::runtime
