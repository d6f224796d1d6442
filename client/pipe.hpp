// The inproc PAIR pipe between the terminal thread and the receive thread: the only thing the
// two threads share. Each message is a kind frame and an optional payload frame.
//
// Terminal -> receive thread: "say" text, "who", "quit" (leave now), "eof" (input ended: leave
// once every line is acknowledged).
// Receive thread -> terminal: "print" (style byte + text), "done" (exit code byte, last message).
#pragma once

#include "client/conversation.hpp"

#include <zmq.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace zchat::client::pipe {

inline constexpr std::string_view say = "say";
inline constexpr std::string_view who = "who";
inline constexpr std::string_view quit = "quit";
inline constexpr std::string_view eof = "eof";
inline constexpr std::string_view print = "print";
inline constexpr std::string_view done = "done";

struct message {
    std::string kind;
    std::string payload;
};

void send(zmq::socket_t& pipe, std::string_view kind, std::string_view payload = {});
void send_print(zmq::socket_t& pipe, const printed& line);
void send_done(zmq::socket_t& pipe, int exit_code);

// Receives one message without waiting; nothing if none is queued.
std::optional<message> receive(zmq::socket_t& pipe);

// Reads a "print" payload back into a line.
printed as_printed(const std::string& payload);

} // namespace zchat::client::pipe
