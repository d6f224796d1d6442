// zchat-broker: command line and config file -> settings -> server.run() -> exit code.
#include "broker/log_sink.hpp"
#include "broker/options.hpp"
#include "broker/server.hpp"
#include "proto/runtime/curve_keys.hpp"
#include "proto/runtime/man_options.hpp"
#include "proto/runtime/process.hpp"
#include "proto/runtime/started_line.hpp"
#include "proto/runtime/verbosity.hpp"

#include <cxxopts.hpp>
#include <systemd/sd-daemon.h>

#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>

namespace {

using zchat::broker::broker_settings;
using zchat::runtime::exit_config;
using zchat::runtime::exit_failure;
using zchat::runtime::exit_ok;
using zchat::runtime::exit_usage;

constexpr const char* exit_codes_help =
    "\nEncryption: with --curve-secret both sockets speak CurveZMQ only (make keys with\n"
    "zchat-keygen; clients need the broker's public key). --allow then admits only the listed\n"
    "client public keys: a file with one Z85 key per line, optionally followed by the one name\n"
    "that key may use, or a directory of such files.\n"
    "\nConfig file: one `name = value` a line, the names of the long options above (without\n"
    "--), `#` comments; options on the command line override it. SIGHUP reads it again and\n"
    "applies what can change while running (rate and burst for new sessions, max-clients,\n"
    "max-errors, stats-interval, log-level, the allowlist); a file that cannot be used changes\n"
    "nothing.\n"
    "\nLog: one line per event on standard error (or --log FILE), `TIME LEVEL event key=value`,\n"
    "the time in UTC; SIGUSR1 reopens the file. Chat text is logged at debug only. The line\n"
    "`Chat broker started: router EP, pub EP` goes to standard output, for scripts.\n"
    "\nExit codes: 0 success, 1 runtime failure (cannot bind, socket error), 2 usage error (bad\n"
    "flag, malformed endpoint, unusable key file or allowlist on the command line), 78 unusable\n"
    "configuration (the config file, or a key or allowlist file it names; every problem under\n"
    "--test-config).\n";

using zchat::runtime::refusal;

// Reads the key and allowlist files into `s`, and says what the broker will accept, as log
// fields.
std::string load_curve(broker_settings& s) {
    using namespace zchat::runtime;
    using zchat::broker::field;
    s.server.curve_secret_key = read_key_file(s.curve_secret_file, key_kind::secret_key);
    const std::string key = field("public_key", public_key_of(s.server.curve_secret_key));
    if (s.allow_path.empty())
        return key + field("client_keys", "any");
    s.server.allowed.emplace();
    s.server.allowed->load(s.allow_path);
    return key + field("client_keys", s.server.allowed->size());
}

std::string usage_line() {
    std::string line;
    std::size_t width = 0;
    const auto add = [&](const std::string& part) {
        if (width + part.size() + 1 > 90) {
            line += "\n ";
            width = 1;
        }
        line += " " + part;
        width += part.size() + 1;
    };
    add("[--config FILE]");
    add("[--test-config]");
    add("[-v|-q]...");
    for (const auto& o : zchat::broker::broker_options())
        add("[--" + std::string{o.name} + " " + std::string{o.value_name} + "]");
    return line.substr(1);
}

// What the broker was told: a config file (or none) and the flags that override it.
struct instructions {
    std::string config_file;
    std::map<std::string, std::string> flags;
    bool testing = false; // --test-config: every problem is a configuration problem
    int verbosity = 0;    // each -v one log level more, each -q one less
};

// Settings from the config file, then the flags; what is wrong, if anything. `curve_text` says
// what CURVE will accept once the key files are read.
std::optional<refusal> settle(const instructions& told, broker_settings& s,
                              std::string& curve_text) {
    const int usage = told.testing ? exit_config : exit_usage;
    const std::string& config_file = told.config_file;
    const auto& flags = told.flags;
    if (auto bad = zchat::runtime::read_settings(s, zchat::broker::broker_options(), config_file,
                                                 flags, told.testing))
        return bad;
    auto& level = s.server.core.logging;
    for (int i = 0; i < told.verbosity; ++i)
        level = zchat::broker::more_verbose(level);
    for (int i = 0; i > told.verbosity; --i)
        level = zchat::broker::quieter(level);
    if (auto bad = zchat::broker::check_settings(s, config_file.empty() ? "--" : ""))
        return config_file.empty() ? refusal{usage, *bad, true}
                                   : refusal{exit_config, config_file + ": " + *bad};
    if (!s.curve_secret_file.empty()) {
        try {
            curve_text = load_curve(s);
        } catch (const std::exception& e) {
            // A broker must never start open because its allowlist could not be read.
            const bool from_flags = flags.contains("curve-secret") || flags.contains("allow");
            return refusal{from_flags ? usage : exit_config, e.what()};
        }
    }
    return std::nullopt;
}

} // namespace

