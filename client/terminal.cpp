#include "client/terminal.hpp"

#include "client/conversation.hpp"
#include "client/input.hpp"
#include "client/pipe.hpp"
#include "client/timestamp.hpp"

#include <readline/history.h>
#include <readline/readline.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace zchat::client {
namespace {

// readline's callback interface takes a plain function, so the one terminal in the process is
// reachable from it through this pointer while run() is active.
terminal* active_terminal = nullptr;

const char* colour_of(style look) {
    switch (look) {
    case style::own:
        return "\033[1m";
    case style::presence:
        return "\033[32m";
    case style::notice:
        return "\033[36m";
    case style::error:
        return "\033[31m";
    case style::history:
        return "\033[2m"; // dim: earlier conversation
    case style::chat:
        return "";
    }
    return "";
}

// Counts the terminal rows a submitted line took, to erase it before "[You] ..." replaces it.
int rows_taken(std::size_t prompt_chars, std::string_view line) {
    int rows = 0;
    int cols = 0;
    rl_get_screen_size(&rows, &cols);
    std::size_t chars = prompt_chars;
    for (const char c : line) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++chars;
    }
    return cols > 0 ? static_cast<int>(chars / static_cast<std::size_t>(cols)) + 1 : 1;
}

} // namespace

terminal::terminal(zmq::context_t& ctx, terminal_options options, int signal_fd)
    : options_(std::move(options)), signal_fd_(signal_fd), pipe_(ctx, zmq::socket_type::pair),
      pipe_endpoint_("inproc://zchat-client-pipe") {
    pipe_.bind(pipe_endpoint_);
}

int terminal::run() {
    if (options_.message) {
        on_input_line(*options_.message);
        end_input();
    }
    if (options_.interactive) {
        active_terminal = this;
        // Signals arrive through signal_fd; readline must not install handlers of its own.
        rl_catch_signals = 0;
        rl_callback_handler_install(options_.prompt.c_str(), &terminal::on_readline);
    }

    // The session may have ended already, while the -m line waited for it (a refused join):
    // then there is nothing to wait for, and polling would wait for good.
    while (!session_exit_) {
        std::array<zmq::pollitem_t, 3> items{{
            {pipe_.handle(), 0, ZMQ_POLLIN, 0},
            {nullptr, signal_fd_, ZMQ_POLLIN, 0},
            {nullptr, STDIN_FILENO, ZMQ_POLLIN, 0},
        }};
        // Once input has ended stdin is left out: a closed pipe would report a hang-up forever.
        zmq::poll(items.data(), reading_ ? 3 : 2, std::chrono::milliseconds(-1));

        if (items[1].revents & ZMQ_POLLIN) {
            signalfd_siginfo info{};
            if (read(signal_fd_, &info, sizeof info) > 0 && !quitting_) {
                quitting_ = true;
                tell_session(pipe_message::quit());
            }
        }
        // A hang-up without data (the writer closed) shows as POLLERR; read() then sees the end.
        if (reading_ && (items[2].revents & (ZMQ_POLLIN | ZMQ_POLLERR))) {
            if (options_.interactive)
                rl_callback_read_char();
            else
                read_script_input();
        }
        take_from_session();
    }
    stop_readline();
    const int exit_code = *session_exit_;
    return exit_code == 0 && script_mistakes_ > 0 ? 1 : exit_code;
}

void terminal::take_from_session() {
    while (!session_exit_) {
        auto m = pipe::receive(pipe_);
        if (!m)
            return;
        if (m->kind == pipe_kind::done)
            session_exit_ = m->exit_code;
        else if (m->kind == pipe_kind::print)
            show(m->look, m->text, m->age);
    }
}

void terminal::tell_session(const pipe_message& m) {
    // A PAIR socket blocks a send while its peer is not there: before the receive thread has
    // connected (it will), or after it has ended (it will not come back). So wait for either
    // room to send or word from the thread, and give up once that word is "done".
    while (!session_exit_ && !pipe::try_send(pipe_, m)) {
        zmq::pollitem_t item{pipe_.handle(), 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(-1));
        if (item.revents & ZMQ_POLLIN)
            take_from_session();
    }
}

void terminal::stop_readline() {
    if (!active_terminal)
        return;
    // Leave the terminal as we found it: no prompt or half-typed line behind us.
    rl_replace_line("", 0);
    rl_callback_handler_remove();
    std::fputs("\r\033[K", stdout);
    std::fflush(stdout);
    active_terminal = nullptr;
}

