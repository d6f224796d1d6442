// zchat-relay: command line and config file -> settings (options.hpp) -> relay (relay.hpp) ->
// exit code.
#include "proto/defaults.hpp"
#include "proto/runtime/bind.hpp"
#include "proto/runtime/curve_keys.hpp"
#include "proto/runtime/endpoint.hpp"
#include "proto/runtime/man_options.hpp"
#include "proto/runtime/option_table.hpp"
#include "proto/runtime/process.hpp"
#include "proto/runtime/started_line.hpp"
#include "proto/runtime/verbosity.hpp"
#include "relay/options.hpp"
#include "relay/relay.hpp"

#include <cxxopts.hpp>
#include <systemd/sd-daemon.h>

#include <unistd.h>

#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using zchat::relay::relay_settings;
using zchat::runtime::exit_config;
using zchat::runtime::exit_failure;
using zchat::runtime::exit_ok;
using zchat::runtime::exit_usage;
using zchat::runtime::refusal;

constexpr const char* more_help =
    "\nClients, taps and benches connect to a relay exactly as to a broker: to its --bind-router\n"
    "and --bind-pub. It passes events and subscriptions through libzmq's proxy, unchanged, and\n"
    "each command with the identity of its sender, so the broker answers along the same path;\n"
    "sessions, names and limits stay exact at the one broker. Relays can be chained: the\n"
    "upstream of one relay may be another.\n"
    "\nEncryption: --curve-secret, --curve-server-key and --allow go together. The relay then\n"
    "speaks CurveZMQ above, as a client with its own key (which the broker's allowlist must list\n"
    "as 'relay KEY'), and below, as a server admitting the keys of --allow (the broker's list):\n"
    "clients connect with the relay's public key, and each command goes up with its client's\n"
    "key, so names bound to keys hold through relays.\n"
    "\nConfig file: one `name = value` a line, the names of the long options above (without\n"
    "--), `#` comments; options on the command line override it, and HOST overrides its router\n"
    "and sub. SIGHUP reads it again and applies the allowlist and stats-interval (a key\n"
    "removed is refused, and every subscriber reconnects); the rest takes a restart.\n"
    "\nEvery --stats-interval it publishes its counters below it, as a RELAY event on sys/relay/\n"
    "(zchat-tap -t relay shows them). The line `Chat relay started: router EP, pub EP` goes\n"
    "to standard output once bound; at the stop (SIGINT or SIGTERM) the counts of commands\n"
    "and replies carried (and of handshakes refused, with CURVE) go to standard error (-q: not;\n"
    "-v: also the endpoints it connects to, at the start).\n"
    "\nExit codes: 0 success, 1 runtime failure (cannot bind), 2 usage error (bad flag,\n"
    "malformed endpoint, unusable key file or allowlist on the command line), 78 unusable\n"
    "configuration (the config file, or a key or allowlist file it names; every problem under\n"
    "--test-config).\n";

// What the relay was told: a config file (or none) and the flags that override it.
struct instructions {
    std::string config_file;
    std::map<std::string, std::string> flags;
    bool testing = false; // --test-config: every problem is a configuration problem
};

// Settings from the config file, then the flags, then the key files and allowlist they name;
// what is wrong, if anything.
std::optional<refusal> settle(const instructions& told, relay_settings& s) {
    if (auto bad = zchat::runtime::read_settings(s, zchat::relay::relay_option_table(),
                                                 told.config_file, told.flags, told.testing))
        return bad;
    const int usage = told.testing ? exit_config : exit_usage;
    if (auto bad = zchat::relay::check_settings(s, told.config_file.empty() ? "--" : ""))
        return told.config_file.empty() ? refusal{usage, *bad, true}
                                        : refusal{exit_config, told.config_file + ": " + *bad};
    // An endpoint's problem is the file's unless a flag gave it.
    const auto refused = [&](const char* option, const std::string& reason) {
        return told.config_file.empty() || told.flags.contains(option)
                   ? refusal{usage, reason, true}
                   : refusal{exit_config, told.config_file + ": " + option + ": " + reason};
    };
    for (const auto& [option, endpoint] :
         {std::pair{"router", &s.relay.upstream_router}, std::pair{"sub", &s.relay.upstream_sub},
          std::pair{"bind-router", &s.relay.bind_router},
          std::pair{"bind-pub", &s.relay.bind_pub}}) {
        if (const auto problem = zchat::runtime::transport_problem(*endpoint))
            return refused(option, *problem);
    }
    for (const auto& [option, endpoint] :
         {std::pair{"router", &s.relay.upstream_router}, std::pair{"sub", &s.relay.upstream_sub}}) {
        const auto problem = zchat::runtime::check_connect_endpoint(*endpoint);
        if (problem && problem->usage)
            return refused(option, problem->reason);
    }
    if (s.allow_path.empty())
        return std::nullopt;
    try {
        using namespace zchat::runtime;
        s.relay.curve_secret_key = read_key_file(s.curve_secret_file, key_kind::secret_key);
        s.relay.curve_public_key = public_key_of(s.relay.curve_secret_key);
        s.relay.upstream_server_key = read_key_file(s.curve_server_key_file, key_kind::public_key);
        s.relay.allowed.emplace();
        s.relay.allowed->load(s.allow_path);
    } catch (const std::runtime_error& e) {
        // A key file or the allowlist (key_error, allowlist_error): named, with the line.
        const bool from_flags = told.flags.contains("curve-secret") ||
                                told.flags.contains("curve-server-key") ||
                                told.flags.contains("allow");
        return refusal{from_flags ? usage : exit_config, e.what()};
    }
    return std::nullopt;
}

} // namespace

