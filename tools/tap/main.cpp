// zchat-tap: command line -> SUB socket -> poll loop -> monitor and formatters -> stdout.
//
// Everything the tap decides lives in zchat_tap_core; this file only owns the socket, the
// clock, the signals and the output descriptor.
#include "proto/defaults.hpp"
#include "proto/runtime/connection_watch.hpp"
#include "proto/runtime/curve_client.hpp"
#include "proto/runtime/curve_keys.hpp"
#include "proto/runtime/endpoint.hpp"
#include "proto/runtime/man_options.hpp"
#include "proto/runtime/process.hpp"
#include "proto/runtime/verbosity.hpp"
#include "proto/validate.hpp"
#include "tools/tap/filter.hpp"
#include "tools/tap/format.hpp"
#include "tools/tap/monitor.hpp"
#include "tools/tap/stats.hpp"

#include <cxxopts.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace {

using namespace zchat;
using runtime::exit_failure;
using runtime::exit_ok;
using runtime::exit_usage;

// Tap-specific: --timeout ran out before any event was shown.
constexpr int exit_no_events = 3;

// Messages handled between two looks at the signal descriptor and the clock.
constexpr int max_batch = 256;

constexpr const char* more_help =
    "\nTOPIC and PREFIX are topic prefixes; the words chat, presence, sys, probe, heartbeat,\n"
    "stats, relay, shutdown, line, join and leave stand for their topics (e.g. chat = chat/).\n"
    "\n-F tokens: %I ISO-8601 time (UTC), %U unix time, %e epoch, %s seq, %k kind, %t topic,\n"
    "%r room, %n sender or name, %i session id, %o online count, %p text (or description),\n"
    "%j JSON object, %% percent; escapes \\t \\n \\0 \\\\. Alerts and gaps go to stderr with -F.\n"
    "\nStatus lines on stderr say when the tap waits and when events start arriving (-q: none;\n"
    "-v: also what it subscribed to and each dropped connection).\n"
    "\nExit codes: 0 success (--count reached, --timeout with at least one event, Ctrl-C or\n"
    "SIGTERM, a closed output pipe), 1 runtime failure, 2 usage error (bad flag, malformed\n"
    "endpoint, unusable key file), 3 --timeout ran out before any event was shown.\n";

enum class mode { human, json, custom };

struct settings {
    std::string endpoint{proto::default_pub_endpoint};
    std::vector<std::string> topics;
    std::vector<std::string> excludes;
    bool hide_heartbeats = false;
    mode output = mode::human;
    std::optional<tap::line_format> format;
    std::optional<std::uint64_t> count;
    std::optional<std::chrono::nanoseconds> timeout;
    std::optional<std::chrono::nanoseconds> stats_period;
    bool colour = false;
    std::string curve_server_key_file; // empty: no CURVE
    std::string curve_secret_file;     // empty: a key pair for this run
    int verbosity = 0;                 // -v and -q: status lines on stderr
};

class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown when stdout's reader has gone (EPIPE): the tap ends quietly with exit 0.
struct output_closed {};

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EPIPE)
                throw output_closed{};
            throw std::system_error(errno, std::generic_category(), "write");
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// One line, written at once with its newline: output is line by line whether or not stdout is
// a terminal, so `zchat-tap | grep` sees each event as it comes.
void write_line(int fd, std::string line) {
    line += '\n';
    write_all(fd, line);
}

std::chrono::nanoseconds seconds_arg(double seconds, const char* flag) {
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > 1e9)
        throw usage_error(std::string{flag} + " must be a positive number of seconds");
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(seconds));
}

tap::stamp now() {
    return {tap::wall_clock::now(), tap::steady_clock::now()};
}

class tap_loop {
public:
    tap_loop(const settings& s, int stop_fd)
        : settings_(s), stop_fd_(stop_fd), filter_(s.topics, s.excludes, s.hide_heartbeats),
          monitor_(tap::monitor_options{
              [this](std::string_view topic) { return filter_.receives_all(topic); }, 3}),
          sub_(ctx_, zmq::socket_type::sub), watch_(ctx_, sub_) {
        sub_.set(zmq::sockopt::linger, 0);
        if (!s.curve_server_key_file.empty())
            runtime::use_curve(
                sub_, runtime::load_client_keys(s.curve_server_key_file, s.curve_secret_file));
        for (const auto& topic : filter_.subscriptions())
            sub_.set(zmq::sockopt::subscribe, topic);
        try {
            sub_.connect(s.endpoint);
        } catch (const zmq::error_t& e) {
            throw usage_error("malformed endpoint '" + s.endpoint + "': " + e.what());
        }
    }