void terminal::on_readline(char* raw) {
    terminal* t = active_terminal;
    if (!raw) {
        t->stop_readline();
        t->end_input();
        return;
    }
    const std::string line{raw};
    std::free(raw);
    if (!line.empty())
        add_history(line.c_str());
    // Erase the line as typed: it comes back as "[You] ..." once the broker has it.
    std::printf("\033[%dA\033[J", rows_taken(t->options_.prompt.size(), line));
    std::fflush(stdout);
    // readline redraws the prompt itself once this callback returns.
    t->in_readline_callback_ = true;
    t->on_input_line(line);
    t->in_readline_callback_ = false;
}

void terminal::on_input_line(std::string_view line) {
    std::visit(
        [&](const auto& input) {
            using T = std::decay_t<decltype(input)>;
            if constexpr (std::is_same_v<T, send_text>) {
                tell_session(pipe_message::say(input.text));
            } else if constexpr (std::is_same_v<T, send_action>) {
                tell_session(pipe_message::act(input.text));
            } else if constexpr (std::is_same_v<T, list_users>) {
                tell_session(pipe_message::who(input.room));
            } else if constexpr (std::is_same_v<T, join_room>) {
                tell_session(pipe_message::join(input.room));
            } else if constexpr (std::is_same_v<T, part_room>) {
                tell_session(pipe_message::part(input.room));
            } else if constexpr (std::is_same_v<T, list_rooms>) {
                tell_session(pipe_message::rooms());
            } else if constexpr (std::is_same_v<T, private_message>) {
                tell_session(pipe_message::msg(input.to, input.text));
            } else if constexpr (std::is_same_v<T, leave>) {
                // In a script, /quit ends the input: what came before it is still delivered.
                if (!options_.interactive) {
                    end_input();
                } else if (!quitting_) {
                    quitting_ = true;
                    tell_session(pipe_message::quit());
                }
            } else if constexpr (std::is_same_v<T, show_help>) {
                show(style::notice, std::string{help_text()});
            } else if constexpr (std::is_same_v<T, bad_usage>) {
                show(style::error, input.message);
                if (!options_.interactive)
                    ++script_mistakes_;
            } else if constexpr (std::is_same_v<T, unknown_command>) {
                show(style::error,
                     "! Unknown command " + input.name + " (try /help; //text sends /text)");
                // A script with a mistake in it must not end as a success.
                if (!options_.interactive)
                    ++script_mistakes_;
            }
        },
        parse_input(line));
}

void terminal::read_script_input() {
    std::array<char, 4096> buffer{};
    const ssize_t got = read(STDIN_FILENO, buffer.data(), buffer.size());
    if (got <= 0) {
        if (!partial_.empty())
            on_input_line(partial_);
        partial_.clear();
        end_input();
        return;
    }
    partial_.append(buffer.data(), static_cast<std::size_t>(got));
    std::size_t start = 0;
    // A /quit ends the input: nothing after it is read.
    for (std::size_t nl; reading_ && (nl = partial_.find('\n', start)) != std::string::npos;
         start = nl + 1) {
        std::string_view line(partial_.data() + start, nl - start);
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        on_input_line(line);
    }
    partial_.erase(0, start);
}

void terminal::end_input() {
    if (!reading_)
        return;
    reading_ = false;
    if (options_.interactive && !quitting_) {
        // Ctrl-D at the prompt means leave now, as /quit does.
        quitting_ = true;
        tell_session(pipe_message::quit());
    } else if (!quitting_) {
        tell_session(pipe_message::eof());
    }
}

void terminal::show(style s, const std::string& text,
                    std::optional<std::chrono::milliseconds> age) {
    std::FILE* out = s == style::error ? stderr : stdout;
    const std::string time =
        options_.timestamp_format
            ? timestamp(said_at(std::chrono::system_clock::now(), age), *options_.timestamp_format)
            : std::string{};
    const bool redraw = options_.interactive && active_terminal && !in_readline_callback_;
    char* saved_line = nullptr;
    int saved_point = 0;
    if (redraw) {
        saved_point = rl_point;
        saved_line = rl_copy_text(0, rl_end);
        rl_save_prompt();
        rl_replace_line("", 0);
        rl_redisplay();
    }
    const char* colour = options_.colour ? colour_of(s) : "";
    std::fprintf(out, "%s%s%s%s%s\n", time.c_str(), time.empty() ? "" : " ", colour, text.c_str(),
                 *colour ? "\033[0m" : "");
    std::fflush(out);
    if (redraw) {
        rl_restore_prompt();
        rl_replace_line(saved_line, 0);
        rl_point = saved_point;
        rl_redisplay();
        std::free(saved_line);
    }
}

} // namespace zchat::client
