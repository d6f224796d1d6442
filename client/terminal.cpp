#include "client/terminal.hpp"

#include "client/conversation.hpp"
#include "client/input.hpp"
#include "client/look.hpp"
#include "client/pipe.hpp"
#include "client/timestamp.hpp"
#include "proto/printable.hpp"

#include <poll.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace zchat::client {
namespace {

// readline's callback interface takes a plain function, so the one terminal in the process is
// reachable from it through this pointer while run() is active.
terminal* active_terminal = nullptr;

// Counts the terminal rows a submitted line took, to erase it before "[You] ..." replaces it.
int rows_taken(std::string_view prompt, std::string_view line) {
    int rows = 0;
    int cols = 0;
    rl_get_screen_size(&rows, &cols);
    const std::size_t columns = proto::display_width(prompt) + proto::display_width(line);
    return cols > 0 ? static_cast<int>(columns / static_cast<std::size_t>(cols)) + 1 : 1;
}

// Whether a byte of input comes within `timeout`.
bool input_within(std::chrono::milliseconds timeout) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    return poll(&in, 1, static_cast<int>(timeout.count())) > 0;
}

// Reads a bracketed paste up to the terminal's end marker. Past max_paste_bytes the text is
// read to its end but not kept; `cut` says so. A terminal sends a paste in one go: a pause of a
// second (a start marker typed by hand, a paste cut off) ends it with what came.
std::string read_paste(bool& cut) {
    constexpr std::string_view end_marker = "\033[201~";
    constexpr std::size_t max_paste_bytes = 1 << 20;
    std::string text;
    std::string tail; // the last bytes read, to find the marker once the text is full
    cut = false;
    for (int c; input_within(std::chrono::seconds(1)) && (c = rl_read_key()) != EOF;) {
        tail.push_back(static_cast<char>(c));
        if (tail.ends_with(end_marker)) {
            text.append(tail, 0, tail.size() - end_marker.size());
            return text;
        }
        if (tail.size() > end_marker.size()) {
            if (text.size() < max_paste_bytes)
                text.push_back(tail.front());
            else
                cut = true;
            tail.erase(0, 1);
        }
    }
    return text + tail;
}

// The input history keeps the last lines typed, across runs.
constexpr int max_history_lines = 1000;

bool is_yes(std::string_view answer) {
    const auto first = answer.find_first_not_of(" \t");
    const auto last = answer.find_last_not_of(" \t");
    if (first == std::string_view::npos)
        return false;
    const std::string_view word = answer.substr(first, last - first + 1);
    return word == "y" || word == "Y" || word == "yes" || word == "Yes" || word == "YES";
}

} // namespace

terminal::terminal(zmq::context_t& ctx, terminal_options options, int signal_fd)
    : options_(std::move(options)), signal_fd_(signal_fd), pipe_(ctx, zmq::socket_type::pair),
      pipe_endpoint_("inproc://zchat-client-pipe"), prompt_(options_.prompt) {
    pipe_.bind(pipe_endpoint_);
}