    int run() {
        const auto start = now();
        if (settings_.stats_period)
            stats_.emplace(*settings_.stats_period, start.steady);
        std::optional<tap::steady_clock::time_point> deadline;
        if (settings_.timeout)
            deadline = start.steady + *settings_.timeout;
        status("waiting for events from " + settings_.endpoint);
        std::string topics;
        for (const auto& topic : filter_.subscriptions())
            topics += (topics.empty() ? "" : ", ") + (topic.empty() ? "every topic" : topic);
        status("subscribed to " + topics, detail);
        try {
            const int code = loop(deadline);
            finish();
            return code;
        } catch (const output_closed&) {
            return exit_ok;
        }
    }

private:
    int loop(std::optional<tap::steady_clock::time_point> deadline) {
        for (;;) {
            std::optional<tap::steady_clock::time_point> wake = deadline;
            auto earliest = [&wake](std::optional<tap::steady_clock::time_point> t) {
                if (t && (!wake || *t < *wake))
                    wake = t;
            };
            earliest(monitor_.next_check());
            if (stats_)
                earliest(stats_->next_tick());
            long timeout_ms = -1;
            if (wake) {
                const auto left =
                    std::chrono::ceil<std::chrono::milliseconds>(*wake - tap::steady_clock::now());
                timeout_ms = std::max<long>(0, static_cast<long>(left.count()));
            }
            std::array<zmq::pollitem_t, 3> items{{
                {sub_.handle(), 0, ZMQ_POLLIN, 0},
                {nullptr, stop_fd_, ZMQ_POLLIN, 0},
                {watch_.events().handle(), 0, ZMQ_POLLIN, 0},
            }};
            zmq::poll(items.data(), items.size(), std::chrono::milliseconds(timeout_ms));
            if (items[1].revents & ZMQ_POLLIN)
                return exit_ok;
            // A refusal would repeat for ever while the tap waited for events that never come.
            // Other failures may pass (a broker restarting), so the tap says so once and waits.
            const auto news =
                (items[2].revents & ZMQ_POLLIN) ? watch_.read() : runtime::connection_news{};
            if (news.dropped)
                status("the connection to " + settings_.endpoint + " dropped; reconnecting",
                       detail);
            if (const auto& failure = news.failure) {
                if (failure->final)
                    throw std::runtime_error("cannot watch " + settings_.endpoint + ": " +
                                             failure->reason);
                if (!handshake_trouble_told_)
                    status("still waiting: " + failure->reason);
                handshake_trouble_told_ = true;
            }
            if (drain())
                return exit_ok;
            const auto t = now();
            emit(monitor_.check(t));
            while (stats_) {
                const auto report = stats_->tick(t.steady);
                if (!report)
                    break;
                write_line(STDOUT_FILENO, settings_.output == mode::json
                                              ? tap::json_period(t.wall, *report)
                                              : tap::human_period(t.wall, *report));
            }
            if (deadline && t.steady >= *deadline)
                return shown_ > 0 ? exit_ok : exit_no_events;
        }
    }

    // Handles the messages waiting on the SUB, at most a batch of them so that a flood cannot
    // starve the signal, the timeout and the stats periods; true once --count events have been
    // shown.
    bool drain() {
        std::vector<zmq::message_t> parts;
        std::vector<std::string_view> frames;
        for (int i = 0; i < max_batch; ++i) {
            parts.clear();
            if (!zmq::recv_multipart(sub_, std::back_inserter(parts), zmq::recv_flags::dontwait))
                return false;
            frames.clear();
            for (const auto& p : parts)
                frames.push_back(p.to_string_view());
            const auto t = now();
            if (!receiving_) {
                receiving_ = true;
                status("receiving events from " + settings_.endpoint);
            }
            for (auto& observed : tap::read_message(frames))
                if (emit(monitor_.observe(std::move(observed), t)))
                    return true;
        }
        return false;
    }

