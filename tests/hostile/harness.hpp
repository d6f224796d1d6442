// The harness of the hostile-input battery: a real zchat-broker process, a well-behaved
// conversation running beside the attack, a raw attacker, and the oracles every case checks
// (RELIABILITY.md, O1 to O5):
//
//   O1 alive        probe_serves(): a fresh client joins, says a line, gets its ACK and a ROSTER.
//   O2 bystanders   conversation: alice and bob chat in the lobby at 20 lines/s in a thread of
//                   their own for the whole case; every SAY must be ACKed, and each of their SUBs
//                   must see every ACKed line exactly once, in order, and every room's chat and
//                   presence events with consecutive sequence numbers, each stream on its own.
//   O3 memory, fds  rss_kib() and open_fds() (tests/support/proc_status.hpp) read /proc/<pid>;
//                   the cases compare them with a baseline taken before the attack. Under
//                   AddressSanitizer RSS is not compared (its quarantine keeps freed memory);
//                   LeakSanitizer checks the broker at exit instead.
//   O4 accounting   the broker's counters from the first STATS event it publishes once the case
//                   is over (PROTOCOL.md, STATS): refusals by code, and the rooms with members,
//                   which must be the bystanders' lobby alone; then SIGINT and a clean exit.
//   O5 replies      raw_peer counts what comes back; floods are held to the ERROR cap.
//
// Every wait is a bounded poll; nothing sleeps where a poll can wait for the thing itself.
#pragma once

#include "proto/codec.hpp"
#include "tests/broker/test_client.hpp"
#include "tests/support/message_body.hpp"
#include "tests/support/running_broker.hpp"
#include "tests/support/running_relay.hpp"
#include "tests/support/sanitizer.hpp"

#include <gtest/gtest.h>
#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace zchat::hostile {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using test::built_with_address_sanitizer;

// ---- Message building ----

// "ZCHAT" + version byte 2: the first bytes of every body.
inline const std::string v2_header = test::body_header();
// "ZCHAT" + version byte 1: the first frame of every message of protocol version 1, which framed
// each field as a frame of its own.
inline const std::string v1_signature{"ZCHAT\x01", 6};

// The largest command the broker reads: its --max-frame-bytes default, which it sets as the
// ROUTER's ZMQ_MAXMSGSIZE. A command is one frame, so this bounds the whole of it.
inline constexpr std::size_t max_command_bytes = 64 * 1024;

using test::body;

// ---- The broker under attack ----

// The broker's counters at the end of a case. All but errors_not_sent come from a STATS event;
// STATS does not carry that one, so it is read from the "Broker totals" line the broker logs at
// shutdown (broker/core.cpp, core::summary).
struct totals {
    std::uint64_t events_published = 0;
    std::uint32_t rooms = 0; // rooms with members
    std::uint64_t lines_in = 0;
    std::uint64_t expired = 0;
    std::uint64_t evicted = 0;
    std::uint64_t errors_not_sent = 0;
    // By E_ name; every refusal counts, answered or over the ERROR cap.
    std::map<std::string, std::uint64_t> rejected;
    // Behind a relay: the commands it answered itself, from its count at the stop.
    std::uint64_t relay_answered = 0;
};

// Connects a SUB of its own to the broker's PUB at `pub` and returns the first STATS event whose
// counters equal the one before it: published after the call began and settled, so it counts
// all the broker was sent before. nullopt if there is none within `timeout`; the broker
// publishes one every --stats-interval.
std::optional<proto::stats> settled_stats(zmq::context_t& ctx, const std::string& pub,
                                          milliseconds timeout);

// The number in the "N errors not sent" of a "Broker totals" line; nullopt if `line` is not one.
std::optional<std::uint64_t> errors_not_sent_in(const std::string& line);

// Polls /proc until the process `pid` has at most `limit` descriptors open or `timeout` passes;
// returns the last count seen.
std::size_t wait_fds_at_most(pid_t pid, std::size_t limit, milliseconds timeout);

// ---- Raw peers ----

// A DEALER that sends whatever it is told and reads replies with bounded waits.
class raw_peer {
public:
    raw_peer(zmq::context_t& ctx, const std::string& router_endpoint, int linger_ms = 0);

    // Sends the frames as one message; an empty list sends one empty frame.
    void send(const proto::frame_list& frames);
    // The next reply's frames, or nothing within `timeout`.
    std::optional<proto::frame_list> recv(milliseconds timeout);
    // The next reply decoded, or nothing within `timeout` (records a failure if undecodable).
    std::optional<proto::reply> recv_reply(milliseconds timeout);
    // Replies until `quiet` passes without one (at most `cap_time` in all).
    std::vector<proto::reply> drain(milliseconds quiet, milliseconds cap_time = 5000ms);

    zmq::socket_t& socket() { return dealer_; }

private:
    zmq::socket_t dealer_;
};

// Sends `frames` as one message on any socket; an empty list sends one empty frame.
using test::send_frames;
// The next reply on a DEALER, decoded, or nothing within `timeout`.
std::optional<proto::reply> recv_reply(zmq::socket_t& s, milliseconds timeout);