int main(int argc, char** argv) {
    // First of all, so that a signal that comes while the relay starts waits for its loop.
    const int stop_fd = zchat::runtime::stop_signal_descriptor();
    const int reload_fd = zchat::runtime::reload_signal_descriptor();
    cxxopts::Options cli("zchat-relay", "Carries a zchat broker's traffic for the clients that "
                                        "connect to it: fan-out near them, one broker behind.");
    cli.add_options()("config", "read settings from this file first", cxxopts::value<std::string>(),
                      "FILE")(
        "test-config", "check the configuration (file, flags, key files) and exit: 0 if usable");
    zchat::runtime::add_table_options(cli, zchat::relay::relay_option_table(), relay_settings{});
    zchat::runtime::add_verbosity_options(cli, "say nothing at the stop",
                                          "also say where the relay connects, at the start");
    zchat::runtime::add_help_and_version(cli);
    std::string host;
    cli.add_options()("host", "upstream host on the default ports", cxxopts::value(host));
    const std::vector<std::string> help_groups{""};
    const std::vector<std::string> positional{"host"};
    cli.parse_positional(positional);
    cli.positional_help("[HOST]");
    cli.custom_help("[--config FILE] [--test-config] [--router EP --sub EP] --bind-router EP\n"
                    "  --bind-pub EP [--stats-interval S] [--max-frame-bytes N]\n"
                    "  [--curve-secret FILE --curve-server-key FILE --allow FILE_OR_DIR] [-q|-v]");

    relay_settings settings;
    instructions told;
    int verbosity = 0;
    try {
        const auto args = cli.parse(argc, argv);
        if (zchat::runtime::answer_help_or_version(cli, args, help_groups, positional, more_help))
            return exit_ok;
        if (!args.unmatched().empty())
            throw cxxopts::exceptions::exception("unexpected argument '" +
                                                 args.unmatched().front() + "'");
        told.testing = args.count("test-config") > 0;
        if (args.count("config"))
            told.config_file = args["config"].as<std::string>();
        told.flags = zchat::runtime::table_flags(args, zchat::relay::relay_option_table());
        if (args.count("host")) {
            if (args.count("router") || args.count("sub"))
                throw cxxopts::exceptions::exception(
                    "give either HOST or --router/--sub, not both");
            told.flags["router"] =
                zchat::runtime::tcp_endpoint(host, zchat::proto::default_router_port);
            told.flags["sub"] = zchat::runtime::tcp_endpoint(host, zchat::proto::default_pub_port);
        }
        verbosity = zchat::runtime::verbosity(args);
    } catch (const cxxopts::exceptions::exception& e) {
        std::cerr << "zchat-relay: " << e.what() << " (try --help)\n";
        return exit_usage;
    }
    if (auto bad = settle(told, settings)) {
        std::cerr << "zchat-relay: " << bad->message << (bad->help_hint ? " (try --help)" : "")
                  << '\n';
        return bad->exit_code;
    }
    if (told.testing) {
        std::cout << "zchat-relay: configuration OK" << std::endl;
        return exit_ok;
    }

    const zchat::relay::relay_options& options = settings.relay;
    try {
        zmq::context_t ctx;
        zchat::relay::relay relay(ctx, options);
        if (verbosity > 0)
            std::cerr << "zchat-relay: upstream router " << options.upstream_router << ", sub "
                      << options.upstream_sub << '\n';
        std::cout << zchat::runtime::started_line("Chat relay",
                                                  {relay.router_endpoint(), relay.pub_endpoint()})
                  << std::endl;
        // Under systemd (Type=notify), both endpoints are bound: the service is up. Elsewhere
        // this does nothing.
        sd_notify(0, "READY=1");
        zchat::relay::relay::hooks with;
        with.say = [](const std::string& line) {
            std::cerr << "zchat-relay: " << line << std::endl;
        };
        // SIGHUP: the same file and flags read again; a configuration that cannot be used
        // changes nothing, and the relay goes on as it was.
        with.reread = [&told, &with]() -> std::optional<zchat::relay::relay_options> {
            relay_settings again;
            if (auto bad = settle(told, again)) {
                with.say("reload failed: " + bad->message);
                return std::nullopt;
            }
            return again.relay;
        };
        relay.run(stop_fd, reload_fd, with);
        sd_notify(0, "STOPPING=1");
        const auto& t = relay.totals();
        if (verbosity >= 0)
            std::cerr << "zchat-relay: carried " << t.commands_up << " commands up and "
                      << t.replies_down << " replies down; answered " << t.answered_here
                      << " here, dropped " << t.dropped
                      << (options.allowed
                              ? "; refused " + std::to_string(relay.handshakes_refused()) +
                                    " handshakes"
                              : "")
                      << '\n';
        std::cout << "Chat relay stopped" << std::endl;
    } catch (const zchat::relay::malformed_endpoint& e) {
        std::cerr << "zchat-relay: " << e.what() << " (try --help)\n";
        return exit_usage;
    } catch (const zchat::runtime::bind_error& e) {
        std::cerr << "zchat-relay: " << e.what() << '\n';
        return e.malformed() ? exit_usage : exit_failure;
    } catch (const zmq::error_t& e) {
        std::cerr << "zchat-relay: " << e.what() << '\n';
        return exit_failure;
    }
    close(stop_fd);
    close(reload_fd);
    return exit_ok;
}