    // Prints notes as the mode wants; true once --count events have been shown.
    bool emit(const std::vector<tap::note>& notes) {
        for (const auto& n : notes) {
            std::optional<std::string_view> topic;
            if (const auto* o = std::get_if<tap::observed_event>(&n.body))
                topic = o->topic;
            else if (const auto* u = std::get_if<tap::undecodable>(&n.body))
                topic = u->topic;
            const bool shown = !topic || filter_.shows(*topic);
            if (stats_)
                stats_->add(n, shown);
            if (!shown)
                continue;
            if (!topic) {
                print_note(n);
                continue;
            }
            ++shown_;
            if (!stats_)
                print_event(n);
            if (settings_.count && shown_ >= *settings_.count)
                return true;
        }
        return false;
    }

    void print_event(const tap::note& n) { print(n, false); }

    // Gaps, alerts, restarts: on stdout in human and JSON output, on stderr with -F so that a
    // script's custom lines stay uniform.
    void print_note(const tap::note& n) { print(n, true); }

    void print(const tap::note& n, bool conclusion) {
        switch (settings_.output) {
        case mode::human:
            write_line(STDOUT_FILENO, tap::human_line(n, settings_.colour));
            break;
        case mode::json:
            write_line(STDOUT_FILENO, tap::json_line(n));
            break;
        case mode::custom:
            if (conclusion)
                write_line(STDERR_FILENO, tap::human_line(n));
            else
                write_line(STDOUT_FILENO, settings_.format->expand(n));
            break;
        }
    }

    void finish() {
        if (!stats_)
            return;
        const auto t = now();
        const auto summary = stats_->summary(t.steady);
        write_line(STDOUT_FILENO, settings_.output == mode::json
                                      ? tap::json_summary(t.wall, summary)
                                      : tap::human_summary(t.wall, summary));
    }

    // A status line of the default level, or of -v's.
    static constexpr int detail = 1;
    void status(const std::string& text, int level = 0) {
        if (settings_.verbosity < level)
            return;
        try {
            write_line(STDERR_FILENO, "zchat-tap: " + text);
        } catch (const output_closed&) {
            // Status lines are a courtesy; a closed stderr must not end the tap.
        }
    }

    const settings& settings_;
    int stop_fd_;
    tap::filter filter_;
    tap::monitor monitor_;
    std::optional<tap::stats_aggregator> stats_;
    zmq::context_t ctx_;
    zmq::socket_t sub_;
    runtime::connection_watch watch_;
    std::uint64_t shown_ = 0;
    bool receiving_ = false;
    bool handshake_trouble_told_ = false;
};

