// The terminal thread's loop with the test playing the receive thread on the other end of the
// pipe.
#include "client/pipe.hpp"
#include "client/terminal.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <future>
#include <thread>
#include <utility>

namespace zchat::client {
namespace {

using namespace std::chrono_literals;

// With -m, the terminal hands its line over before it waits for the session. A session that
// ended meanwhile (a broker that refused the join at once) has already said "done" by then: the
// terminal must end with its code, not wait for a word that will never come.
TEST(Terminal, ASessionThatEndedBeforeTheLineWasHandedOverEndsTheTerminal) {
    zmq::context_t ctx;
    const int signal_fd = eventfd(0, EFD_CLOEXEC);
    ASSERT_GE(signal_fd, 0);
    terminal_options options;
    options.message = "hello";
    terminal term(ctx, std::move(options), signal_fd);
    auto ended = std::async(std::launch::async, [&term] { return term.run(); });
    // The terminal is waiting to hand its line over; the receive thread comes, and says at
    // once that it is done, before the terminal has had a turn.
    std::this_thread::sleep_for(100ms);
    {
        zmq::socket_t receiver(ctx, zmq::socket_type::pair);
        receiver.connect(term.pipe_endpoint());
        pipe::send(receiver, pipe_message::print({style::notice, "(the session ended)"}));
        pipe::send(receiver, pipe_message::done(7));
    }
    const bool in_time = ended.wait_for(5s) == std::future_status::ready;
    EXPECT_TRUE(in_time) << "the terminal went on waiting for a session that had ended";
    if (!in_time) {
        // What a user would do: interrupt it, which wakes its poll (and lets the test end).
        const std::uint64_t one = 1;
        EXPECT_EQ(write(signal_fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    }
    EXPECT_EQ(ended.get(), 7);
    close(signal_fd);
}

} // namespace
} // namespace zchat::client
