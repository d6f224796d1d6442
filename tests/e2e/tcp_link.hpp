// A TCP link for end-to-end tests: it stands between clients and the broker, so a test can
// break the network between them without root. It listens on a free loopback port for each
// target and copies the bytes of every connection it accepts to and from that target, in a
// thread of its own. The test can freeze it (stop copying and accepting, but keep every socket
// open: a blackhole, as a pulled cable looks to both ends), heal it, and cut every connection
// abruptly (a reset to both ends, as when a NAT box forgets the flow).
//
// It also keeps a copy of every byte it copied, per direction, so a test can check what went
// over the wire (that a chat line's text does or does not appear in it, say).
//
// What it is not: a proxy that understands ZMTP, or a traffic shaper; it only copies bytes.
// Loopback IPv4 targets only. The capture grows with the traffic, so it suits short tests. The
// public member functions may be called from the test's thread while the link's own thread
// runs; nothing else is shared.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace zchat::test {

class tcp_link {
public:
    // Starts copying to each of `targets` ("tcp://127.0.0.1:PORT"). Throws process_error if a
    // target is not of that form or a port cannot be bound.
    explicit tcp_link(const std::vector<std::string>& targets);

    // Closes every connection and stops the thread.
    ~tcp_link();

    tcp_link(const tcp_link&) = delete;
    tcp_link& operator=(const tcp_link&) = delete;

    // Where to connect instead of targets[i]: "tcp://127.0.0.1:PORT".
    std::string endpoint(std::size_t i) const;

    // Stops copying bytes and accepting connections; every open socket stays open. Returns once
    // the link's thread has stopped.
    void freeze();
    // Copies and accepts again, starting with what was held back meanwhile.
    void heal();
    // Resets every open connection (SO_LINGER 0, then close), so both ends see ECONNRESET; new
    // connections are accepted as before. Returns once it is done.
    void cut();

    // Connections accepted so far, for checking that a client did reconnect through the link.
    std::uint64_t accepted() const { return accepted_.load(); }

    // Every byte copied so far towards the targets (what clients sent), and from them (what
    // the targets sent back), over all connections and targets, each in the order the link
    // read it. Bytes held back by a freeze count once they are read. Any thread.
    std::string bytes_to_target() const;
    std::string bytes_from_target() const;

private:
    enum class order : char { freeze = 'f', heal = 'h', cut = 'c', stop = 's' };

    struct link {
        int downstream = -1; // the client's connection, accepted here
        int upstream = -1;   // ours to the target
        std::string to_upstream;
        std::string to_downstream;
    };

    // Sends `o` to the thread and waits until it has been carried out.
    void command(order o);
    void run();
    void accept_from(std::size_t listener);
    // Moves bytes on one link as poll reported; returns false when the link is finished.
    bool pump(link& l, short down_events, short up_events);
    // Reads what `from` has into `buffer` and copies it to `capture`; false at the end of the
    // stream or on an error.
    bool read_into(int from, std::string& buffer, std::string& capture);
    // Closes what is left and marks every order as done once the thread has ended, however
    // it ended; on the link's thread.
    void finish();
    static void close_link(link& l, bool reset);

    std::vector<std::uint16_t> target_ports_;
    std::vector<int> listeners_;
    std::vector<std::uint16_t> ports_;
    int wake_read_ = -1;
    int wake_write_ = -1;
    std::vector<link> links_; // the thread's alone
    bool frozen_ = false;     // the thread's alone

    mutable std::mutex mutex_;
    std::condition_variable done_cv_;
    std::uint64_t orders_sent_ = 0;    // under mutex_
    std::uint64_t orders_done_ = 0;    // under mutex_
    bool ended_ = false;               // under mutex_: the thread is gone, orders are moot
    std::string captured_to_target_;   // under mutex_
    std::string captured_from_target_; // under mutex_
    std::atomic<std::uint64_t> accepted_{0};
    std::thread thread_;
};

} // namespace zchat::test