int terminal::run() {
    if (options_.message) {
        on_input_line(*options_.message);
        end_input();
    }
    if (options_.interactive) {
        load_input_history();
        active_terminal = this;
        // Signals arrive through signal_fd; readline must not install handlers of its own.
        rl_catch_signals = 0;
        // Without colour, not even readline's highlight of a region.
        if (!options_.colour)
            rl_variable_bind("enable-active-region", "off");
        rl_startup_hook = &terminal::put_next_input;
        rl_callback_handler_install(options_.prompt.c_str(), &terminal::on_readline);
        // After the install, which binds readline's own paste function where nothing else is.
        for (Keymap map : {emacs_standard_keymap, vi_insertion_keymap})
            rl_bind_keyseq_in_map("\033[200~", &terminal::on_paste, map);
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
            if (read(signal_fd_, &info, sizeof info) > 0)
                quit();
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
    if (options_.interactive)
        save_input_history();
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
            show(m->line());
        else if (m->kind == pipe_kind::status)
            show_status(m->text);
        else if (m->kind == pipe_kind::settled)
            settle(m->typed_id);
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
    // Leave the terminal as we found it: no prompt, half-typed line or pending lines behind us.
    rl_replace_line("", 0);
    rl_callback_handler_remove();
    std::fputs("\r\033[K", stdout);
    erase_pending();
    std::fflush(stdout);
    active_terminal = nullptr;
}

std::uint32_t terminal::pending(std::string_view typed) {
    const std::uint32_t id = ++last_typed_id_;
    if (shows_pending()) {
        pending_.push_back({id, proto::printable(typed)});
        above_input([] {});
    }
    return id;
}

void terminal::settle(std::uint32_t typed_id) {
    const auto it = std::find_if(pending_.begin(), pending_.end(),
                                 [&](const pending_line& p) { return p.typed_id == typed_id; });
    if (it == pending_.end())
        return;
    pending_.erase(it);
    above_input([] {});
}

bool terminal::shows_pending() const {
    return options_.interactive && options_.cursor_control && active_terminal;
}

void terminal::erase_pending() {
    // The cursor is at the start of the row below the pending lines: the input line's.
    if (pending_rows_ > 0)
        std::printf("\033[%dA\r\033[J", pending_rows_);
    pending_rows_ = 0;
}

void terminal::draw_pending() {
    if (!shows_pending())
        return;
    int rows = 0;
    int cols = 0;
    rl_get_screen_size(&rows, &cols);
    // One row each, with a column to spare, so that erasing them counts right even where a
    // terminal draws a character wider or narrower than Unicode's width says. Only the last
    // rows above the input line: a screenful of pending lines would scroll the count away.
    const auto shown =
        std::min<std::size_t>(pending_.size(), static_cast<std::size_t>(std::max(1, rows / 2)));
    for (auto p = pending_.end() - static_cast<std::ptrdiff_t>(shown); p != pending_.end(); ++p) {
        const std::string text =
            proto::first_columns("\u2026 " + p->text, // "… ": not confirmed yet
                                 static_cast<std::size_t>(std::max(cols - 2, 1)));
        std::printf("%s%s%s\n", options_.colour ? "\033[2m" : "", text.c_str(),
                    options_.colour ? "\033[0m" : "");
        ++pending_rows_;
    }
}

template <class Print>
void terminal::above_input(Print&& print) {
    // Inside readline's line callback the input line is off the screen already, and readline
    // draws it again once the callback returns.
    const bool redraw = options_.interactive && active_terminal && !in_readline_callback_;
    // A history search keeps its own prompt in readline's one saved-prompt slot: leave both
    // alone, clear what is shown and have readline draw it all again.
    const bool searching = redraw && RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH);
    if (redraw)
        rl_reset_screen_size(); // the window may have changed size since
    char* saved_line = nullptr;
    int saved_point = 0;
    if (searching) {
        rl_clear_visible_line();
    } else if (redraw) {
        saved_point = rl_point;
        saved_line = rl_copy_text(0, rl_end);
        rl_save_prompt();
        rl_replace_line("", 0);
        rl_redisplay();
    }
    erase_pending();
    std::fflush(stdout);
    print();
    draw_pending();
    std::fflush(stdout);
    if (searching) {
        rl_forced_update_display();
    } else if (redraw) {
        rl_restore_prompt();
        // A status that came during a search shows now.
        if (unconfirmed_paste_.empty() && prompt_ != rl_prompt)
            rl_set_prompt(prompt_.c_str());
        rl_replace_line(saved_line, 0);
        rl_point = saved_point;
        rl_redisplay();
        std::free(saved_line);
    }
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
    const bool answering = !t->unconfirmed_paste_.empty();
    if (!answering)
        t->remember(line);
    // Erase the line as typed: it comes back as "[You] ..." once the broker has it.
    std::printf("\033[%dA\033[J", rows_taken(rl_prompt, line));
    std::fflush(stdout);
    // readline redraws the prompt itself once this callback returns.
    t->in_readline_callback_ = true;
    if (answering)
        t->answer_paste_question(line);
    else
        t->on_input_line(line);
    t->in_readline_callback_ = false;
}

