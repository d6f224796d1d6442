// zchat-broker: command line -> server options -> server.run() -> exit code.
#include "broker/server.hpp"
#include "proto/codec.hpp"
#include "proto/runtime/curve_keys.hpp"
#include "proto/runtime/process.hpp"
#include "proto/runtime/started_line.hpp"

#include <cxxopts.hpp>

#include <unistd.h>

#include <cmath>
#include <iostream>

namespace {

using zchat::runtime::exit_failure;
using zchat::runtime::exit_ok;
using zchat::runtime::exit_usage;

// Bounds that keep liveness x interval meaningful and far from overflow.
constexpr std::uint32_t max_heartbeat_ms = 3'600'000;
constexpr std::uint32_t max_liveness = 1000;
constexpr double min_stats_seconds = 0.01;
constexpr double max_stats_seconds = 86400;
constexpr std::uint32_t max_errors_limit = 1'000'000;
constexpr std::int64_t max_frame_bytes_limit = 16 * 1024 * 1024;

constexpr const char* exit_codes_help =
    "\nEncryption: with --curve-secret both sockets speak CurveZMQ only (make keys with\n"
    "zchat-keygen; clients need the broker's public key). --allow then admits only the listed\n"
    "client public keys: a file with one Z85 key per line, optionally followed by the one name\n"
    "that key may use, or a directory of such files.\n"
    "\nExit codes: 0 success, 1 runtime failure (cannot bind, socket error), 2 usage error (bad\n"
    "flag, malformed endpoint, unusable key file or allowlist).\n";

// Reads the key and allowlist files into `options`, and says what the broker will accept.
std::string load_curve(const std::string& secret_file, const std::string& allow_path,
                       zchat::broker::server_options& options) {
    using namespace zchat::runtime;
    options.curve_secret_key = read_key_file(secret_file, key_kind::secret_key);
    std::string summary =
        "CURVE on: broker public key " + public_key_of(options.curve_secret_key) + ", ";
    if (allow_path.empty())
        return summary + "any client key accepted";
    options.allowed.emplace();
    options.allowed->load(allow_path);
    return summary + std::to_string(options.allowed->size()) + " client key(s) allowed";
}

} // namespace

