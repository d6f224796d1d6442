#include "relay/relay.hpp"

#include "proto/codec.hpp"
#include "proto/runtime/bind.hpp"
#include "proto/runtime/curve_client.hpp"
#include "proto/runtime/random.hpp"

#include <zmq_addon.hpp>

#include <array>
#include <atomic>
#include <cstring>
#include <iterator>
#include <utility>
#include <vector>

namespace zchat::relay {
namespace {

// How long the XPUB's endpoint may stay taken after it is unbound (its listening socket closes
// in libzmq's I/O thread), and how often to try again meanwhile.
constexpr std::chrono::milliseconds rebind_patience{1000};
// How long after a refused handshake upstream the relay connects again.
constexpr std::chrono::milliseconds upstream_retry{2000};
constexpr std::chrono::milliseconds rebind_retry{5};

// Events queued per subscriber below, and from the broker above, before libzmq drops them: as
// many as the broker queues for each of its subscribers, so that a relay in between loses no
// more than a direct connection would. What is dropped shows as a gap, which clients fill.
constexpr int event_queue = 10000;
// Commands and replies queued each way before the loop drops them (counted).
constexpr int command_queue = 10000;
// Messages handled from one socket before looking at the others and at the stop descriptor.
constexpr int max_batch = 256;
// As the broker's sockets: a peer stalled in its handshake, or gone without a word (a pulled
// cable), is dropped instead of holding buffers and a descriptor for ever.
constexpr int handshake_ms = 5000;
constexpr int heartbeat_ms = 10000;
constexpr int heartbeat_timeout_ms = 30000;
// The proxy answers STATISTICS between two messages; it is never busy for long.
constexpr int statistics_wait_ms = 1000;

// A name for one of this process's inproc endpoints, unique among its relays.
std::string inproc_endpoint(const char* what) {
    static std::atomic<int> counter{0};
    return std::string{"inproc://zchat-relay-"} + what + "-" + std::to_string(++counter);
}

void guard_connections(zmq::socket_t& socket) {
    socket.set(zmq::sockopt::handshake_ivl, handshake_ms);
    socket.set(zmq::sockopt::heartbeat_ivl, heartbeat_ms);
    socket.set(zmq::sockopt::heartbeat_timeout, heartbeat_timeout_ms);
}

// A PAIR that receives the connection events of `watched` (by default accepted and
// disconnected).
zmq::socket_t connection_log(zmq::context_t& ctx, zmq::socket_t& watched, const char* what,
                             int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) {
    const std::string endpoint = inproc_endpoint(what);
    if (zmq_socket_monitor(watched.handle(), endpoint.c_str(), events) != 0)
        throw zmq::error_t();
    zmq::socket_t log(ctx, zmq::socket_type::pair);
    log.set(zmq::sockopt::linger, 0);
    log.connect(endpoint);
    return log;
}

// Whether a handshake failure that libzmq does not retry (the peer refused our key, or the
// handshake broke its protocol: the session ends for good) waits on a monitor's PAIR.
bool final_handshake_failure(zmq::socket_t& log) {
    bool failed = false;
    std::vector<zmq::message_t> parts;
    while (zmq::recv_multipart(log, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
        std::uint16_t event = 0;
        if (!parts.empty() && parts[0].size() >= sizeof event)
            std::memcpy(&event, parts[0].data(), sizeof event);
        failed = failed || event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
                 event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
        parts.clear();
    }
    return failed;
}

// Notes every event waiting on a monitor's PAIR.
void read_connection_log(zmq::socket_t& log, connection_count& count) {
    std::vector<zmq::message_t> parts;
    while (zmq::recv_multipart(log, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
        if (!parts.empty() && parts[0].size() >= sizeof(std::uint16_t)) {
            std::uint16_t event = 0;
            std::memcpy(&event, parts[0].data(), sizeof event);
            count.note(event);
        }
        parts.clear();
    }
}

} // namespace

relay::relay(zmq::context_t& ctx, const relay_options& options)
    : options_(options), epoch_(runtime::random_epoch()),
      started_(std::chrono::steady_clock::now()), down_router_(ctx, zmq::socket_type::router),
      up_dealer_(ctx, zmq::socket_type::dealer), up_sub_(ctx, zmq::socket_type::xsub),
      down_pub_(ctx, zmq::socket_type::xpub), proxy_control_(ctx, zmq::socket_type::pair),
      control_(ctx, zmq::socket_type::pair), stats_pub_(ctx, zmq::socket_type::pub),
      upstream_(ctx, up_dealer_) {
    zmq::socket_t& up_sub = up_sub_;
    zmq::socket_t& down_pub = down_pub_;
    for (zmq::socket_t* s :
         {&down_router_, &up_dealer_, &control_, &stats_pub_, &up_sub, &down_pub, &proxy_control_})
        s->set(zmq::sockopt::linger, 0);
    control_.set(zmq::sockopt::rcvtimeo, statistics_wait_ms);
    down_router_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options.max_frame_bytes));
    down_router_.set(zmq::sockopt::sndhwm, command_queue);
    down_router_.set(zmq::sockopt::rcvhwm, command_queue);
    up_dealer_.set(zmq::sockopt::sndhwm, command_queue);
    up_dealer_.set(zmq::sockopt::rcvhwm, command_queue);
    up_sub.set(zmq::sockopt::rcvhwm, event_queue);
    down_pub.set(zmq::sockopt::sndhwm, event_queue);
    guard_connections(down_router_);
    guard_connections(down_pub);
    if (options.allowed) {
        // The relay answers its own connections' handshakes, from the same allowlist as the
        // broker's; above, it is a CURVE client with its own key, which the broker's allowlist
        // lists as a relay's.
        zap_.emplace(ctx);
        runtime::serve_curve(down_router_, options.curve_secret_key);
        runtime::serve_curve(down_pub, options.curve_secret_key);
        const runtime::curve_client_keys keys{options.upstream_server_key, options.curve_public_key,
                                              options.curve_secret_key};
        runtime::use_curve(up_dealer_, keys);
        runtime::use_curve(up_sub, keys);
    }
    router_log_ = connection_log(ctx, down_router_, "router-log");
    pub_log_ = connection_log(ctx, down_pub, "pub-log");
    // The XSUB belongs to the proxy's thread, so its handshakes are read from a monitor of its
    // own rather than through a connection_watch, which asks the socket itself.
    sub_log_ =
        connection_log(ctx, up_sub, "sub-log",
                       ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);

