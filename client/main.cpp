// zchat-client: command line -> terminal thread + receive thread -> exit code.
#include "client/input.hpp"
#include "client/session.hpp"
#include "client/state_path.hpp"
#include "client/terminal.hpp"
#include "client/timestamp.hpp"
#include "proto/defaults.hpp"
#include "proto/runtime/curve_keys.hpp"
#include "proto/runtime/endpoint.hpp"
#include "proto/runtime/man_options.hpp"
#include "proto/runtime/process.hpp"
#include "proto/runtime/verbosity.hpp"
#include "proto/validate.hpp"

#include <cxxopts.hpp>

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <string_view>
#include <thread>

namespace {

using zchat::runtime::exit_failure;
using zchat::runtime::exit_ok;
using zchat::runtime::exit_usage;

constexpr const char* exit_codes_help =
    "\nInteractive use (stdin is a terminal): type to chat in the current room; /join ROOM,\n"
    "/part, /rooms and /who manage rooms, /msg NAME TEXT talks to one user alone, /me TEXT is\n"
    "an action, /help lists commands, /quit, Ctrl-D or Ctrl-C leave once every line is\n"
    "confirmed (at most 5 s; Ctrl-C again: at once). A paste of more than 5 lines asks first.\n"
    "Scripted use (stdin is not a terminal):\n"
    "each line read is sent; at end of input the client waits until the broker has\n"
    "acknowledged every line (up to 5 s), then leaves.\n"
    "\nEncryption: --curve-server-key names the broker's public key file (from zchat-keygen);\n"
    "both connections then use CurveZMQ. --curve-secret names our secret key file, needed when\n"
    "the broker admits listed keys only; without it a key is made for this run.\n"
    "\nExit codes: 0 success, 1 runtime failure (unreachable, refused, name taken, line not\n"
    "delivered or not confirmed), 2 usage error (bad flag, malformed endpoint, unusable key\n"
    "or --log file).\n";

std::string login_name() {
    if (const char* user = std::getenv("USER"); user && *user)
        return user;
    if (const passwd* pw = getpwuid(getuid()))
        return pw->pw_name;
    return "user";
}

// Whether a bare word follows -m's text: `-m hello world` means a message of two words far
// more often than a broker on a host called "world", so it is refused rather than guessed.
bool word_after_message(int argc, char** argv) {
    const std::set<std::string_view> take_a_value{
        "--router",       "--sub", "--name",    "--room", "--history",         "--curve-server-key",
        "--curve-secret", "-m",    "--message", "--log",  "--timestamp-format"};
    bool seen_message = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--")
            return seen_message && i + 1 < argc;
        if (take_a_value.contains(arg)) {
            seen_message = seen_message || arg == "-m" || arg == "--message";
            ++i;
        } else if (arg.starts_with("--message=") || (arg.starts_with("-m") && arg.size() > 2)) {
            seen_message = true;
        } else if (!arg.starts_with('-') && seen_message) {
            return true;
        }
    }
    return false;
}

} // namespace

