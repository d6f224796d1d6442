// zchat-broker: command line -> server options -> server.run() -> exit code.
#include "broker/server.hpp"

#include <cxxopts.hpp>

#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

constexpr const char* exit_codes_help =
    "\nExit codes: 0 success, 1 runtime failure (cannot bind, socket error), 2 usage error.\n";

// Blocks SIGINT and SIGTERM in every thread (libzmq's threads start later and inherit the
// mask) and returns a descriptor that becomes readable when one arrives, so the poll loop sees
// a signal exactly as it sees a message.
int signal_descriptor() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signalfd(-1, &signals, SFD_CLOEXEC);
}

} // namespace

int main(int argc, char** argv) {
    cxxopts::Options cli("zchat-broker", "The zchat chat broker: a ROUTER for what clients send, "
                                         "a PUB socket that fans events out.");
    zchat::broker::server_options options;
    cli.add_options()(
        "router", "endpoint to bind for client commands",
        cxxopts::value(options.router_endpoint)->default_value(options.router_endpoint))(
        "pub", "endpoint to bind for published events",
        cxxopts::value(options.pub_endpoint)->default_value(options.pub_endpoint))(
        "max-clients", "most clients joined or joining at once",
        cxxopts::value(options.core.max_clients)->default_value("10000"))(
        "h,help", "print this help and exit")("version", "print the version and exit");
    cli.custom_help("[--router EP] [--pub EP] [--max-clients N]");

    try {
        const auto args = cli.parse(argc, argv);
        if (args.count("help")) {
            std::cout << cli.help() << exit_codes_help << std::flush;
            return exit_ok;
        }
        if (args.count("version")) {
            std::cout << "zchat-broker " << ZCHAT_VERSION << '\n';
            return exit_ok;
        }
        if (!args.unmatched().empty())
            throw cxxopts::exceptions::no_such_option(args.unmatched().front());
        if (options.core.max_clients == 0)
            throw cxxopts::exceptions::exception("--max-clients must be at least 1");
    } catch (const cxxopts::exceptions::exception& e) {
        std::cerr << "zchat-broker: " << e.what() << " (try --help)\n";
        return exit_usage;
    }

    const int stop_fd = signal_descriptor();
    try {
        zmq::context_t ctx;
        zchat::broker::server server(ctx, options);
        std::cout << "Chat broker started: router " << server.router_endpoint() << ", pub "
                  << server.pub_endpoint() << std::endl;
        server.run(stop_fd, std::cout);
        std::cout << "Chat broker stopped" << std::endl;
    } catch (const zchat::broker::bind_error& e) {
        std::cerr << "zchat-broker: " << e.what() << '\n';
        const int code = e.errno_code;
        const bool malformed = code == EINVAL || code == EPROTONOSUPPORT || code == ENODEV;
        return malformed ? exit_usage : exit_failure;
    } catch (const zmq::error_t& e) {
        std::cerr << "zchat-broker: " << e.what() << '\n';
        return exit_failure;
    }
    close(stop_fd);
    return exit_ok;
}