    const std::string control = inproc_endpoint("control");
    control_.bind(control);
    proxy_control_.connect(control);
    // The XSUB reads the broker above and the relay's own counters: a subscription from below
    // reaches both, so RELAY events flow only while someone below wants them.
    const std::string own_events = inproc_endpoint("stats");
    stats_pub_.bind(own_events);
    up_sub.connect(own_events);
    for (auto [socket, endpoint] : {std::pair{&up_dealer_, &options.upstream_router},
                                    std::pair{&up_sub, &options.upstream_sub}}) {
        try {
            socket->connect(*endpoint);
        } catch (const zmq::error_t& e) {
            throw malformed_endpoint("malformed upstream endpoint '" + *endpoint +
                                     "': " + e.what());
        }
    }
    router_endpoint_ = runtime::bind_endpoint(down_router_, "router", options.bind_router);
    pub_endpoint_ = runtime::bind_endpoint(down_pub, "pub", options.bind_pub);

    start_events();
}

relay::~relay() {
    stop_events();
}

void relay::start_events() {
    // The thread owns the three sockets until stop_events() has joined it: ZeroMQ lets a socket
    // move between threads with a full memory barrier, which starting and joining a thread are.
    events_ = std::thread([this] {
        zmq_proxy_steerable(up_sub_.handle(), down_pub_.handle(), nullptr, proxy_control_.handle());
    });
}

void relay::stop_events() {
    if (!events_.joinable())
        return;
    control_.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
    events_.join();
}

std::optional<std::string> relay::reconnect_subscribers() {
    const auto [subscriptions, events] = proxy_counts();
    subscriptions_up_before_ += subscriptions;
    events_down_before_ += events;
    stop_events();
    // Unbinding closes the connections the endpoint accepted (without a disconnection event for
    // each: they are counted afresh as they come back); libzmq closes the listening socket in
    // its I/O thread, so the port is free a moment later.
    zmq_unbind(down_pub_.handle(), pub_endpoint_.c_str());
    read_connection_log(pub_log_, subscribers_);
    subscribers_.reset();
    std::optional<std::string> failed;
    const auto give_up = std::chrono::steady_clock::now() + rebind_patience;
    while ((failed = bind_pub_again()) && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(rebind_retry);
    rebind_pending_ = failed.has_value();
    start_events();
    return failed;
}

void relay::reconnect_upstream(bool dealer, bool sub) {
    if (dealer) {
        // The DEALER's routing id at the broker changes: sessions through it resume as a
        // relay's restart lets them.
        zmq_disconnect(up_dealer_.handle(), options_.upstream_router.c_str());
        zmq_connect(up_dealer_.handle(), options_.upstream_router.c_str());
    }
    if (sub) {
        const auto [subscriptions, events] = proxy_counts();
        subscriptions_up_before_ += subscriptions;
        events_down_before_ += events;
        stop_events();
        // A new connection is sent every subscription the XSUB holds.
        zmq_disconnect(up_sub_.handle(), options_.upstream_sub.c_str());
        zmq_connect(up_sub_.handle(), options_.upstream_sub.c_str());
        start_events();
    }
}

std::optional<std::string> relay::bind_pub_again() {
    if (zmq_bind(down_pub_.handle(), pub_endpoint_.c_str()) == 0)
        return std::nullopt;
    return "cannot bind pub endpoint '" + pub_endpoint_ + "' again: " + zmq_strerror(zmq_errno());
}

std::optional<std::string> relay::retry_pub_binding() {
    stop_events();
    const std::optional<std::string> failed = bind_pub_again();
    rebind_pending_ = failed.has_value();
    start_events();
    if (failed)
        return std::nullopt;
    return "pub endpoint " + pub_endpoint_ + " bound again: subscribers reconnect";
}

std::string relay::reload(const relay_options& next) {
    std::vector<std::string> restart;
    const auto fixed = [&](bool changed, const char* what) {
        if (changed)
            restart.push_back(what);
    };
    fixed(next.upstream_router != options_.upstream_router, "router");
    fixed(next.upstream_sub != options_.upstream_sub, "sub");
    fixed(next.bind_router != options_.bind_router, "bind-router");
    fixed(next.bind_pub != options_.bind_pub, "bind-pub");
    fixed(next.max_frame_bytes != options_.max_frame_bytes, "max-frame-bytes");
    fixed(next.curve_secret_key != options_.curve_secret_key, "curve-secret");
    fixed(next.upstream_server_key != options_.upstream_server_key, "curve-server-key");
    fixed(next.allowed.has_value() != options_.allowed.has_value(), "allow (on or off)");

    std::string changed;
    if (next.stats_interval != options_.stats_interval) {
        options_.stats_interval = next.stats_interval;
        changed = "stats-interval";
    }
    if (options_.allowed && next.allowed && *options_.allowed != *next.allowed) {
        const bool removed = !options_.allowed->keys_missing_from(*next.allowed).empty();
        changed += (changed.empty() ? "" : "; ") + std::string{"allowlist "} +
                   std::to_string(options_.allowed->size()) + " -> " +
                   std::to_string(next.allowed->size()) + " key(s)";
        options_.allowed = next.allowed;
        if (removed) {
            if (const auto failed = reconnect_subscribers())
                changed += "; " + *failed +
                           ": subscribers cannot reconnect until it is free "
                           "(tried again every stats interval)";
            else
                changed += "; subscribers reconnected";
        }
    }
    std::string said = "reloaded: " + (changed.empty() ? std::string{"nothing changed"} : changed);
    if (!restart.empty()) {
        said += "; these take a restart, kept as started:";
        for (const std::string& what : restart)
            said += " " + what;
    }
    return said;
}

proto::relay_stats relay::stats_now() {
    read_connection_log(router_log_, clients_);
    read_connection_log(pub_log_, subscribers_);
    proto::relay_stats s;
    s.epoch = epoch_;
    s.relay = router_endpoint_;
    s.uptime_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::steady_clock::now() - started_)
                                                 .count());
    s.clients = clients_.now();
    s.subscribers = subscribers_.now();
    s.sessions = forwarding_.sessions(std::chrono::steady_clock::now());
    const counters& c = forwarding_.totals();
    s.commands_up = c.commands_up;
    s.replies_down = c.replies_down;
    s.answered_here = c.answered_here;
    s.dropped = c.dropped;
    const auto [subscriptions, events] = proxy_counts();
    s.subscriptions_up = subscriptions_up_before_ + subscriptions;
    s.events_down = events_down_before_ + events;
    return s;
}

