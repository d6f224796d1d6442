// zchat-relay: command line -> relay (relay.hpp) -> exit code.
#include "proto/defaults.hpp"
#include "proto/runtime/bind.hpp"
#include "proto/runtime/endpoint.hpp"
#include "proto/runtime/man_options.hpp"
#include "proto/runtime/process.hpp"
#include "proto/runtime/started_line.hpp"
#include "proto/runtime/verbosity.hpp"
#include "relay/relay.hpp"

#include <cxxopts.hpp>

#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

namespace {

using zchat::runtime::exit_failure;
using zchat::runtime::exit_ok;
using zchat::runtime::exit_usage;

constexpr const char* more_help =
    "\nClients, taps and benches connect to a relay exactly as to a broker: to its --bind-router\n"
    "and --bind-pub. It passes events and subscriptions through libzmq's proxy, unchanged, and\n"
    "each command with the identity of its sender, so the broker answers along the same path;\n"
    "sessions, names and limits stay exact at the one broker. Relays can be chained: the\n"
    "upstream of one relay may be another. Commands through relays are refused by a broker\n"
    "running CURVE, and the relay itself speaks no CURVE yet.\n"
    "\nEvery --stats-interval it publishes its counters below it, as a RELAY event on sys/relay/\n"
    "(zchat-tap -t relay shows them). The line `Chat relay started: router EP, pub EP` goes\n"
    "to standard output once bound; at the stop (SIGINT or SIGTERM) the counts of commands\n"
    "and replies carried go to standard error (-q: not; -v: also the endpoints it connects\n"
    "to, at the start).\n"
    "\nExit codes: 0 success, 1 runtime failure (cannot bind), 2 usage error (bad flag,\n"
    "malformed endpoint).\n";

} // namespace

int main(int argc, char** argv) {
    const int stop_fd = zchat::runtime::stop_signal_descriptor();
    cxxopts::Options cli("zchat-relay", "Carries a zchat broker's traffic for the clients that "
                                        "connect to it: fan-out near them, one broker behind.");
    zchat::relay::relay_options options;
    std::string host;
    double stats_seconds = 5;
    auto add = cli.add_options();
    add("router", "upstream endpoint for commands: the broker's ROUTER (or a relay's)",
        cxxopts::value(options.upstream_router)
            ->default_value(std::string{zchat::proto::default_router_endpoint}),
        "EP");
    add("sub", "upstream endpoint for events: the broker's PUB (or a relay's)",
        cxxopts::value(options.upstream_sub)
            ->default_value(std::string{zchat::proto::default_pub_endpoint}),
        "EP");
    add("bind-router", "endpoint to bind for clients' commands (required)",
        cxxopts::value(options.bind_router), "EP");
    add("bind-pub", "endpoint to bind for clients' subscribers (required)",
        cxxopts::value(options.bind_pub), "EP");
    add("stats-interval",
        "seconds between the relay's RELAY events (its counters, on sys/relay/ below it); "
        "fractions allowed",
        cxxopts::value(stats_seconds)->default_value("5"), "S");
    add("max-frame-bytes",
        "largest command accepted from below; a bigger one drops the sender's connection unread",
        cxxopts::value(options.max_frame_bytes)->default_value("65536"), "N");
    zchat::runtime::add_verbosity_options(cli, "say nothing at the stop",
                                          "also say where the relay connects, at the start");
    zchat::runtime::add_help_and_version(cli);
    cli.add_options()("host", "upstream host on the default ports", cxxopts::value(host));
    const std::vector<std::string> help_groups{""};
    const std::vector<std::string> positional{"host"};
    cli.parse_positional(positional);
    cli.positional_help("[HOST]");
    cli.custom_help("[--router EP --sub EP] --bind-router EP --bind-pub EP [--stats-interval S]\n"
                    "  [--max-frame-bytes N] [-q|-v]");

    int verbosity = 0;
    try {
        const auto args = cli.parse(argc, argv);
        if (zchat::runtime::answer_help_or_version(cli, args, help_groups, positional, more_help))
            return exit_ok;
        if (!args.unmatched().empty())
            throw cxxopts::exceptions::exception("unexpected argument '" +
                                                 args.unmatched().front() + "'");
        if (args.count("host")) {
            if (args.count("router") || args.count("sub"))
                throw cxxopts::exceptions::exception(
                    "give either HOST or --router/--sub, not both");
            options.upstream_router =
                zchat::runtime::tcp_endpoint(host, zchat::proto::default_router_port);
            options.upstream_sub =
                zchat::runtime::tcp_endpoint(host, zchat::proto::default_pub_port);
        }
        if (options.bind_router.empty() || options.bind_pub.empty())
            throw cxxopts::exceptions::exception(
                "give the endpoints to bind below: --bind-router EP --bind-pub EP");
        if (options.max_frame_bytes < 1024)
            throw cxxopts::exceptions::exception("--max-frame-bytes must be at least 1024");
        if (!(stats_seconds >= 0.01 && stats_seconds <= 86400))
            throw cxxopts::exceptions::exception(
                "--stats-interval must be from 0.01 to 86400 seconds");
        options.stats_interval = std::chrono::milliseconds(static_cast<long>(stats_seconds * 1000));
        for (const std::string& endpoint : {options.upstream_router, options.upstream_sub}) {
            const auto problem = zchat::runtime::check_connect_endpoint(endpoint);
            if (problem && problem->usage)
                throw cxxopts::exceptions::exception(problem->reason);
        }
        verbosity = zchat::runtime::verbosity(args);
    } catch (const cxxopts::exceptions::exception& e) {
        std::cerr << "zchat-relay: " << e.what() << " (try --help)\n";
        return exit_usage;
    }

    try {
        zmq::context_t ctx;
        zchat::relay::relay relay(ctx, options);
        if (verbosity > 0)
            std::cerr << "zchat-relay: upstream router " << options.upstream_router << ", sub "
                      << options.upstream_sub << '\n';
        std::cout << zchat::runtime::started_line("Chat relay",
                                                  {relay.router_endpoint(), relay.pub_endpoint()})
                  << std::endl;
        relay.run(stop_fd);
        const auto& t = relay.totals();
        if (verbosity >= 0)
            std::cerr << "zchat-relay: carried " << t.commands_up << " commands up and "
                      << t.replies_down << " replies down; answered " << t.answered_here
                      << " here, dropped " << t.dropped << '\n';
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
    return exit_ok;
}