// "E_NAME 12 (reason)" or a description of whatever reply it was, for failure messages.
std::string describe(const std::optional<proto::reply>& r);

// Whether the next reply on `s` within `timeout` is an ERROR with this code and message id.
::testing::AssertionResult next_error_is(zmq::socket_t& s, proto::error_code code,
                                         std::uint64_t message_id = 0,
                                         milliseconds timeout = 3000ms);

// The events arriving on a SUB, one at a time, in order. A PUB message may carry a batch of
// several events of one topic (PROTOCOL.md, "Batches"); they are handed out one by one.
class event_stream {
public:
    explicit event_stream(zmq::socket_t& sub) : sub_(sub) {}

    // The next event, decoded, or nothing within `timeout` (records a failure if a message is
    // undecodable).
    std::optional<proto::event> next(milliseconds timeout);

private:
    zmq::socket_t& sub_;
    std::deque<proto::event> pending_; // the rest of the last batch
};

// Whether `r` is an ERROR with this code.
bool is_error(const std::optional<proto::reply>& r, proto::error_code code);

// ---- Many peers at once ----

// The most connections a test opens at once: libzmq's listen backlog (ZMQ_BACKLOG) is 100, and
// a connect beyond it has its SYN dropped and resent a second later.
inline constexpr std::size_t connect_batch = 90;

// Sends each message from a DEALER of its own (a connection, so a routing id, of its own), all
// connections open at once, and returns the first reply each drew, or nothing for those that
// drew none within `timeout`. The sockets are closed, without a word more, before it returns.
// Send at most connect_batch messages at a time.
std::vector<std::optional<proto::reply>>
first_replies(zmq::context_t& ctx, const std::string& router,
              const std::vector<proto::frame_list>& messages, milliseconds timeout = 10s);

// Sessions joined in bulk: a DEALER each, and one SUB for all of them that hears every probe and
// every presence event, so N joins cost N + 1 sockets and about one probe interval rather than N.
// The members say nothing after joining; the broker expires them after liveness x heartbeat.
class crowd {
public:
    // Joins every name (HELLO -> WELCOME, PROBE -> READY, then the session's JOIN is seen).
    // Throws std::runtime_error, naming the first failure, if a join fails or `timeout` passes.
    crowd(zmq::context_t& ctx, const test::running_broker& broker,
          const std::vector<std::string>& names, milliseconds timeout = 10s);

    // Every member sends BYE; returns once the broker has published each member's LEAVE.
    // Throws std::runtime_error if they do not all come within `timeout`.
    void leave(milliseconds timeout = 10s);

private:
    zmq::socket_t sub_;
    std::vector<zmq::socket_t> dealers_;
    std::vector<proto::welcome> welcomes_;
};

// A socket's connection events, read from libzmq's socket monitor (zmq_socket_monitor).
class connection_watch {
public:
    connection_watch(zmq::context_t& ctx, zmq::socket_t& watched);
    ~connection_watch();
    connection_watch(const connection_watch&) = delete;
    connection_watch& operator=(const connection_watch&) = delete;

    // Reads events until one is `event` (ZMQ_EVENT_...); returns false if none comes in time.
    bool wait_for(int event, milliseconds timeout);

private:
    zmq::socket_t& watched_;
    zmq::socket_t events_;
};

// ---- The bystanders ----

// What one bystander's SUB saw of a room's event.
struct seen_event {
    std::string room;
    std::uint64_t seq = 0; // in the room's chat sequence (LINE) or presence sequence
    char kind = '?';       // 'L'ine, 'J'oin, 'X' leave
    std::string name;
    std::uint64_t message_id = 0;
    std::string text;
    proto::leave_reason reason = proto::leave_reason::quit;
};

// alice and bob, joined through the probe handshake, then chatting in a thread of their own:
// one SAY every 50 ms, alternating, so 10 lines/s each and 20 lines/s in the room, well under
// the broker's default rate of 20/s per client.
class conversation {
public:
    conversation(zmq::context_t& ctx, const std::string& router, const std::string& pub,
                 std::string alice = "alice", std::string bob = "bob");
    ~conversation();
    conversation(const conversation&) = delete;
    conversation& operator=(const conversation&) = delete;

    // Stops talking, once each of the pair has said at least two lines (so that even a short
    // case is checked against a conversation), waits (bounded) for every ACK and every line at
    // both SUBs, and checks O2, recording failures. Also returns the check's outcome. Idempotent.
    bool stop_and_check();

    // Presence events seen by alice so far (thread-safe).
    std::size_t joins_seen() const { return joins_seen_.load(); }
    std::size_t leaves_seen() const { return leaves_seen_.load(); }
    // Polls until alice has seen at least `joins` JOINs and `leaves` LEAVEs since the
    // conversation started (her own JOIN not counted; bob's is), or `timeout` passes.
    bool wait_presence(std::size_t joins, std::size_t leaves, milliseconds timeout) const;