std::pair<std::uint64_t, std::uint64_t> relay::proxy_counts() {
    // The proxy's own counts, in its order: messages and bytes received and sent by the XSUB
    // (frontend), then by the XPUB (backend), each a native u64. A late answer to an earlier
    // request is dropped first, so that this one reads its own.
    std::vector<zmq::message_t> parts;
    while (zmq::recv_multipart(control_, std::back_inserter(parts), zmq::recv_flags::dontwait))
        parts.clear();
    control_.send(zmq::str_buffer("STATISTICS"), zmq::send_flags::none);
    if (!zmq::recv_multipart(control_, std::back_inserter(parts)) || parts.size() != 8)
        return {0, 0};
    const auto count = [&](std::size_t i) {
        std::uint64_t n = 0;
        if (parts[i].size() == sizeof n)
            std::memcpy(&n, parts[i].data(), sizeof n);
        return n;
    };
    return {count(2), count(6)}; // sent out the XSUB, sent out the XPUB
}

std::optional<proto::carrier> relay::carrier_of(zmq::message_t& message,
                                                std::string_view& key) const {
    if (!options_.allowed)
        return proto::carrier::anyone;
    const char* user_id = zmq_msg_gets(message.handle(), "User-Id");
    key = user_id ? std::string_view{user_id} : std::string_view{};
    const runtime::allowlist::entry* listed = options_.allowed->find(key);
    if (!listed)
        return std::nullopt;
    return listed->relay ? proto::carrier::relay : proto::carrier::client;
}

