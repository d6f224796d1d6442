// Which of many connections have something to read, without asking each one: their
// descriptors in one epoll set (level-triggered), and only those that fired are returned. Asking
// every connection on every wakeup would cost a system call each: with a thousand simulated
// clients that was most of the generator's CPU.
//
// Keys are the caller's: small integers saying which connection a descriptor belongs to.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <sys/epoll.h>

namespace zchat::bench {

class ready_set {
public:
    ready_set();
    ~ready_set();
    ready_set(const ready_set&) = delete;
    ready_set& operator=(const ready_set&) = delete;

    // Watches a descriptor under `key`. Throws std::system_error.
    void add(int fd, std::uint64_t key);
    // Stops watching a descriptor; call before closing it.
    void remove(int fd);

    // The keys whose descriptor is readable, each once, after sleeping up to `timeout` for one.
    const std::vector<std::uint64_t>& wait(std::chrono::nanoseconds timeout);

private:
    int epoll_fd_;
    std::vector<std::uint64_t> due_;
    std::vector<epoll_event> fired_;
};

} // namespace zchat::bench