int terminal::on_paste(int, int) {
    terminal* t = active_terminal;
    bool cut = false;
    pasted_lines paste = split_paste(read_paste(cut));
    if (!t->unconfirmed_paste_.empty()) {
        t->show(style::error, "! First answer whether to send the lines pasted before: this "
                              "paste was not taken");
        return 0;
    }
    if (cut)
        t->show(style::error, "! The paste was over 1 MiB: only its first 1 MiB is taken");
    if (paste.lines.empty()) {
        rl_insert_text(paste.rest.c_str());
        return 0;
    }
    // As if typed: the first line end submits the input line with the paste's start in it.
    const std::string input(rl_line_buffer, static_cast<std::size_t>(rl_end));
    const auto point = static_cast<std::size_t>(rl_point);
    paste.lines.front() = input.substr(0, point) + paste.lines.front() + input.substr(point);
    rl_replace_line("", 0);
    if (paste.lines.size() > paste_lines_sent_unasked) {
        t->unconfirmed_paste_ = std::move(paste.lines);
        t->input_if_declined_ = input;
        t->input_if_sent_ = std::move(paste.rest);
        const std::string question =
            "Send " + std::to_string(t->unconfirmed_paste_.size()) + " lines? [y/N] ";
        rl_set_prompt(question.c_str());
        rl_redisplay();
        return 0;
    }
    rl_redisplay();
    t->send_pasted(paste.lines);
    // A pasted /quit ends the input: there is no input line to put the rest on.
    if (active_terminal) {
        rl_insert_text(paste.rest.c_str());
        rl_redisplay();
    }
    return 0;
}

void terminal::send_pasted(const std::vector<std::string>& lines) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        // As with a script, nothing after a /quit is taken: say so rather than drop it.
        if (quitting_) {
            show(style::error, "! Not sent: the " + std::to_string(lines.size() - i) +
                                   " pasted line(s) after /quit");
            return;
        }
        const std::string& line = lines[i];
        remember(line);
        on_input_line(line);
    }
}

void terminal::answer_paste_question(std::string_view answer) {
    const std::vector<std::string> lines = std::move(unconfirmed_paste_);
    unconfirmed_paste_.clear();
    rl_set_prompt(prompt_.c_str());
    if (is_yes(answer)) {
        send_pasted(lines);
        next_input_ = std::move(input_if_sent_);
    } else {
        show(style::notice, "Not sent: the " + std::to_string(lines.size()) + " pasted lines");
        next_input_ = std::move(input_if_declined_);
    }
}

void terminal::remember(const std::string& line) {
    if (line.empty())
        return;
    add_history(line.c_str());
    ++remembered_;
}

void terminal::load_input_history() {
    if (!options_.history_file)
        return;
    const std::filesystem::path& file = *options_.history_file;
    std::error_code failed;
    std::filesystem::create_directories(file.parent_path(), failed);
    const int error = failed ? failed.value() : read_history(file.c_str());
    stifle_history(max_history_lines);
    if (error != 0 && error != ENOENT) {
        show(style::error, "! The input history " + file.string() + " cannot be read (" +
                               std::strerror(error) + "): it is not kept");
        options_.history_file.reset();
    }
}

void terminal::save_input_history() {
    if (!options_.history_file || remembered_ == 0)
        return;
    const std::filesystem::path& file = *options_.history_file;
    // Appended, so that two clients open at once both keep their lines; readline writes a new
    // file with mode 0600, as what was typed is nobody else's business.
    std::error_code unknown;
    const int error = std::filesystem::exists(file, unknown)
                          ? append_history(std::min(remembered_, history_length), file.c_str())
                          : write_history(file.c_str());
    if (error == 0)
        history_truncate_file(file.c_str(), max_history_lines);
    else
        show(style::error, "! The input history " + file.string() + " cannot be written (" +
                               std::strerror(error) + ")");
}

