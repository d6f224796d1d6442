// A client's side of ZMTP 3.0 (https://rfc.zeromq.org/spec/23/, NULL mechanism), as bytes: what
// the simulated clients' DEALER and SUB connections say and hear, without libzmq.
//
// Why by hand, when libzmq speaks it: the bench must cost clearly less per delivery than the
// broker it measures, and a libzmq socket costs the client about what it costs the broker (an
// I/O thread that reads and writes each connection, a pipe and a mailbox signal per wakeup, a
// socket option and a receive or send call with their own system calls per message; system
// calls are dear on this paravirtualised machine). Spoken directly, a connection is one read()
// of everything waiting and one write() of everything to send, and received frames are viewed
// where they lie. Only what these clients need is here: the greeting, READY, messages,
// subscriptions as ZMTP 3.0 carries them (a message whose first byte is 1 or 0), and the PONG
// that keeps a peer's ZMTP heartbeats answered. Pure: zmtp_connection moves the bytes.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zchat::bench::zmtp {

// What a client sends first: its greeting (version 3.0, NULL, as client) and its READY naming
// its socket type ("DEALER", "SUB").
std::string hello(std::string_view socket_type);
// A message: its frames, each but the last flagged MORE; appended to `out`.
void append_message(std::string& out, std::span<const std::string_view> frames);
// A subscription to a topic prefix, or its cancellation: a message of one frame, 1 or 0 and then
// the prefix.
std::string subscription(std::string_view topic, bool subscribe);
// The answer to a PING that carried `context`.
std::string pong(std::string_view context);

// The largest frame taken: the broker's largest event is a few KiB; anything near this is a
// stream out of step, not a message.
inline constexpr std::size_t max_frame_bytes = 16 * 1024 * 1024;

// What reader::next found at the start of the bytes it was given.
struct parsed {
    enum class kind {
        need_more, // the bytes end inside the next item: read more and call again
        message,   // a whole message: its frames are in the caller's vector
        ping,      // a PING command: answer pong(context)
        failed     // not ZMTP from a NULL peer: see error; the connection is of no further use
    };
    kind what = kind::need_more;
    std::size_t used = 0;     // bytes of the input taken, the item's included
    std::string_view context; // kind::ping: a view into the input
    std::string error;        // kind::failed
};

// Splits what a peer sends into its greeting, its commands and its messages. The greeting
// and READY are checked and taken on the way to the first message; commands a subscriber has no
// use for (such as PONG) are skipped.
class reader {
public:
    // Parses from the start of `data`, the bytes received and not yet used, in order. On
    // kind::message `frames` holds views into `data`; the caller drops `used` bytes before the
    // next call, whatever the kind.
    parsed next(std::string_view data, std::vector<std::string_view>& frames);
    // The peer's READY has come: the handshake is over. libzmq takes no message before it has
    // sent its own READY (a subscription sent earlier fails the handshake), so a subscriber
    // holds its subscriptions until then.
    bool ready() const { return ready_; }

private:
    bool greeted_ = false;
    bool ready_ = false;
};

} // namespace zchat::bench::zmtp
