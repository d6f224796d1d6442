// The broker's socket shell: binds the ROUTER and the PUB socket, feeds every inbound message to
// the core, and sends what the core puts in its outbox. One thread (the one calling run) owns
// both sockets; nothing here decides anything about the protocol.
#pragma once

#include "broker/burst_watch.hpp"
#include "broker/core.hpp"
#include "broker/log_sink.hpp"
#include "proto/defaults.hpp"
#include "proto/runtime/bind.hpp"
#include "proto/runtime/zap_handler.hpp"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>

namespace zchat::broker {

using runtime::bind_error;

struct server_options {
    std::string router_endpoint{proto::default_router_endpoint};
    std::string pub_endpoint{proto::default_pub_endpoint};
    config core;
    // Largest frame the ROUTER accepts (ZMQ_MAXMSGSIZE): libzmq drops a connection that
    // announces a bigger one before it is read into memory. A command is one frame, so at least
    // a SAY of core.max_text_bytes and the longest other command, a PING naming the most rooms
    // (options.cpp checks).
    std::int64_t max_frame_bytes = 64 * 1024;
    // The broker's CURVE secret key (Z85). Set, both sockets speak CURVE only.
    std::string curve_secret_key;
    // Set (with a secret key), only clients whose public key is listed may connect, to either
    // socket, and a name bound to a key is that key's alone.
    std::optional<runtime::allowlist> allowed;
    // Where main sends the log (empty: standard error); the server only reports a change.
    std::string log_file;
};

// What run() watches besides its sockets: descriptors that become readable on a signal (a
// signalfd, or an eventfd in tests; -1 leaves one out), and a keepalive to call regularly.
struct run_control {
    int stop_fd = -1;   // shut down
    int reload_fd = -1; // read the configuration again (SIGHUP)
    int reopen_fd = -1; // reopen the log file (SIGUSR1)
    // Called at least this often while the loop runs (systemd's WATCHDOG=1); zero: never.
    std::chrono::nanoseconds keepalive_interval{0};
    std::function<void()> keepalive;
};

class server {
public:
    // Binds both endpoints, and with an allowlist the context's ZAP handler first. Throws
    // bind_error if an endpoint is invalid or cannot be bound (the ZAP endpoint included: one
    // context has one ZAP handler).
    server(zmq::context_t& ctx, const server_options& options);

    // The endpoints actually bound, with any wildcard port resolved.
    const std::string& router_endpoint() const { return router_endpoint_; }
    const std::string& pub_endpoint() const { return pub_endpoint_; }

    // Asked for the configuration to apply now (on SIGHUP); nothing if it cannot be had, in
    // which case it has logged why and nothing changes.
    using reread_options = std::function<std::optional<server_options>(log_sink& log)>;

    // Serves until control.stop_fd becomes readable, writing the broker's log to `log`, then
    // publishes the shutdown event. Whenever reload_fd becomes readable, it is read and
    // `reread` is asked for a configuration to apply (see reconfigure); whenever reopen_fd
    // does, the log file is reopened. Call from one thread only. Throws zmq::error_t on socket
    // failure.
    void run(const run_control& control, log_sink& log, const reread_options& reread = {});

    // Applies what may change while running (the core's live settings, the log level, and the
    // allowlist if the broker started with one: new keys are admitted at once), and logs what
    // changed and what only a restart would change (endpoints, keys, liveness, limits announced
    // in WELCOME, the log file).
    void reconfigure(const server_options& next, log_sink& log);

private:
    void flush(log_sink& log);
    // Answers one waiting ZAP request; false if none was waiting.
    bool answer_zap_request(log_sink& log);
    // Closes every subscriber's connection, to be made again through the ZAP handler. Throws
    // bind_error if the PUB endpoint cannot be bound again within a few seconds.
    void reconnect_subscribers();
    // Hands the memory a burst of sends left free back to the operating system.
    void return_free_memory();

    // Declared first so that it is bound before the sockets it vets, and closed after them.
    std::optional<runtime::zap_handler> zap_;
    std::optional<runtime::allowlist> allowed_;
    zmq::socket_t router_;
    zmq::socket_t pub_;
    std::string router_endpoint_;
    std::string pub_endpoint_;
    server_options options_; // as started, with what reloads changed
    core core_;
    outbox out_;
    std::vector<zmq::const_buffer> parts_; // the frames of the message being sent
    std::string peer_scratch_;             // the key of a peer behind relays (peer_key.hpp)
    // One refused handshake is logged per window and the rest counted, so that a peer retrying
    // cannot flood the log.
    flood_summary refusals_logged_{std::chrono::seconds(10)};
    std::uint64_t refused_ = 0;
    // Messages sent (replies and publications), checked once a second: 32 a second or more
    // (about what pushes one 256-message chunk through every subscriber's queue) is a burst.
    burst_watch bursts_{32, std::chrono::seconds(1), std::chrono::steady_clock::now()};
};

// A session secret from the operating system's cryptographic random source.
proto::session_secret random_secret();

} // namespace zchat::broker
