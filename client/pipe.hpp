// The inproc PAIR pipe between the terminal thread and the receive thread: the only thing the
// two threads share. Each message is one frame, a pipe_message as pipe_message.hpp encodes it.
#pragma once

#include "client/pipe_message.hpp"

#include <zmq.hpp>

#include <optional>

namespace zchat::client::pipe {

// Sends one message. Throws zmq::error_t as the socket does.
void send(zmq::socket_t& pipe, const pipe_message& m);

// Sends one message if it can go at once; false if the peer cannot take it now (not connected,
// or its queue is full). Throws zmq::error_t as the socket does otherwise.
bool try_send(zmq::socket_t& pipe, const pipe_message& m);

// Receives one message without waiting; nothing if none is queued.
std::optional<pipe_message> receive(zmq::socket_t& pipe);

} // namespace zchat::client::pipe