int main(int argc, char** argv) {
    // First of all, so that a signal that comes while the broker starts (reading a large
    // allowlist, binding) waits for its loop instead of killing it.
    zchat::broker::run_control control;
    control.stop_fd = zchat::runtime::stop_signal_descriptor();
    control.reload_fd = zchat::runtime::reload_signal_descriptor();
    control.reopen_fd = zchat::runtime::reopen_signal_descriptor();
    cxxopts::Options cli("zchat-broker", "The zchat chat broker: a ROUTER for what clients send, "
                                         "a PUB socket that fans events out.");
    cli.add_options()("config", "read settings from this file first", cxxopts::value<std::string>(),
                      "FILE")(
        "test-config", "check the configuration (file, flags, key files) and exit: 0 if usable");
    zchat::runtime::add_table_options(cli, zchat::broker::broker_options(), broker_settings{});
    zchat::runtime::add_verbosity_options(cli, "log one level less (repeatable: -qq)",
                                          "log one level more (repeatable: -vv)");
    zchat::runtime::add_help_and_version(cli);
    cli.custom_help(usage_line());
    // The groups --help lists, and so the man page: not the hidden one.
    const std::vector<std::string> help_groups{""};

    broker_settings settings;
    std::string curve_text;
    instructions told;
    try {
        const auto args = cli.parse(argc, argv);
        if (zchat::runtime::answer_help_or_version(cli, args, help_groups, {}, exit_codes_help))
            return exit_ok;
        if (!args.unmatched().empty())
            throw cxxopts::exceptions::no_such_option(args.unmatched().front());
        told.testing = args.count("test-config") > 0;
        told.verbosity = zchat::runtime::verbosity(args);
        if (args.count("config"))
            told.config_file = args["config"].as<std::string>();
        told.flags = zchat::runtime::table_flags(args, zchat::broker::broker_options());
        if (auto bad = settle(told, settings, curve_text)) {
            std::cerr << "zchat-broker: " << bad->message << (bad->help_hint ? " (try --help)" : "")
                      << '\n';
            return bad->exit_code;
        }
    } catch (const cxxopts::exceptions::exception& e) {
        std::cerr << "zchat-broker: " << e.what() << " (try --help)\n";
        return exit_usage;
    }
    // The log file is part of the configuration: one that cannot be opened is refused up front.
    std::unique_ptr<zchat::broker::log_sink> log;
    const zchat::broker::server_options& options = settings.server;
    try {
        log =
            options.log_file.empty()
                ? std::make_unique<zchat::broker::log_sink>(std::cerr, options.core.logging)
                : std::make_unique<zchat::broker::log_sink>(options.log_file, options.core.logging);
    } catch (const std::runtime_error& e) {
        std::cerr << "zchat-broker: " << e.what() << '\n';
        return exit_config;
    }
    if (told.testing) {
        std::cout << "zchat-broker: configuration OK" << std::endl;
        return exit_ok;
    }

    // Under systemd with WatchdogSec=, the loop says it is alive twice per watchdog period.
    if (std::uint64_t usec = 0; sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        control.keepalive_interval = std::chrono::microseconds(usec / 2);
        control.keepalive = [] { sd_notify(0, "WATCHDOG=1"); };
    }
    // SIGHUP: the same file and flags read again; a configuration that cannot be used changes
    // nothing, and the broker goes on as it was.
    const auto reread =
        [&told](zchat::broker::log_sink& sink) -> std::optional<zchat::broker::server_options> {
        broker_settings again;
        std::string curve_again;
        if (auto bad = settle(told, again, curve_again)) {
            sink.write(zchat::broker::log_level::error,
                       "reload-failed" + zchat::broker::field("reason", bad->message));
            return std::nullopt;
        }
        return again.server;
    };
    using zchat::broker::log_level;
    try {
        zmq::context_t ctx;
        zchat::broker::server server(ctx, options);
        std::cout << zchat::runtime::started_line("Chat broker",
                                                  {server.router_endpoint(), server.pub_endpoint()})
                  << std::endl;
        // Under systemd (Type=notify), both endpoints are bound: the service is up. Elsewhere
        // this does nothing.
        sd_notify(0, "READY=1");
        log->write(log_level::info, "started" +
                                        zchat::broker::field("router", server.router_endpoint()) +
                                        zchat::broker::field("pub", server.pub_endpoint()) +
                                        zchat::broker::field("version", ZCHAT_VERSION));
        if (!curve_text.empty())
            log->write(log_level::info, "curve-on" + curve_text);
        if (options.core.rate_per_second == 0)
            log->write(log_level::warn, "rate-limit-lifted");
        server.run(control, *log, reread);
        sd_notify(0, "STOPPING=1");
        std::cout << "Chat broker stopped" << std::endl;
    } catch (const zchat::broker::bind_error& e) {
        std::cerr << "zchat-broker: " << e.what() << '\n';
        return e.malformed() ? exit_usage : exit_failure;
    } catch (const zmq::error_t& e) {
        std::cerr << "zchat-broker: " << e.what() << '\n';
        return exit_failure;
    }
    close(control.stop_fd);
    close(control.reload_fd);
    close(control.reopen_fd);
    return exit_ok;
}
