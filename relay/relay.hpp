// zchat-relay's sockets and threads: an XSUB connected to the broker's PUB and an XPUB bound for
// subscribers, joined by libzmq's own proxy (zmq_proxy_steerable) in a thread of their own, so
// events and subscriptions pass unchanged; and a ROUTER bound for clients' commands with a DEALER
// connected to the broker's ROUTER, joined by a small loop of the relay's own (forwarding.hpp)
// in the calling thread. Chained relays are relays whose upstream is another relay.
#pragma once

#include "proto/defaults.hpp"
#include "proto/runtime/connection_watch.hpp"
#include "proto/runtime/zap_handler.hpp"
#include "relay/forwarding.hpp"

#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace zchat::relay {

struct relay_options {
    // The broker's (or upper relay's) ROUTER, to connect to, and its PUB.
    std::string upstream_router{proto::default_router_endpoint};
    std::string upstream_sub{proto::default_pub_endpoint};
    std::string bind_router;     // for clients' commands
    std::string bind_pub;        // for clients' subscribers
    int max_frame_bytes = 65536; // a bigger frame from below drops its connection unread
    // How often the relay publishes its counters below it (RELAY, topic sys/relay/).
    std::chrono::milliseconds stats_interval{5000};
    // CURVE, all or nothing: the relay's own key pair (Z85), as a server below and as a client
    // above; the public key of what it connects to; the keys it admits below, each client's
    // sent up with its commands (PROTOCOL.md, section 2a).
    std::string curve_secret_key;
    std::string curve_public_key;
    std::string upstream_server_key;
    std::optional<runtime::allowlist> allowed;
};

// An upstream endpoint libzmq cannot connect to as written: a usage error.
struct malformed_endpoint : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

class relay {
public:
    // Connects upstream and binds below; the events start to flow at once. Throws
    // runtime::bind_error for an endpoint that cannot be bound, malformed_endpoint for one that
    // cannot be connected to.
    relay(zmq::context_t& ctx, const relay_options& options);
    ~relay();
    relay(const relay&) = delete;
    relay& operator=(const relay&) = delete;

    // The endpoints bound, wildcard ports resolved.
    const std::string& router_endpoint() const { return router_endpoint_; }
    const std::string& pub_endpoint() const { return pub_endpoint_; }

    // What run() tells and asks its caller.
    struct hooks {
        // A line for the operator: why a handshake upstream fails (once for each reason, since
        // the relay's clients would only see silence), what a reload did.
        std::function<void(const std::string&)> say;
        // On SIGHUP: the options read again, or nothing if they cannot be used (reread says why).
        std::function<std::optional<relay_options>()> reread;
    };

    // Carries commands and replies until `stop_fd` becomes readable, then stops the events too.
    // Publishes its counters every stats interval meanwhile, and connects again upstream 2 s
    // after a refused handshake (libzmq gives such a connection up). When `reload_fd` becomes
    // readable, takes what may change while it runs from reread (reload()).
    void run(int stop_fd, int reload_fd, const hooks& with);

    // Takes the allowlist and the stats interval of `next`; the rest takes a restart. Each key
    // no longer listed is refused from now on, and every subscriber reconnects (through the ZAP
    // handler, which refuses the removed keys). Returns what changed, worded for the operator.
    std::string reload(const relay_options& next);

    const counters& totals() const { return forwarding_.totals(); }
    // Handshakes the ZAP handler refused (keys not on the allowlist, peers without CURVE).
    std::uint64_t handshakes_refused() const { return handshakes_refused_; }

private:
    // The proxy runs in a thread of its own, which owns the XSUB and the XPUB while it runs.
    void start_events();
    void stop_events();
    // Closes every subscriber's connection (they reconnect by themselves) by binding the XPUB's
    // endpoint anew, the proxy stopped meanwhile; why it could not bind it again, if so (then
    // run() tries again every stats interval).
    std::optional<std::string> reconnect_subscribers();
    std::optional<std::string> bind_pub_again();
    // Connects the DEALER and/or the XSUB upstream again (libzmq gives up a refused one).
    void reconnect_upstream(bool dealer, bool sub);
    // The retry: what to tell the operator once the endpoint is bound again.
    std::optional<std::string> retry_pub_binding();
    // The proxy's counts since it last started: subscriptions up, events down.
    std::pair<std::uint64_t, std::uint64_t> proxy_counts();
    // What the key of the connection `message` came on may send (PROTOCOL.md, section 2a), and
    // the key; nothing if the key is no longer listed.
    std::optional<proto::carrier> carrier_of(zmq::message_t& message, std::string_view& key) const;
    // The RELAY event: the loop's counters, the proxy's and the connections below now.
    proto::relay_stats stats_now();

    relay_options options_;
    std::optional<runtime::zap_handler> zap_; // with CURVE
    std::uint64_t handshakes_refused_ = 0;
    std::uint64_t epoch_;
    std::chrono::steady_clock::time_point started_;
    zmq::socket_t down_router_;
    zmq::socket_t up_dealer_;
    zmq::socket_t up_sub_;        // the proxy's, while it runs
    zmq::socket_t down_pub_;      // the proxy's, while it runs
    zmq::socket_t proxy_control_; // the proxy's end of the steering socket
    zmq::socket_t control_;       // the proxy's steering socket, our end
    zmq::socket_t stats_pub_;     // where RELAY events enter the stream below (the XSUB reads it)
    zmq::socket_t router_log_;    // connections to the ROUTER (a socket monitor's events)
    zmq::socket_t pub_log_;       // connections to the XPUB
    zmq::socket_t sub_log_;       // the XSUB's refused handshakes upstream
    runtime::connection_watch upstream_; // the DEALER's handshakes with what is above
    connection_count clients_;
    connection_count subscribers_;
    std::string router_endpoint_;
    std::string pub_endpoint_;
    forwarding forwarding_;
    // The proxy's counts from its runs before this one (it starts again at each reconnection).
    std::uint64_t subscriptions_up_before_ = 0;
    std::uint64_t events_down_before_ = 0;
    bool rebind_pending_ = false; // the XPUB's endpoint could not be bound again yet
    std::thread events_;
};

} // namespace zchat::relay
