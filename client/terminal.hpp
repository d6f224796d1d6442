// The terminal thread: owns the user's terminal (or the script's stdin and stdout) and its end
// of the pipe to the receive thread. It reads lines, hands them over the pipe, and prints what
// the receive thread sends back.
//
// Interactive use goes through GNU readline's callback interface so that incoming lines are
// printed above the line being typed, never through it.
#pragma once

#include "client/conversation.hpp"
#include "client/pipe_message.hpp"

#include <zmq.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace zchat::client {

struct terminal_options {
    bool interactive = false; // stdin is a terminal: readline, prompt, slash-command help
    bool colour = false;      // stdout is a terminal and NO_COLOR is not set
    std::string prompt;
    std::optional<std::string> message; // -m: send this one line instead of reading stdin
    // The strftime format of the time shown before every line, or nothing for no time.
    std::optional<std::string> timestamp_format;
};

class terminal {
public:
    // Binds its end of the pipe. signal_fd becomes readable on SIGINT or SIGTERM.
    terminal(zmq::context_t& ctx, terminal_options options, int signal_fd);

    // The inproc endpoint the receive thread connects to.
    const std::string& pipe_endpoint() const { return pipe_endpoint_; }

    // Runs until the receive thread reports that the session is over; returns its exit code,
    // or 1 for a session that went well but whose scripted input had an unknown command.
    int run();

private:
    static void on_readline(char* raw); // readline's line callback
    void on_input_line(std::string_view line);
    void read_script_input();
    // `age`: as printed::age, for the time shown before the line.
    void show(style look, const std::string& text,
              std::optional<std::chrono::milliseconds> age = std::nullopt);
    void end_input();
    void stop_readline();
    // Hands a message to the receive thread. Never blocks for good: if the thread has ended,
    // its last message ("done") is waiting here, and the message is dropped.
    void tell_session(const pipe_message& m);
    // Shows what the receive thread sent; notes its exit code once it says it is done.
    void take_from_session();

    terminal_options options_;
    int signal_fd_;
    zmq::socket_t pipe_;
    std::string pipe_endpoint_;
    std::string partial_; // script input not yet ended by a newline
    bool reading_ = true;
    std::size_t script_mistakes_ = 0; // unknown commands in scripted input: exit 1 at the end
    bool quitting_ = false;
    bool in_readline_callback_ = false;
    std::optional<int> session_exit_; // set by the receive thread's "done"
};

} // namespace zchat::client