void terminal::show_status(const std::string& status) {
    prompt_ = (status.empty() ? "" : "[" + status + "] ") + options_.prompt;
    // A question about a paste keeps the prompt until it is answered, a history search until
    // it ends (the next line shown puts it in place).
    if (!active_terminal || !unconfirmed_paste_.empty() ||
        RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH))
        return;
    rl_set_prompt(prompt_.c_str());
    if (!in_readline_callback_)
        rl_redisplay();
}

int terminal::put_next_input() {
    terminal* t = active_terminal;
    if (t && !t->next_input_.empty()) {
        rl_insert_text(t->next_input_.c_str());
        t->next_input_.clear();
    }
    return 0;
}

void terminal::on_input_line(std::string_view line) {
    std::visit(
        [&](const auto& input) {
            using T = std::decay_t<decltype(input)>;
            if constexpr (std::is_same_v<T, send_text>) {
                tell_session(pipe_message::say(input.text, pending(line)));
            } else if constexpr (std::is_same_v<T, send_action>) {
                tell_session(pipe_message::act(input.text, pending(line)));
            } else if constexpr (std::is_same_v<T, list_users>) {
                tell_session(pipe_message::who(input.room));
            } else if constexpr (std::is_same_v<T, join_room>) {
                tell_session(pipe_message::join(input.room));
            } else if constexpr (std::is_same_v<T, part_room>) {
                tell_session(pipe_message::part(input.room));
            } else if constexpr (std::is_same_v<T, list_rooms>) {
                tell_session(pipe_message::rooms());
            } else if constexpr (std::is_same_v<T, private_message>) {
                tell_session(pipe_message::msg(input.to, input.text, pending(line)));
            } else if constexpr (std::is_same_v<T, leave>) {
                // In a script, /quit ends the input: what came before it is still delivered.
                if (!options_.interactive)
                    end_input();
                else
                    quit();
            } else if constexpr (std::is_same_v<T, clear_screen>) {
                // A script has no screen: there is nothing to clear.
                if (options_.interactive && options_.cursor_control) {
                    std::fputs("\033[H\033[2J", stdout);
                    pending_rows_ = 0;
                    draw_pending();
                    std::fflush(stdout);
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
    // Ctrl-D at the prompt means leave, as /quit does.
    if (options_.interactive)
        quit();
    else if (!quitting_)
        tell_session(pipe_message::eof());
}

void terminal::quit() {
    tell_session(pipe_message::quit());
    if (quitting_)
        return;
    quitting_ = true;
    // Nothing typed from now on would be waited for: the input ends here.
    reading_ = false;
    stop_readline();
}

void terminal::show(const printed& line) {
    if (!shown_at(line.look, options_.verbosity))
        return;
    std::FILE* out = on_stderr(line.look) ? stderr : stdout;
    const auto said = said_at(std::chrono::system_clock::now(), line.age);
    const std::string time =
        options_.timestamp_format ? timestamp(said, *options_.timestamp_format) : std::string{};
    above_input([&] {
        std::fprintf(out, "%s%s%s%s\n", time.c_str(), time.empty() ? "" : " ",
                     styled(line, options_.colour).c_str(),
                     line.mentions_you && options_.bell ? "\a" : "");
        std::fflush(out);
    });
    if (options_.log) {
        if (const auto failed = options_.log->write(said, line.text)) {
            const std::string path = options_.log->path();
            options_.log.reset();
            show(style::error, "! The transcript " + path + " cannot be written (" + *failed +
                                   "): nothing more is recorded in it");
        }
    }
}

} // namespace zchat::client