int main(int argc, char** argv) {
    cxxopts::Options cli("zchat-broker", "The zchat chat broker: a ROUTER for what clients send, "
                                         "a PUB socket that fans events out.");
    zchat::broker::server_options options;
    std::uint32_t heartbeat_ms = 0;
    double stats_seconds = 0;
    std::string curve_secret_file;
    std::string allow_path;
    cli.add_options()(
        "router", "endpoint to bind for client commands",
        cxxopts::value(options.router_endpoint)->default_value(options.router_endpoint))(
        "pub", "endpoint to bind for published events",
        cxxopts::value(options.pub_endpoint)->default_value(options.pub_endpoint))(
        "max-clients", "most clients joined or joining at once",
        cxxopts::value(options.core.max_clients)->default_value("10000"))(
        "heartbeat-ms", "interval of broker heartbeats and of client heartbeats, in ms",
        cxxopts::value(heartbeat_ms)
            ->default_value(std::to_string(options.core.heartbeat_interval.count())))(
        "liveness", "heartbeat intervals of silence after which a client is expired",
        cxxopts::value(options.core.liveness)
            ->default_value(std::to_string(options.core.liveness)))(
        "stats-interval",
        "seconds between published STATS events (counters for taps); fractions allowed",
        cxxopts::value(stats_seconds)->default_value("5"))(
        "rate",
        "messages per second each client may send on average; 0 lifts the limit (for "
        "benchmarks and trusted bots)",
        cxxopts::value(options.core.rate_per_second)->default_value("20"))(
        "burst", "messages each client may send in a burst above the rate",
        cxxopts::value(options.core.rate_burst)->default_value("40"))(
        "max-errors",
        "refused messages (malformed, invalid, out of turn) after which a joined client is "
        "disconnected, counted from its first refusal for 10 s at a time; 0 lifts the limit",
        cxxopts::value(options.core.max_errors)->default_value("100"))(
        "max-name-chars", "longest name, in characters (code points)",
        cxxopts::value(options.core.max_name_chars)->default_value("32"))(
        "max-text-bytes", "longest chat line, in bytes of UTF-8",
        cxxopts::value(options.core.max_text_bytes)->default_value("4096"))(
        "max-frame-bytes",
        "largest frame accepted; a bigger one drops the sender's connection unread",
        cxxopts::value(options.max_frame_bytes)->default_value("65536"))(
        "curve-secret", "the broker's CURVE secret key file: encrypt and authenticate everything",
        cxxopts::value(curve_secret_file))(
        "allow", "with --curve-secret: admit only the client keys listed in this file or directory",
        cxxopts::value(allow_path))("h,help", "print this help and exit")(
        "version", "print the version and exit");
    cli.custom_help(
        "[--router EP] [--pub EP] [--max-clients N] [--heartbeat-ms MS] [--liveness N]\n"
        "  [--stats-interval S] [--rate N] [--burst N] [--max-errors N] [--max-name-chars N]\n"
        "  [--max-text-bytes N] [--max-frame-bytes N] [--curve-secret FILE [--allow PATH]]");

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
        if (heartbeat_ms < 1 || heartbeat_ms > max_heartbeat_ms)
            throw cxxopts::exceptions::exception("--heartbeat-ms must be from 1 to " +
                                                 std::to_string(max_heartbeat_ms));
        if (options.core.liveness < 1 || options.core.liveness > max_liveness)
            throw cxxopts::exceptions::exception("--liveness must be from 1 to " +
                                                 std::to_string(max_liveness));
        if (!(stats_seconds >= min_stats_seconds && stats_seconds <= max_stats_seconds))
            throw cxxopts::exceptions::exception("--stats-interval must be from 0.01 to 86400");
        if (options.core.rate_per_second > 0 && options.core.rate_burst < 1)
            throw cxxopts::exceptions::exception("--burst must be at least 1");
        if (options.core.max_errors > max_errors_limit)
            throw cxxopts::exceptions::exception("--max-errors must be from 0 to " +
                                                 std::to_string(max_errors_limit));
        // A name of N code points takes up to 4N bytes, and the name field holds 256.
        if (options.core.max_name_chars < 1 ||
            options.core.max_name_chars > zchat::proto::max_name_bytes / 4)
            throw cxxopts::exceptions::exception("--max-name-chars must be from 1 to " +
                                                 std::to_string(zchat::proto::max_name_bytes / 4));
        if (options.core.max_text_bytes < 1 ||
            options.core.max_text_bytes > zchat::proto::max_text_bytes)
            throw cxxopts::exceptions::exception("--max-text-bytes must be from 1 to " +
                                                 std::to_string(zchat::proto::max_text_bytes));
        // A line the broker accepts must fit in a frame it accepts, or it would be dropped
        // unanswered instead of refused.
        if (options.max_frame_bytes < static_cast<std::int64_t>(options.core.max_text_bytes) ||
            options.max_frame_bytes > max_frame_bytes_limit)
            throw cxxopts::exceptions::exception(
                "--max-frame-bytes must be from --max-text-bytes (" +
                std::to_string(options.core.max_text_bytes) + ") to " +
                std::to_string(max_frame_bytes_limit));
        if (!allow_path.empty() && curve_secret_file.empty())
            throw cxxopts::exceptions::exception("--allow needs --curve-secret");
        options.core.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
        options.core.stats_interval = std::chrono::milliseconds(std::lround(stats_seconds * 1000));
    } catch (const cxxopts::exceptions::exception& e) {
        std::cerr << "zchat-broker: " << e.what() << " (try --help)\n";
        return exit_usage;
    }

    std::string curve_summary;
    try {
        if (!curve_secret_file.empty())
            curve_summary = load_curve(curve_secret_file, allow_path, options);
    } catch (const std::exception& e) {
        // The command line names a file we cannot use: fixed by changing the command. A broker
        // must never start open because its allowlist could not be read.
        std::cerr << "zchat-broker: " << e.what() << '\n';
        return exit_usage;
    }

    const int stop_fd = zchat::runtime::stop_signal_descriptor();
    try {
        zmq::context_t ctx;
        zchat::broker::server server(ctx, options);
        std::cout << zchat::runtime::started_line("Chat broker",
                                                  {server.router_endpoint(), server.pub_endpoint()})
                  << std::endl;
        if (!curve_summary.empty())
            std::cout << curve_summary << std::endl;
        if (options.core.rate_per_second == 0)
            std::cout << "Rate limit lifted (--rate 0): clients may send as fast as they can"
                      << std::endl;
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
