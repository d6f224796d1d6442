// The ready set's connections stand in as pipes: a byte in the pipe is something to read.
#include "tools/bench/ready_set.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>

namespace zchat::bench {
namespace {

using std::chrono::milliseconds;

struct test_pipe {
    std::array<int, 2> fds{-1, -1};
    test_pipe() { EXPECT_EQ(pipe(fds.data()), 0); }
    test_pipe(const test_pipe&) = delete;
    test_pipe& operator=(const test_pipe&) = delete;
    ~test_pipe() {
        close(fds[0]);
        close(fds[1]);
    }
    int read_end() const { return fds[0]; }
    void signal() const { EXPECT_EQ(write(fds[1], "x", 1), 1); }
    void clear() const {
        char byte = 0;
        EXPECT_EQ(read(fds[0], &byte, 1), 1);
    }
};

void watch(ready_set& set, const test_pipe& p, std::uint64_t key) {
    set.add(p.read_end(), key);
}

bool holds(const std::vector<std::uint64_t>& keys, std::uint64_t key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

TEST(ReadySet, ANewDescriptorIsReportedOnlyOnceReadable) {
    ready_set set;
    test_pipe a;
    watch(set, a, 7);
    EXPECT_TRUE(set.wait(milliseconds(1)).empty());
    a.signal();
    EXPECT_EQ(set.wait(milliseconds(1000)), std::vector<std::uint64_t>{7});
}

TEST(ReadySet, ReturnsOnlyTheConnectionsWhoseDescriptorFired) {
    ready_set set;
    test_pipe a;
    test_pipe b;
    watch(set, a, 1);
    watch(set, b, 2);
    b.signal();
    EXPECT_EQ(set.wait(milliseconds(1000)), std::vector<std::uint64_t>{2});
    b.clear();
    EXPECT_TRUE(set.wait(milliseconds(1)).empty());
}

TEST(ReadySet, ASignalLeftUnreadIsReportedAgain) {
    ready_set set;
    test_pipe a;
    watch(set, a, 3);
    a.signal();
    EXPECT_TRUE(holds(set.wait(milliseconds(0)), 3));
    EXPECT_TRUE(holds(set.wait(milliseconds(0)), 3));
}

TEST(ReadySet, ARemovedDescriptorIsNoLongerWatched) {
    ready_set set;
    test_pipe a;
    watch(set, a, 4);
    set.remove(a.read_end());
    a.signal();
    EXPECT_TRUE(set.wait(milliseconds(1)).empty());
}

// More than one batch (1,024) of descriptors stay signalled, unread: every one is still
// reported within a few waits, none starved by those reported first.
TEST(ReadySet, MoreSignalledDescriptorsThanOneBatchAreAllReportedInTurn) {
    constexpr std::size_t count = 1500;
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < 2 * count + 64)
        GTEST_SKIP() << "needs " << 2 * count + 64 << " descriptors";
    ready_set set;
    std::vector<test_pipe> pipes(count);
    for (std::size_t i = 0; i < pipes.size(); ++i)
        set.add(pipes[i].read_end(), i);
    for (const auto& p : pipes)
        p.signal();
    std::vector<bool> seen(pipes.size(), false);
    for (int round = 0; round < 3; ++round)
        for (const std::uint64_t key : set.wait(milliseconds(0)))
            seen[key] = true;
    EXPECT_EQ(std::count(seen.begin(), seen.end(), true), static_cast<long>(count));
}

} // namespace
} // namespace zchat::bench