    // After stop_and_check(): what alice's SUB saw, and the lines the pair sent.
    const std::vector<seen_event>& alice_saw() const { return listeners_[0].events; }
    std::size_t lines_sent() const;
    milliseconds worst_ack_latency() const { return worst_ack_; }

private:
    struct speaker {
        std::string name;
        std::uint64_t next_id = 1;
        std::map<std::uint64_t, std::string> sent;          // message id -> text
        std::map<std::uint64_t, std::uint64_t> acked;       // message id -> seq
        std::map<std::uint64_t, clock::time_point> sent_at; // until ACKed
    };
    struct listener {
        // The last sequence number seen in each room's streams, by room and 'c'hat or
        // 'p'resence.
        std::map<std::pair<std::string, char>, std::uint64_t> last_seq;
        std::vector<seen_event> events;
    };

    void run();
    void pump(milliseconds timeout);
    bool complete() const;
    void fail(const std::string& what);

    std::unique_ptr<test::test_client> clients_[2]; // [0] alice, [1] bob
    proto::session_secret secrets_[2]{};
    speaker speakers_[2];
    listener listeners_[2];
    std::atomic<bool> talking_{true};
    std::atomic<std::size_t> lines_said_{0};
    std::atomic<std::size_t> joins_seen_{0};
    std::atomic<std::size_t> leaves_seen_{0};
    milliseconds worst_ack_{0};
    std::vector<std::string> failures_;
    std::thread thread_;
    std::optional<bool> outcome_;
};

// Options for a test_client whose SUB hears every probe from the start, so that the broker's
// first PROBE (published with the WELCOME) is not lost to the slow-joiner and a join takes one
// round trip instead of waiting 100 ms for the repeat. Other probes are ignored by their id.
test::test_client_options fast_join();

// ---- O1 ----

// A fresh client joins under `name` (HELLO -> WELCOME within `welcome_within`), says a line and
// gets its ACK, asks WHO and gets a ROSTER, and leaves with BYE. Records failures; returns the
// ROSTER's names (empty on failure).
std::vector<std::string> probe_serves(zmq::context_t& ctx, const std::string& router,
                                      const std::string& pub, const std::string& name = "probe",
                                      milliseconds welcome_within = 1000ms);

// ---- Small oracles ----

// Bounds used throughout: RSS after an attack within baseline + this.
inline constexpr std::size_t rss_slack_kib = 32 * 1024;

// The most ERRORs a peer may receive in `elapsed` under the cap of 10/s with bursts of 10
// (plus one for rounding at the edges of the window).
std::uint64_t error_cap(milliseconds elapsed);

// No byte of `line` can control a terminal: no C0 but TAB, no DEL, no C1 (as UTF-8 C2 80..9F).
bool terminal_safe(const std::string& line);

// ---- One case's stage ----

// Where everybody of a scene connects: the broker itself, or a zchat-relay in front of it (the
// relay's end-to-end runs; PROTOCOL.md, section 2a).
enum class route { direct, through_relay };

// A broker, the bystanders' conversation, and the baseline taken once they are talking.
// finish() runs the oracles that follow every attack: O1 (a probe client is served), O3 (fds back
// to baseline, RSS within a bound), O2 (the conversation is whole), O4 (the counters once all is
// done are exactly `rejected`, only the lobby has members, and the broker stops cleanly), and
// that the broker's log cannot control a terminal. Call it once; the broker's log is complete in
// broker.process() after it.
class scene {
public:
    // The broker runs with `broker_args` after --stats-interval 0.05 (so that O4's STATS comes
    // within a twentieth of a second), and its output is drained while it runs.
    explicit scene(std::vector<std::string> broker_args = {}, route way = route::direct);

    zmq::context_t ctx;
    test::running_broker broker;
    std::optional<test::running_relay> relay; // through_relay: in front of the broker
    // Where clients, attackers and the probe connect.
    const std::string& router() const { return relay ? relay->router() : broker.router(); }
    const std::string& pub() const { return relay ? relay->pub() : broker.pub(); }
    conversation chat;
    const std::size_t fds_before;
    const std::size_t rss_before_kib;
    // Whether finish() holds RSS to the baseline; off only for an attack whose memory libzmq
    // frees but the broker cannot see to hand back (the case says why).
    bool rss_bounded = true;

    // Call once every attacking socket is closed. Returns the totals (nullopt on failure) and
    // the probe's ROSTER through `roster` if given.
    std::optional<totals> finish(const std::map<std::string, std::uint64_t>& rejected,
                                 milliseconds fd_timeout = 5000ms,
                                 std::vector<std::string>* roster = nullptr);
    // As finish, for a case whose refusals are known only within bounds: the caller checks the
    // counters in the totals returned.
    std::optional<totals> finish_uncounted(milliseconds fd_timeout = 5000ms,
                                           std::vector<std::string>* roster = nullptr);

private:
    // O4: the counters from the next STATS, then SIGINT and a clean exit (records failures),
    // the relay's first.
    std::optional<totals> count_and_stop();
    // The relay's clean stop, and the commands it answered itself.
    std::optional<std::uint64_t> stop_relay();
};

} // namespace zchat::hostile
