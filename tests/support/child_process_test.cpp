// The child-process helper itself, on standard tools: that it reads what a child writes, never
// blocks the child, and that no wait outlives its timeout and no child outlives its owner.
#include "tests/support/child_process.hpp"

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

TEST(ChildProcess, ReadsBackWhatItWroteLineByLineAndALastLineWithoutNewline) {
    child_process cat("/bin/cat", {});
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

TEST(ChildProcess, WaitsForTheFirstLineThatMatchesAndKeepsTheOnesSkipped) {
    child_process sh("/bin/sh", {"-c", "echo one; echo 'seq 2 of 3'; echo three; echo four"});
    EXPECT_EQ(sh.wait_for_line(stream::out, line_containing("2 of")), "seq 2 of 3");
    EXPECT_EQ(sh.wait_for_line(stream::out, line_starting_with("fo")), "four");
    EXPECT_EQ(sh.wait_for_line(stream::out, "one", 100ms), std::nullopt) << "already read past";
    EXPECT_EQ(sh.wait_for_exit(), 0);
    EXPECT_EQ(sh.lines(stream::out), (lines{"one", "seq 2 of 3", "three", "four"}));
}

TEST(ChildProcess, ReadsTheRestOfAStreamByteForByte) {
    child_process sh("/bin/sh", {"-c", "printf 'first\\nsecond\\n\\nlast'; printf 'oops\\n' >&2"});
    EXPECT_EQ(sh.next_line(stream::out), "first");
    EXPECT_EQ(sh.read_rest(stream::out), "second\n\nlast");
    EXPECT_EQ(sh.read_rest(stream::out), "");
    EXPECT_EQ(sh.read_rest(stream::err), "oops\n");
    EXPECT_EQ(sh.wait_for_exit(), 0);
}

TEST(ChildProcess, ReadingOneStreamNeverLetsTheOtherFillUp) {
    child_process sh("/bin/sh", {"-c", "head -c 1000000 /dev/zero | tr '\\0' x >&2; echo done"});
    EXPECT_EQ(sh.next_line(stream::out), "done");
    EXPECT_EQ(sh.wait_for_exit(), 0);
    EXPECT_EQ(sh.text(stream::err).size(), 1000001u);
}

TEST(ChildProcess, WaitsForALineOnlyAsLongAsItIsTold) {
    child_process sleeper("/bin/sleep", {"30"});
    EXPECT_EQ(sleeper.next_line(stream::out, 50ms), std::nullopt);
    EXPECT_EQ(sleeper.wait_for_line(stream::err, "never", 50ms), std::nullopt);
}

TEST(ChildProcess, KillsAndReapsAProcessThatDoesNotExitInTime) {
    child_process sleeper("/bin/sleep", {"30"});
    EXPECT_EQ(sleeper.wait_for_exit(100ms), std::nullopt);
    EXPECT_TRUE(gone(sleeper.pid()));
}

TEST(ChildProcess, KillsAndReapsItsProcessWhenDestroyed) {
    pid_t pid = -1;
    {
        child_process sleeper("/bin/sleep", {"30"});
        pid = sleeper.pid();
    }
    EXPECT_TRUE(gone(pid));
}

TEST(ChildProcess, ReportsASignalAs128PlusItsNumber) {
    child_process sleeper("/bin/sleep", {"30"});
    sleeper.send_signal(SIGTERM);
    EXPECT_EQ(sleeper.wait_for_exit(), 128 + SIGTERM);
}

TEST(ChildProcess, WritingToAnExitedProcessThrowsInsteadOfRaisingSigpipe) {
    child_process done("/bin/true", {});
    EXPECT_EQ(done.wait_for_exit(), 0);
    EXPECT_THROW(done.write("anyone?\n"), process_error);
}

TEST(ChildProcess, AMissingExecutableThrows) {
    EXPECT_THROW(child_process("/nonexistent/zchat-nothing", {}), process_error);
}

} // namespace
} // namespace zchat::test
