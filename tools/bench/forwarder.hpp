// The baseline: the least a ROUTER-in, PUB-out chat broker can do, and so the ceiling of
// zchat's architecture on this machine. No validation, no sessions, no sequencing:
//
// - SAY (its body's word is "SAY"): replies ACK(message id, seq 0, count 1) to the sender and
//   publishes a LINE-shaped event under chat/<room>/ whose room, message id and text are copied
//   from the SAY's bytes, not decoded; epoch, seq and session id are 0 and the sender name empty.
// - HELLO: replies a WELCOME-shaped reply (zeros for the session) and publishes a PROBE under
//   probe/<name>/, so a client can prove its SUB path (the bench's mimicked join, see
//   worker.hpp). It remembers the HELLO's room for the connection, and nothing else.
// - READY: publishes a JOIN-shaped event under presence/<room>/, the room the connection's HELLO
//   named (the lobby if none did), as zchat announces every join to the room.
// - Anything else (PING, BYE, garbage) is read and dropped.
// - Every second (zchat's default heartbeat interval) it publishes a HEARTBEAT, as zchat does.
//
// So the clients get the same traffic back from both, apart from zchat's STATS (every 5 s) and
// its probes repeated while a join waits; that matters for memory too, because libzmq holds a
// pipe at one 16 KiB chunk of messages until 256 have passed through it, and at two after.
//
// The PUB's send high-water mark is the broker's (10000), so both drop the same way.
//
// The same process is the source of the one-hop limit (one_hop_source.hpp): told a run's
// schedule by a message of two frames on its ROUTER, one_hop_schedule and the run's
// worker_config in text form, it publishes that run's lines itself when they are due, until
// told a schedule of rate 0, which ends it.
#pragma once

#include <string>
#include <string_view>

namespace zchat::bench {

inline constexpr std::string_view one_hop_schedule = "zchat-bench one-hop schedule";

// Binds both endpoints, prints "Forwarder started: router <ep>, pub <ep>" on stdout, and
// forwards until stop_fd becomes readable. Throws zmq::error_t if it cannot bind.
void run_forwarder(const std::string& router_endpoint, const std::string& pub_endpoint,
                   int stop_fd);

} // namespace zchat::bench
