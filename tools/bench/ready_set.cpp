#include "tools/bench/ready_set.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace zchat::bench {
namespace {

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

ready_set::ready_set() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), fired_(1024) {
    if (epoll_fd_ < 0)
        fail("epoll_create1");
}

ready_set::~ready_set() {
    close(epoll_fd_);
}

void ready_set::add(int fd, std::uint64_t key) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = key;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0)
        fail("epoll_ctl add");
}

void ready_set::remove(int fd) {
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr) != 0)
        fail("epoll_ctl del");
}

const std::vector<std::uint64_t>& ready_set::wait(std::chrono::nanoseconds timeout) {
    due_.clear();
    if (timeout.count() > 0) {
        // ppoll on the epoll descriptor itself: epoll_wait counts in whole milliseconds, which
        // would send paced lines up to 1 ms late.
        pollfd set{epoll_fd_, POLLIN, 0};
        const timespec limit{static_cast<time_t>(timeout.count() / 1'000'000'000),
                             static_cast<long>(timeout.count() % 1'000'000'000)};
        if (ppoll(&set, 1, &limit, nullptr) < 0 && errno != EINTR)
            fail("ppoll");
    }
    // One batch: level-triggered descriptors left over stay ready and come with the next wait
    // (epoll hands them out round robin), so none waits for ever.
    const int n = epoll_wait(epoll_fd_, fired_.data(), static_cast<int>(fired_.size()), 0);
    if (n < 0 && errno != EINTR)
        fail("epoll_wait");
    // epoll_event is packed on x86-64, so its data is copied out before push_back binds a
    // reference to it: a reference to the misaligned member itself is undefined.
    for (int i = 0; i < n; ++i)
        due_.push_back(std::uint64_t{fired_[static_cast<std::size_t>(i)].data.u64});
    return due_;
}

} // namespace zchat::bench
