// The baseline: the least a ROUTER-in, PUB-out chat broker can do, and so the ceiling of
// zchat's architecture on this machine. No validation, no sessions, no sequencing:
//
// - SAY (frame 1 is "SAY"): replies ACK(message id, seq 0) to the sender and publishes a
//   LINE-shaped event under chat/lobby/ whose message id and text are the SAY's frames, moved,
//   not copied; epoch, seq and session id are 0 and the sender name empty.
// - HELLO: publishes a PROBE under probe/<name>/, so a client can prove its SUB path (the
//   bench's mimicked join, see worker.hpp).
// - Anything else (PING, BYE, garbage) is read and dropped.
//
// The PUB's send high-water mark is the broker's (10000), so both drop the same way.
#pragma once

#include <string>

namespace zchat::bench {

// Binds both endpoints, prints "Forwarder started: router <ep>, pub <ep>" on stdout, and
// forwards until stop_fd becomes readable. Throws zmq::error_t if it cannot bind.
void run_forwarder(const std::string& router_endpoint, const std::string& pub_endpoint,
                   int stop_fd);

} // namespace zchat::bench
