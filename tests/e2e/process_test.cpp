// The process harness itself, on standard tools: that it reads what a child writes, never
// blocks the child, and that no wait outlives its timeout and no child outlives its owner.
#include "tests/e2e/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

namespace zchat::test {
namespace {

using namespace std::chrono_literals;
using lines = std::vector<std::string>;

bool gone(pid_t pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

TEST(Process, ReadsBackWhatItWroteLineByLineAndALastLineWithoutNewline) {
    process cat("/bin/cat", {});
    cat.write("first\nsecond\n");
    EXPECT_EQ(cat.next_line(stream::out), "first");
    EXPECT_EQ(cat.next_line(stream::out), "second");
    cat.write("no newline");
    cat.close_stdin();
    EXPECT_EQ(cat.next_line(stream::out), "no newline");
    EXPECT_EQ(cat.next_line(stream::out), std::nullopt);
    EXPECT_EQ(cat.wait_for_exit(), 0);
    EXPECT_EQ(cat.lines(stream::out), (lines{"first", "second", "no newline"}));
}

TEST(Process, ReadingOneStreamNeverLetsTheOtherFillUp) {
    process sh("/bin/sh", {"-c", "head -c 1000000 /dev/zero | tr '\\0' x >&2; echo done"});
    EXPECT_EQ(sh.next_line(stream::out), "done");
    EXPECT_EQ(sh.wait_for_exit(), 0);
    EXPECT_EQ(sh.text(stream::err).size(), 1000001u);
}

TEST(Process, WaitsForALineOnlyAsLongAsItIsTold) {
    process sleeper("/bin/sleep", {"30"});
    EXPECT_EQ(sleeper.next_line(stream::out, 50ms), std::nullopt);
    EXPECT_FALSE(sleeper.wait_for_line(stream::err, "never", 50ms));
}

TEST(Process, KillsAndReapsAProcessThatDoesNotExitInTime) {
    process sleeper("/bin/sleep", {"30"});
    EXPECT_EQ(sleeper.wait_for_exit(100ms), std::nullopt);
    EXPECT_TRUE(gone(sleeper.pid()));
}

TEST(Process, KillsAndReapsItsProcessWhenDestroyed) {
    pid_t pid = -1;
    {
        process sleeper("/bin/sleep", {"30"});
        pid = sleeper.pid();
    }
    EXPECT_TRUE(gone(pid));
}

TEST(Process, ReportsASignalAs128PlusItsNumber) {
    process sleeper("/bin/sleep", {"30"});
    sleeper.send_signal(SIGTERM);
    EXPECT_EQ(sleeper.wait_for_exit(), 128 + SIGTERM);
}

TEST(Process, WritingToAnExitedProcessThrowsInsteadOfRaisingSigpipe) {
    process done("/bin/true", {});
    EXPECT_EQ(done.wait_for_exit(), 0);
    EXPECT_THROW(done.write("anyone?\n"), process_error);
}

TEST(Process, AMissingExecutableThrows) {
    EXPECT_THROW(process("/nonexistent/zchat-nothing", {}), process_error);
}

} // namespace
} // namespace zchat::test
