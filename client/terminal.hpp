// The terminal thread: owns the user's terminal (or the script's stdin and stdout) and its end
// of the pipe to the receive thread. It reads lines, hands them over the pipe, and prints what
// the receive thread sends back.
//
// Interactive use goes through GNU readline's callback interface so that incoming lines are
// printed above the line being typed, never through it.
#pragma once

#include "client/conversation.hpp"
#include "client/pipe_message.hpp"
#include "client/transcript.hpp"

#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zchat::client {

struct terminal_options {
    bool interactive = false;    // stdin is a terminal: readline, prompt, slash-command help
    bool colour = false;         // stdout is a terminal and NO_COLOR is not set
    bool cursor_control = false; // the terminal moves the cursor and clears (TERM is not dumb)
    bool bell = false;           // ring the terminal's bell for a line that mentions us
    int verbosity = 0;           // -v and -q: which lines are shown (look.hpp, shown_at)
    std::string prompt;
    std::optional<std::string> message; // -m: send this one line instead of reading stdin
    // The strftime format of the time shown before every line, or nothing for no time.
    std::optional<std::string> timestamp_format;
    std::optional<transcript> log; // --log FILE: where every line shown is recorded as well
    // Where the input history is kept between interactive runs; nowhere if nothing.
    std::optional<std::filesystem::path> history_file;
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
    // readline's function for the terminal's start-of-paste sequence: reads the paste, sends
    // its lines as if typed one by one (after asking, for many) and leaves the rest for editing.
    static int on_paste(int count, int key);
    // readline's startup hook: puts next_input_ in the fresh input line.
    static int put_next_input();
    void send_pasted(const std::vector<std::string>& lines);
    // Adds a line to the input history (Up and Down recall it).
    void remember(const std::string& line);
    // Reads the history of earlier runs; writes this run's lines after them.
    void load_input_history();
    void save_input_history();
    // The answer to "Send N lines? [y/N]", typed on the input line.
    void answer_paste_question(std::string_view answer);
    // Puts the link's status ("reconnecting") before the prompt, or takes it away (empty).
    void show_status(const std::string& status);
    void on_input_line(std::string_view line);
    void read_script_input();
    void show(const printed& line);
    // Prints what `print` prints above the input line, and the pending lines beneath it.
    template <class Print>
    void above_input(Print&& print);
    // A line typed to be sent: its typed id, and, on a terminal that can redraw, a pending line
    // shown (dim, after "…") until the session settles it.
    std::uint32_t pending(std::string_view typed);
    void settle(std::uint32_t typed_id);
    bool shows_pending() const;
    void erase_pending();
    void draw_pending();
    void show(style look, std::string text) { show(printed{look, std::move(text)}); }
    void end_input();
    // Asks the session to leave: the first time once every line is confirmed (within the
    // drain timeout), the next time at once. The input ends at the first.
    void quit();
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
    // A paste of many lines waiting for the user's yes, and the input line to go back to: as
    // it was before the paste (no) or what the paste left after its last line end (yes).
    std::vector<std::string> unconfirmed_paste_;
    std::string input_if_declined_;
    std::string input_if_sent_;
    std::string prompt_;     // the prompt, with the link's status before it when there is one
    std::string next_input_; // for the next input line, once readline has started it
    int remembered_ = 0;     // lines this run added to the input history
    struct pending_line {
        std::uint32_t typed_id;
        std::string text;
    };
    std::vector<pending_line> pending_; // typed, not yet confirmed, oldest first
    std::uint32_t last_typed_id_ = 0;
    int pending_rows_ = 0;            // the screen rows the pending lines take now
    std::optional<int> session_exit_; // set by the receive thread's "done"
};

} // namespace zchat::client