// "--stats 5" means "--stats=5": cxxopts takes an optional value only after '=', and the tap has
// no positional arguments for a following number to be mistaken for.
std::vector<std::string> joined_stats_value(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    for (std::size_t i = 1; i + 1 < args.size(); ++i) {
        if (args[i] != "--stats")
            continue;
        const std::string& next = args[i + 1];
        char* end = nullptr;
        std::strtod(next.c_str(), &end);
        if (!next.empty() && next.front() != '-' && end && *end == '\0') {
            args[i] += "=" + next;
            args.erase(args.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        }
    }
    return args;
}

settings parse(cxxopts::Options& cli, int argc, char** argv, bool& done) {
    settings s;
    std::string format;
    std::uint64_t count = 0;
    double timeout = 0;
    double stats = 0;
    std::string host;
    std::vector<std::string> rooms;
    auto add = cli.add_options();
    add("sub", "broker PUB endpoint to watch",
        cxxopts::value(s.endpoint)->default_value(s.endpoint), "EP");
    add("t,topic", "show only topics starting with TOPIC (repeatable; default: all)",
        cxxopts::value(s.topics), "TOPIC");
    add("room", "show only this room's chat and presence (#dev or dev; repeatable)",
        cxxopts::value(rooms), "ROOM");
    add("x,exclude", "hide topics starting with PREFIX (repeatable)", cxxopts::value(s.excludes),
        "PREFIX");
    add("no-heartbeats", "hide broker heartbeats (still used to watch the broker's liveness)");
    add("j,json", "one JSON object per line (JSON Lines)");
    add("F,format", "print each event as FMT (tokens below)", cxxopts::value(format), "FMT");
    add("C,count", "exit 0 after N events", cxxopts::value(count), "N");
    add("W,timeout", "exit after SECONDS: 0 if an event came, 3 if none", cxxopts::value(timeout),
        "SECONDS");
    add("stats", "instead of events, print rates every SECONDS (default 1) and totals at exit",
        cxxopts::value(stats)->implicit_value("1"), "SECONDS");
    add("curve-server-key", "the broker's CURVE public key file: decrypt its events",
        cxxopts::value(s.curve_server_key_file), "FILE");
    add("curve-secret", "our CURVE secret key file (with --curve-server-key)",
        cxxopts::value(s.curve_secret_file), "FILE");
    zchat::runtime::add_verbosity_options(cli, "no status lines on stderr",
                                          "also say on stderr what the tap subscribed to and when "
                                          "its connection drops");
    zchat::runtime::add_help_and_version(cli);
    cli.add_options()("host", "broker host on the default port", cxxopts::value(host));
    // The groups --help lists, and so the man page: not the hidden one.
    const std::vector<std::string> help_groups{""};
    const std::vector<std::string> positional{"host"};
    cli.parse_positional(positional);
    cli.positional_help("[HOST]");
    cli.custom_help("[--sub EP] [--topic TOPIC]... [--room ROOM]... [--exclude PREFIX]...\n"
                    "  [--no-heartbeats]"
                    " [--json | -F FMT] [-C N] [-W SECONDS] [--stats [SECONDS]]\n"
                    "  [--curve-server-key FILE [--curve-secret FILE]] [-q|-v]");

    const auto words = joined_stats_value(argc, argv);
    std::vector<const char*> pointers;
    for (const auto& w : words)
        pointers.push_back(w.c_str());
    const auto args = cli.parse(static_cast<int>(pointers.size()), pointers.data());
    if (runtime::answer_help_or_version(cli, args, help_groups, positional, more_help)) {
        done = true;
        return s;
    }
    if (!args.unmatched().empty())
        throw usage_error("unexpected argument '" + args.unmatched().front() + "'");
    if (args.count("host")) {
        if (args.count("sub"))
            throw usage_error("give either HOST or --sub, not both");
        s.endpoint = runtime::tcp_endpoint(host, proto::default_pub_port);
    }
    for (std::string room : rooms) {
        if (room.starts_with('#'))
            room.erase(0, 1);
        if (const auto bad = proto::check_room(room))
            throw usage_error("--room: " + bad->reason);
        s.topics.push_back(proto::chat_topic(room));
        s.topics.push_back(proto::presence_topic(room));
    }
    s.hide_heartbeats = args.count("no-heartbeats") > 0;
    s.verbosity = runtime::verbosity(args);
    if (args.count("json"))
        s.output = mode::json;
    if (args.count("format")) {
        if (s.output == mode::json)
            throw usage_error("--json and --format exclude each other");
        auto parsed = tap::line_format::parse(format);
        if (auto* error = std::get_if<std::string>(&parsed))
            throw usage_error("--format: " + *error);
        s.format = std::get<tap::line_format>(std::move(parsed));
        s.output = mode::custom;
    }
    if (args.count("count")) {
        if (count == 0)
            throw usage_error("--count must be at least 1");
        s.count = count;
    }
    if (args.count("timeout"))
        s.timeout = seconds_arg(timeout, "--timeout");
    if (args.count("stats")) {
        if (s.output == mode::custom)
            throw usage_error("--stats and --format exclude each other");
        s.stats_period = seconds_arg(stats, "--stats");
    }
    if (!s.curve_secret_file.empty() && s.curve_server_key_file.empty())
        throw usage_error("--curve-secret needs --curve-server-key");
    s.colour = s.output == mode::human && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    return s;
}

} // namespace

int main(int argc, char** argv) {
    // A reader that goes away (`zchat-tap | head`) must end the tap through EPIPE, quietly.
    std::signal(SIGPIPE, SIG_IGN);
    cxxopts::Options cli("zchat-tap", "Watch a zchat broker's event stream (its PUB socket) "
                                      "without joining: events, gaps, alerts, rates.");
    settings s;
    try {
        bool done = false;
        s = parse(cli, argc, argv, done);
        if (done)
            return exit_ok;
    } catch (const std::exception& e) {
        std::cerr << "zchat-tap: " << e.what() << " (try --help)\n";
        return exit_usage;
    }

    const int stop_fd = runtime::stop_signal_descriptor();
    int code = exit_ok;
    try {
        tap_loop loop(s, stop_fd);
        code = loop.run();
    } catch (const usage_error& e) {
        std::cerr << "zchat-tap: " << e.what() << " (try --help)\n";
        code = exit_usage;
    } catch (const runtime::key_error& e) {
        // The command line names a key file we cannot use: fixed by changing the command.
        std::cerr << "zchat-tap: " << e.what() << '\n';
        code = exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "zchat-tap: " << e.what() << '\n';
        code = exit_failure;
    }
    close(stop_fd);
    return code;
}
