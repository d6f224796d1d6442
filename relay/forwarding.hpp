// What a relay does with each command and reply it carries, decided without sockets: a command
// from below goes up as it came (the relay's ROUTER has put the sender's identity first, which is
// the relay's hop of the envelope: PROTOCOL.md, section 2a), with its client's key after the
// identities under CURVE, unless the broker could not route its answer back or would refuse the
// envelope; a reply from above goes down to the identity it names first.
//
// Pure, like the broker's core: time is an argument, and the socket loop (relay.hpp) carries
// out what this decides.
#pragma once

#include "proto/codec.hpp"
#include "proto/envelope.hpp"
#include "proto/string_hash.hpp"
#include "proto/token_bucket.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace zchat::relay {

// What was carried and refused since the relay started.
struct counters {
    std::uint64_t commands_up = 0;   // commands forwarded to the broker (or the relay above)
    std::uint64_t replies_down = 0;  // replies forwarded to a client (or a relay below)
    std::uint64_t answered_here = 0; // commands refused here, with the broker's ERROR
    std::uint64_t dropped = 0;       // neither: unroutable replies, refusals over their rate
    bool operator==(const counters&) const = default;
};

// How many connections a bound socket has, from its monitor's events.
class connection_count {
public:
    // One event (ZMQ_EVENT_*) of the socket's monitor.
    void note(std::uint16_t event);
    std::uint32_t now() const { return count_; }
    // Every connection was closed without an event for each (the endpoint was unbound).
    void reset() { count_ = 0; }

private:
    std::uint32_t count_ = 0;
};

// The sessions a relay carries now: the paths below it that the broker welcomed (a WELCOME went
// down to them), until they say BYE, the broker ends them (an ERROR that ends a session went
// down to them), or they fall silent for as long as the WELCOME allowed (liveness x heartbeat
// interval), as the broker would expire them. Only a command with the session's secret counts
// as hearing from it, and at most max_sessions are kept, so that nothing a client sends makes
// the watch grow without bound. A path is every identity of the envelope at this relay, so the
// clients of a relay below count one each.
class session_watch {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // More than any broker holds by default (10,000 clients), and about 10 MB at most.
    static constexpr std::size_t max_sessions = 100'000;

    void welcomed(std::string path, const proto::session_secret& secret,
                  std::chrono::milliseconds silence_allowed, time_point now);
    // A command from `path` carrying `secret` (nothing for HELLO): the session is alive.
    void heard(std::string_view path, std::string_view secret, time_point now);
    void left(std::string_view path);
    // Sessions heard within their allowance at `now`; forgets the others.
    std::uint32_t count(time_point now);

private:
    struct session {
        proto::session_secret secret;
        std::chrono::milliseconds silence_allowed;
        time_point deadline;
    };
    std::unordered_map<std::string, session, proto::string_hash, std::equal_to<>> sessions_;
};

enum class direction { up, down };

enum class verdict {
    forward,          // send the frames on as they came
    forward_with_key, // send them on with the sender's CURVE key (Z85) after its identity
    answer,           // send the sender answer_to_sender() instead
    drop,
};

class forwarding {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // The relay answers at most `answers_per_second` commands itself (bursts of as many), so
    // that a flood of junk costs it little; the rest it drops, counted.
    explicit forwarding(double answers_per_second = 100);

    // A message from below, as the relay's ROUTER receives it: the sender's routing id, then
    // what it sent; `from` says what the sender's key may send (without CURVE: anything). A
    // message whose envelope the broker would not accept (no body, an empty or too long
    // identity, too many hops once the relay's own identity is added above) would be answered
    // to the relay itself, never to its sender: the relay answers it with the ERROR the broker
    // gives such a message, as it answers an envelope the sender's key may not send.
    verdict from_below(std::span<const std::string_view> frames, time_point now,
                       proto::carrier from = proto::carrier::anyone);
    // A message from below whose connection's key the relay's allowlist no longer lists (a
    // reload removed it): refused with E_EVICTED, along its identities.
    verdict from_unlisted_key(std::span<const std::string_view> frames, time_point now);

    // The ERROR for the last message from_below answered, and how many of its first frames to
    // send it after: the sender's identity, and those of a relay's clients below it, so that a
    // client behind a relay below hears why.
    const proto::frame_list& answer_to_sender() const { return answer_; }
    std::size_t answer_path() const { return answer_path_; }

    // A message from above, as the relay's DEALER receives it: the identities left of the path
    // (the next one first), then the reply. Forwarded if it names a next hop.
    verdict from_above(std::span<const std::string_view> frames, time_point now);

    // Counts a message forwarded one way: `sent`, or dropped because the queue that way was full.
    void carried(direction way, bool sent);

    const counters& totals() const { return totals_; }
    // Sessions carried now (session_watch).
    std::uint32_t sessions(time_point now) { return sessions_.count(now); }

private:
    // Answers `refused` along the first `path` frames, if the answers' rate allows.
    verdict answer(proto::error refused, std::size_t path, time_point now);

    proto::token_bucket answers_;
    session_watch sessions_;
    std::string path_; // scratch: the path of the message at hand
    proto::frame_list answer_;
    std::size_t answer_path_ = 1;
    counters totals_;
};

} // namespace zchat::relay