void relay::run(int stop_fd, int reload_fd, const hooks& with) {
    std::set<std::string> warned;
    // When to connect again the upstream sockets whose handshake was refused (never: max), and
    // which.
    constexpr auto never = std::chrono::steady_clock::time_point::max();
    auto reconnect_at = never;
    bool dealer_refused = false;
    bool sub_refused = false;
    std::vector<zmq::message_t> parts;
    std::vector<std::string_view> frames;
    const auto read = [&](zmq::socket_t& from) {
        parts.clear();
        if (!zmq::recv_multipart(from, std::back_inserter(parts), zmq::recv_flags::dontwait))
            return false;
        frames.clear();
        for (const zmq::message_t& part : parts)
            frames.push_back(part.to_string_view());
        return true;
    };
    // Sends what was read on, or counts it dropped when the queue that way is full.
    const auto pass = [&](zmq::socket_t& to, direction way) {
        forwarding_.carried(way,
                            zmq::send_multipart(to, parts, zmq::send_flags::dontwait).has_value());
    };
    using clock = std::chrono::steady_clock;
    auto next_stats = clock::now() + options_.stats_interval;
    for (;;) {
        // Without CURVE there is no ZAP handler, and its item, last, is left out of the poll.
        std::array<zmq::pollitem_t, 7> items{{
            {down_router_.handle(), 0, ZMQ_POLLIN, 0},
            {up_dealer_.handle(), 0, ZMQ_POLLIN, 0},
            {nullptr, stop_fd, ZMQ_POLLIN, 0},
            {upstream_.events().handle(), 0, ZMQ_POLLIN, 0},
            {nullptr, reload_fd, ZMQ_POLLIN, 0},
            {sub_log_.handle(), 0, ZMQ_POLLIN, 0},
            {zap_ ? zap_->socket().handle() : nullptr, 0, ZMQ_POLLIN, 0},
        }};
        const auto next_wake = std::min(next_stats, reconnect_at);
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_wake - clock::now());
        zmq::poll(items.data(), zap_ ? items.size() : items.size() - 1,
                  std::max(wait, std::chrono::milliseconds(0)));
        if (items[2].revents & ZMQ_POLLIN)
            break;
        if (items[3].revents & ZMQ_POLLIN) {
            const runtime::connection_news news = upstream_.read();
            if (news.failure && warned.insert(news.failure->reason).second)
                with.say("cannot connect upstream to " + options_.upstream_router + ": " +
                         news.failure->reason);
            // libzmq gives up a connection whose handshake was refused: try again later, as
            // the key may be listed by then.
            if (news.failure && news.failure->final) {
                dealer_refused = true;
                reconnect_at = std::min(reconnect_at, clock::now() + upstream_retry);
            }
        }
        if ((items[5].revents & ZMQ_POLLIN) && final_handshake_failure(sub_log_)) {
            if (warned.insert("events").second)
                with.say("cannot subscribe upstream to " + options_.upstream_sub +
                         ": the handshake was refused (is this relay's key listed as "
                         "'relay KEY'?); trying again every " +
                         std::to_string(upstream_retry.count() / 1000) + " s");
            sub_refused = true;
            reconnect_at = std::min(reconnect_at, clock::now() + upstream_retry);
        }
        if (reconnect_at != never && clock::now() >= reconnect_at) {
            reconnect_upstream(dealer_refused, sub_refused);
            dealer_refused = sub_refused = false;
            reconnect_at = never;
        }
        if (items[4].revents & ZMQ_POLLIN) {
            // One read takes a signalfd's siginfo.
            std::array<char, 128> signal_info{};
            if (::read(reload_fd, signal_info.data(), signal_info.size()) > 0) {
                if (const std::optional<relay_options> next = with.reread()) {
                    with.say(reload(*next));
                    next_stats = std::min(next_stats, clock::now() + options_.stats_interval);
                }
            }
        }
        for (int i = 0; i < max_batch && zap_ && (items[6].revents & ZMQ_POLLIN); ++i) {
            const auto answered = zap_->answer_one(*options_.allowed);
            if (!answered)
                break;
            if (!answered->allowed)
                ++handshakes_refused_;
        }
        for (int i = 0; i < max_batch && read(down_router_); ++i) {
            std::string_view key;
            // Under CURVE every message has a key; a message of one frame, whose key there is no
            // frame to read from, is no relay's.
            std::optional<proto::carrier> from = proto::carrier::anyone;
            if (parts.size() > 1)
                from = carrier_of(parts[1], key);
            else if (options_.allowed)
                from = proto::carrier::client;
            const verdict v = from ? forwarding_.from_below(frames, clock::now(), *from)
                                   : forwarding_.from_unlisted_key(frames, clock::now());
            switch (v) {
            case verdict::forward:
                pass(up_dealer_, direction::up);
                break;
            case verdict::forward_with_key: {
                // The key goes up between the sender's identity and its command.
                zmq::message_t with_key(key.data(), key.size());
                parts.insert(parts.begin() + 1, std::move(with_key));
                pass(up_dealer_, direction::up);
                break;
            }
            case verdict::answer: {
                std::vector<zmq::const_buffer> answer;
                for (const std::string_view hop :
                     std::span{frames}.first(forwarding_.answer_path()))
                    answer.push_back(zmq::buffer(hop));
                for (const std::string& f : forwarding_.answer_to_sender())
                    answer.push_back(zmq::buffer(f));
                zmq::send_multipart(down_router_, answer, zmq::send_flags::dontwait);
                break;
            }
            case verdict::drop:
                break;
            }
        }
        for (int i = 0; i < max_batch && read(up_dealer_); ++i)
            if (forwarding_.from_above(frames, clock::now()) == verdict::forward)
                pass(down_router_, direction::down);
        if (clock::now() >= next_stats) {
            next_stats = clock::now() + options_.stats_interval;
            if (rebind_pending_)
                if (const std::optional<std::string> bound = retry_pub_binding())
                    with.say(*bound);
            const proto::frame_list event = proto::encode(proto::event{stats_now()});
            std::vector<zmq::const_buffer> message;
            for (const std::string& frame : event)
                message.push_back(zmq::buffer(frame));
            zmq::send_multipart(stats_pub_, message, zmq::send_flags::dontwait);
        }
    }
    stop_events();
}

} // namespace zchat::relay