int main(int argc, char** argv) {
    cxxopts::Options cli("zchat-client", "A zchat terminal client: chat with everyone on a zchat "
                                         "broker, interactively or from a script.");
    zchat::client::session_options session;
    zchat::client::terminal_options terminal;
    std::string host;
    std::string message;
    std::string room{zchat::proto::default_room};
    std::string curve_server_key_file;
    std::string curve_secret_file;
    bool help_only = false; // -m /help: print the commands, connect to nobody
    std::string timestamp_format;
    std::string log_file;
    bool no_bell = false;
    std::optional<bool> timestamps; // --timestamps or --no-timestamps; else: when interactive
    auto add = cli.add_options();
    add("router", "broker endpoint for commands",
        cxxopts::value(session.router_endpoint)
            ->default_value(std::string{zchat::proto::default_router_endpoint}),
        "EP");
    add("sub", "broker endpoint for events",
        cxxopts::value(session.sub_endpoint)
            ->default_value(std::string{zchat::proto::default_pub_endpoint}),
        "EP");
    add("name", "name to chat under (default: your login name)", cxxopts::value(session.name),
        "NAME");
    add("room", "the room to join (#dev or dev; default: #lobby)", cxxopts::value(room), "ROOM");
    add("history", "lines said before to show on entering a room (0: none)",
        cxxopts::value(session.history_lines)->default_value("20"), "N");
    add("timestamps", "show the time before every line, also when not interactive (interactive "
                      "use shows it by default)");
    add("no-timestamps", "show no time before lines, also interactively");
    add("no-bell", "do not ring the terminal's bell for a line that mentions you");
    add("timestamp-format", "the time before a line, in strftime's format",
        cxxopts::value(timestamp_format)->default_value(zchat::client::default_timestamp_format),
        "FORMAT");
    add("m,message",
        "send this one line (or run this one /command), wait for its acknowledgement, leave",
        cxxopts::value(message), "TEXT");
    add("log",
        "append every line shown to FILE, each after its full date and time (the file "
        "is created readable by its owner only)",
        cxxopts::value(log_file), "FILE");
    add("curve-server-key", "the broker's CURVE public key file: encrypt both connections",
        cxxopts::value(curve_server_key_file), "FILE");
    add("curve-secret", "our CURVE secret key file (with --curve-server-key)",
        cxxopts::value(curve_secret_file), "FILE");
    zchat::runtime::add_verbosity_options(
        cli, "show no presence lines (who enters and leaves, connected)",
        "also show on stderr where the client connects and what the broker announced");
    zchat::runtime::add_help_and_version(cli);
    cli.add_options()("host", "broker host on the default ports", cxxopts::value(host));
    // The groups --help lists, and so the man page: not the hidden one.
    const std::vector<std::string> help_groups{""};
    const std::vector<std::string> positional{"host"};
    cli.parse_positional(positional);
    cli.positional_help("[HOST]");
    cli.custom_help("[--router EP] [--sub EP] [--name NAME] [--room ROOM] [--history N] [-m TEXT]\n"
                    "  [--timestamps | --no-timestamps] [--timestamp-format FORMAT] [--no-bell]\n"
                    "  [--log FILE]\n"
                    "  [--curve-server-key FILE [--curve-secret FILE]] [-q|-v]");

    try {
        const auto args = cli.parse(argc, argv);
        if (zchat::runtime::answer_help_or_version(cli, args, help_groups, positional,
                                                   exit_codes_help))
            return exit_ok;
        if (word_after_message(argc, argv))
            throw cxxopts::exceptions::exception(
                "-m takes one argument: quote a message of several words (-m 'hello world'), "
                "and give a HOST before -m");
        if (args.count("host")) {
            if (args.count("router") || args.count("sub"))
                throw cxxopts::exceptions::exception(
                    "give either HOST or --router/--sub, not both");
            session.router_endpoint =
                zchat::runtime::tcp_endpoint(host, zchat::proto::default_router_port);
            session.sub_endpoint =
                zchat::runtime::tcp_endpoint(host, zchat::proto::default_pub_port);
        }
        if (args.count("log") && log_file.empty())
            throw cxxopts::exceptions::exception("--log needs a file name");
        if (args.count("name") && session.name.empty())
            throw cxxopts::exceptions::exception("--name needs a non-empty name");
        if (room.starts_with('#'))
            room.erase(0, 1);
        if (const auto bad = zchat::proto::check_room(room))
            throw cxxopts::exceptions::exception("--room: " + bad->reason);
        session.room = room;
        if (args.count("message")) {
            // The line is read as a typed one would be (so "/who" lists who is online), but one
            // that would send nothing is a mistake on the command line, not a quiet success.
            const auto input = zchat::client::parse_input(message);
            if (std::holds_alternative<zchat::client::empty_line>(input))
                throw cxxopts::exceptions::exception(
                    "--message needs a text with something besides spaces and tabs");
            if (const auto* u = std::get_if<zchat::client::unknown_command>(&input))
                throw cxxopts::exceptions::exception("--message: unknown command " + u->name +
                                                     " (//text sends /text)");
            if (std::holds_alternative<zchat::client::leave>(input))
                throw cxxopts::exceptions::exception("--message: /quit would send nothing");
            if (const auto* u = std::get_if<zchat::client::bad_usage>(&input))
                throw cxxopts::exceptions::exception("--message: " + u->message.substr(2));
            // Help needs no broker: joining would only make everyone see us enter and leave.
            help_only = std::holds_alternative<zchat::client::show_help>(input);
            terminal.message = message;
        }
        if (!curve_secret_file.empty() && curve_server_key_file.empty())
            throw cxxopts::exceptions::exception("--curve-secret needs --curve-server-key");
        if (args.count("timestamps") && args.count("no-timestamps"))
            throw cxxopts::exceptions::exception("give --timestamps or --no-timestamps, not both");
        no_bell = args.count("no-bell") > 0;
        terminal.verbosity = zchat::runtime::verbosity(args);
        if (args.count("timestamps") || args.count("no-timestamps"))
            timestamps = args.count("timestamps") > 0;
        if (zchat::client::timestamp(std::chrono::system_clock::now(), timestamp_format).empty())
            throw cxxopts::exceptions::exception(
                "--timestamp-format '" + timestamp_format +
                "' makes no time (or one over 200 bytes): give a strftime format, such as %H:%M");
        for (const std::string& endpoint : {session.router_endpoint, session.sub_endpoint}) {
            const auto problem = zchat::runtime::check_connect_endpoint(endpoint);
            if (problem && problem->usage)
                throw cxxopts::exceptions::exception(problem->reason);
        }
    } catch (const cxxopts::exceptions::exception& e) {
        std::cerr << "zchat-client: " << e.what() << " (try --help)\n";
        return exit_usage;
    }
    if (help_only) {
        std::cout << zchat::client::help_text() << '\n';
        return exit_ok;
    }
    if (!curve_server_key_file.empty()) {
        try {
            session.curve =
                zchat::runtime::load_client_keys(curve_server_key_file, curve_secret_file);
        } catch (const zchat::runtime::key_error& e) {
            // The command line names a file we cannot use: fixed by changing the command.
            std::cerr << "zchat-client: " << e.what() << '\n';
            return exit_usage;
        }
    }
    // A name that does not resolve is known at once: no need to wait out the connect timeout.
    for (const std::string& endpoint : {session.router_endpoint, session.sub_endpoint}) {
        if (const auto problem = zchat::runtime::check_connect_endpoint(endpoint)) {
            std::cerr << "! Cannot reach the chat server at " << endpoint << ": " << problem->reason
                      << '\n';
            return exit_failure;
        }
    }
    if (!log_file.empty()) {
        try {
            terminal.log.emplace(log_file);
        } catch (const std::runtime_error& e) {
            // Like a key file: the command line names a file we cannot use.
            std::cerr << "zchat-client: " << e.what() << '\n';
            return exit_usage;
        }
    }
    if (session.name.empty())
        session.name = login_name();
    terminal.interactive = !terminal.message && isatty(STDIN_FILENO);
    const char* terminal_kind = std::getenv("TERM");
    const char* no_colour = std::getenv("NO_COLOR");
    terminal.cursor_control = isatty(STDOUT_FILENO) && terminal_kind && *terminal_kind &&
                              std::string_view{terminal_kind} != "dumb";
    // NO_COLOR counts when set to anything but the empty string (no-color.org).
    terminal.colour = terminal.cursor_control && !(no_colour && *no_colour);
    terminal.bell = terminal.interactive && isatty(STDOUT_FILENO) && !no_bell;
    // Scripts read the lines as they are unless they ask for times.
    if (timestamps.value_or(terminal.interactive))
        terminal.timestamp_format = timestamp_format;
    terminal.prompt = session.name + "> ";
    if (terminal.interactive)
        terminal.history_file =
            zchat::client::input_history_path(std::getenv("XDG_STATE_HOME"), std::getenv("HOME"));

    const int signal_fd = zchat::runtime::stop_signal_descriptor();
    zmq::context_t ctx;
    zchat::client::terminal term(ctx, std::move(terminal), signal_fd);
    zchat::client::session receiver(ctx, session, term.pipe_endpoint());
    std::thread receive_thread([&receiver] { receiver.run(); });
    const int code = term.run();
    receive_thread.join();
    close(signal_fd);
    return code;
}
