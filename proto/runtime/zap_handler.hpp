// The ZAP handler of a ZeroMQ context (ZeroMQ RFC 27), as the broker and the relay run it: the
// REP socket libzmq asks, for each CURVE handshake on the context's server sockets, whether the
// peer's key may connect, answered from an allowlist (access.hpp).
#pragma once

#include "proto/runtime/access.hpp"

#include <zmq.hpp>

#include <optional>
#include <string>

namespace zchat::runtime {

class zap_handler {
public:
    // Binds the context's one ZAP endpoint. Throws bind_error if another handler has it.
    explicit zap_handler(zmq::context_t& ctx);

    // For polling: readable when a handshake waits for an answer.
    zmq::socket_t& socket() { return socket_; }

    // Answers one waiting request from `allowed`; nothing if none was waiting.
    std::optional<zap_answer> answer_one(const allowlist& allowed);

private:
    zmq::socket_t socket_;
};

// Makes `socket` a CURVE server with `secret_key` (Z85) whose handshakes the context's ZAP
// handler, if it has one, answers. Call before bind.
void serve_curve(zmq::socket_t& socket, const std::string& secret_key);

} // namespace zchat::runtime
