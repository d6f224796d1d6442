// zchat-relay: command line -> relay (relay.hpp) -> exit code.
#include "proto/defaults.hpp"
#include "proto/runtime/bind.hpp"
#include "proto/runtime/curve_keys.hpp"
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
    "upstream of one relay may be another.\n"
    "\nEncryption: --curve-secret, --curve-server-key and --allow go together. The relay then\n"
    "speaks CurveZMQ above, as a client with its own key (which the broker's allowlist must list\n"
    "as 'relay KEY'), and below, as a server admitting the keys of --allow (the broker's list):\n"
    "clients connect with the relay's public key, and each command goes up with its client's\n"
    "key, so names bound to keys hold through relays. The allowlist is read once, at the start.\n"
    "\nEvery --stats-interval it publishes its counters below it, as a RELAY event on sys/relay/\n"
    "(zchat-tap -t relay shows them). The line `Chat relay started: router EP, pub EP` goes\n"
    "to standard output once bound; at the stop (SIGINT or SIGTERM) the counts of commands\n"
    "and replies carried (and of handshakes refused, with CURVE) go to standard error (-q: not;\n"
    "-v: also the endpoints it connects to, at the start).\n"
    "\nExit codes: 0 success, 1 runtime failure (cannot bind), 2 usage error (bad flag,\n"
    "malformed endpoint, unusable key file or allowlist).\n";

// Reads the key files and the allowlist into `options`. Throws key_error or allowlist_error.
void load_curve(zchat::relay::relay_options& options, const std::string& secret_file,
                const std::string& server_key_file, const std::string& allow_path) {
    using namespace zchat::runtime;
    options.curve_secret_key = read_key_file(secret_file, key_kind::secret_key);
    options.curve_public_key = public_key_of(options.curve_secret_key);
    options.upstream_server_key = read_key_file(server_key_file, key_kind::public_key);
    options.allowed.emplace();
    options.allowed->load(allow_path);
}

} // namespace

int main(int argc, char** argv) {
    const int stop_fd = zchat::runtime::stop_signal_descriptor();
    cxxopts::Options cli("zchat-relay", "Carries a zchat broker's traffic for the clients that "
                                        "connect to it: fan-out near them, one broker behind.");
    zchat::relay::relay_options options;
    std::string host;
    double stats_seconds = 5;
    std::string curve_secret_file;
    std::string curve_server_key_file;
    std::string allow_path;
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
    add("curve-secret", "the relay's CURVE secret key file: CurveZMQ above and below",
        cxxopts::value(curve_secret_file), "FILE");
    add("curve-server-key", "the CURVE public key file of the broker (or relay) above",
        cxxopts::value(curve_server_key_file), "FILE");
    add("allow", "the client and relay keys admitted below: the broker's allowlist",
        cxxopts::value(allow_path), "FILE_OR_DIR");
    zchat::runtime::add_verbosity_options(cli, "say nothing at the stop",
                                          "also say where the relay connects, at the start");
    zchat::runtime::add_help_and_version(cli);
    cli.add_options()("host", "upstream host on the default ports", cxxopts::value(host));
    const std::vector<std::string> help_groups{""};
    const std::vector<std::string> positional{"host"};
    cli.parse_positional(positional);
    cli.positional_help("[HOST]");
    cli.custom_help("[--router EP --sub EP] --bind-router EP --bind-pub EP [--stats-interval S]\n"
                    "  [--max-frame-bytes N] [--curve-secret FILE --curve-server-key FILE\n"
                    "  --allow FILE_OR_DIR] [-q|-v]");

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
        const std::size_t curve_flags =
            args.count("curve-secret") + args.count("curve-server-key") + args.count("allow");
        if (curve_flags != 0 && curve_flags != 3)
            throw cxxopts::exceptions::exception(
                "--curve-secret, --curve-server-key and --allow go together");
        if (curve_flags == 3)
            load_curve(options, curve_secret_file, curve_server_key_file, allow_path);
        verbosity = zchat::runtime::verbosity(args);
    } catch (const std::runtime_error& e) {
        // A key file or the allowlist (key_error, allowlist_error): named, with the line.
        std::cerr << "zchat-relay: " << e.what() << '\n';
        return exit_usage;
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
    return exit_ok;
}
