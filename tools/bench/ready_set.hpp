// Which of many ZeroMQ sockets may have something to read, without asking each one.
//
// A ZeroMQ socket's ZMQ_FD turns readable when commands wait in its mailbox (a message arrived,
// a peer connected); reading ZMQ_EVENTS processes them and clears it. Asking every socket for
// ZMQ_EVENTS on every wakeup costs a syscall per socket: with a thousand simulated clients that
// was most of the generator's CPU. So the descriptors go into one epoll set, and only sockets
// whose descriptor fired are checked. A send processes the socket's mailbox too, and may
// swallow the signal of a message that then waits unannounced, so the caller also names each
// socket it has sent on, and those are checked as well.
//
// Keys are the caller's: small integers saying which socket a descriptor belongs to. A socket
// whose key is returned must be read until it has nothing left (its ZMQ_EVENTS lacks
// ZMQ_POLLIN), or its next message may never be signalled.
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

    // Watches a socket's ZMQ_FD under `key`, and notes the socket as used: messages that reach a
    // new socket's pipe before it was first read are not signalled. Throws std::system_error.
    void add(int fd, std::uint64_t key);
    // Stops watching a descriptor; call before closing the socket it belongs to.
    void remove(int fd);
    // Notes that the socket under `key` was used, so it is checked at the next wait.
    void used(std::uint64_t key) { used_.push_back(key); }

    // The keys to check, each once: those used since the last wait, and those whose descriptor
    // fired. Sleeps up to `timeout` for a descriptor only when no socket was used.
    const std::vector<std::uint64_t>& wait(std::chrono::nanoseconds timeout);

private:
    int epoll_fd_;
    std::vector<std::uint64_t> used_;
    std::vector<std::uint64_t> due_;
    std::vector<epoll_event> fired_;
};

} // namespace zchat::bench
