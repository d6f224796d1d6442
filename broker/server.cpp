#include "broker/server.hpp"

#include "broker/batching.hpp"
#include "broker/peer_key.hpp"
#include "proto/envelope.hpp"
#include "proto/runtime/random.hpp"

#include <malloc.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <vector>

namespace zchat::broker {
namespace {

// At most this many inbound messages are handled before the outbox is flushed and timers run,
// so a busy ROUTER cannot starve probes and shutdown.
constexpr int max_messages_per_wakeup = 256;
// How long the PUB endpoint may take to become free again after an unbind, and how often to
// try it meanwhile.
constexpr std::chrono::milliseconds rebind_patience{5000};
constexpr std::chrono::milliseconds rebind_retry{5};
// Time given to the shutdown event to leave the PUB socket on close.
constexpr int pub_linger_ms = 1000;
// Longest a peer may take over the ZMTP handshake (CURVE included) before it is dropped.
constexpr std::chrono::milliseconds handshake_timeout{5000};
// ZMTP heartbeats go out on each connection every this many broker heartbeat intervals, and a
// connection that has sent nothing for at least this many intervals after one is closed.
constexpr std::uint32_t zmtp_heartbeat_factor = 60;
constexpr std::uint32_t zmtp_min_timeout_factor = 5;

// Sends `frames` as one message, after `envelope` (a ROUTER's routing id, and the identities of
// the relays after it), if any. `parts` is scratch space, reused so that sending allocates
// nothing once it has grown.
void send_frames(zmq::socket_t& socket, std::vector<zmq::const_buffer>& parts,
                 std::span<const std::string_view> envelope, const proto::frame_list& frames) {
    parts.clear();
    for (const std::string_view hop : envelope)
        parts.push_back(zmq::buffer(hop));
    for (const std::string& frame : frames)
        parts.push_back(zmq::buffer(frame));
    zmq::send_multipart(socket, parts);
}

// What both sockets do about connections that go bad below the protocol: a peer stalled in the
// ZMTP handshake is dropped after a few seconds instead of libzmq's 30, and a connection whose
// other end vanished without a FIN or RST (a pulled cable) is torn down by ZMTP heartbeats
// instead of holding its buffers and descriptor for ever after its session expired.
//
// Both numbers are set by what the heartbeats cost libzmq (4.3.4), where this is quadratic:
// each ZMTP PING arms a timeout timer, the first message received afterwards cancels it, and
// cancelling searches the I/O thread's timers in expiry order, one heartbeat timer per
// connection, up to it. Sparse heartbeats mean fewer searches; a timeout shorter than the
// heartbeat interval puts the timer early, so at the defaults each search passes a twelfth of
// the connections instead of all of them. At 4,000 idle clients the old setting (every 10
// intervals, timeout 30) spent half the broker's CPU in that search.
//
// The peer's libzmq answers a PING itself, whatever its application is doing, but a stalled
// link delays the answer: the timeout is never shorter than the session's own expiry, so a
// link that stalls and recovers before the session would expire keeps its connection.
void guard_connections(zmq::socket_t& socket, const config& cfg) {
    // libzmq takes int milliseconds; long intervals times large factors would not fit.
    const auto ms = [](std::chrono::milliseconds d) {
        return static_cast<int>(std::min<std::int64_t>(d.count(), INT_MAX));
    };
    socket.set(zmq::sockopt::handshake_ivl, ms(handshake_timeout));
    socket.set(zmq::sockopt::heartbeat_ivl, ms(cfg.heartbeat_interval * zmtp_heartbeat_factor));
    const std::uint32_t timeout_factor = std::max(zmtp_min_timeout_factor, cfg.liveness + 1);
    socket.set(zmq::sockopt::heartbeat_timeout, ms(cfg.heartbeat_interval * timeout_factor));
}

config with_bound_names(config cfg, const std::optional<runtime::allowlist>& allowed) {
    if (allowed)
        cfg.bound_names = allowed->bound_names();
    return cfg;
}

// What the allowlist says now of the key `key` (Z85): the name it is bound to, or that it is no
// longer listed.
credential credential_of(std::string_view key, const runtime::allowlist& allowed) {
    credential who;
    who.key = key;
    if (const runtime::allowlist::entry* listed = allowed.find(key))
        who.bound_name = listed->folded;
    else
        who.revoked = true;
    return who;
}

// The User-Id libzmq attached to each message of a connection once the ZAP handler accepted its
// key: the key.
std::string_view user_id_of(zmq::message_t& message) {
    const char* user_id = zmq_msg_gets(message.handle(), "User-Id");
    return user_id ? std::string_view{user_id} : std::string_view{};
}

} // namespace

proto::session_secret random_secret() {
    proto::session_secret secret{};
    runtime::fill_random(secret.data(), secret.size());
    return secret;
}

server::server(zmq::context_t& ctx, const server_options& options)
    : allowed_(options.allowed), router_(ctx, zmq::socket_type::router),
      pub_(ctx, zmq::socket_type::pub), options_(options),
      core_(with_bound_names(options.core, options.allowed), runtime::random_epoch(),
            random_secret) {
    if (allowed_)
        zap_.emplace(ctx);
    if (!options.curve_secret_key.empty()) {
        runtime::serve_curve(router_, options.curve_secret_key);
        runtime::serve_curve(pub_, options.curve_secret_key);
    }
    guard_connections(router_, options.core);
    guard_connections(pub_, options.core);
    router_.set(zmq::sockopt::linger, 0);
    router_.set(zmq::sockopt::maxmsgsize, options.max_frame_bytes);
    pub_.set(zmq::sockopt::linger, pub_linger_ms);
    // Messages are queued for each subscriber up to as many as the lag the core tolerates in one
    // room (a batch counts as one, hence batches are small: batching.hpp); past it the PUB
    // socket drops for that subscriber only and never blocks the broker.
    pub_.set(zmq::sockopt::sndhwm, static_cast<int>(options.core.max_lag));
    router_endpoint_ = runtime::bind_endpoint(router_, "router", options.router_endpoint);
    pub_endpoint_ = runtime::bind_endpoint(pub_, "pub", options.pub_endpoint);
}

void server::reconfigure(const server_options& next, log_sink& log) {
    std::vector<std::string> restart;
    const auto fixed = [&](bool changed, const char* name) {
        if (changed)
            restart.push_back(name);
    };
    const config& now = options_.core;
    fixed(next.router_endpoint != options_.router_endpoint, "router");
    fixed(next.pub_endpoint != options_.pub_endpoint, "pub");
    fixed(next.max_frame_bytes != options_.max_frame_bytes, "max-frame-bytes");
    fixed(next.curve_secret_key != options_.curve_secret_key, "curve-secret");
    fixed(next.allowed.has_value() != allowed_.has_value(), "allow (on or off)");
    fixed(next.core.heartbeat_interval != now.heartbeat_interval, "heartbeat-ms");
    fixed(next.core.liveness != now.liveness, "liveness");
    fixed(next.core.max_name_chars != now.max_name_chars, "max-name-chars");
    fixed(next.core.max_text_bytes != now.max_text_bytes, "max-text-bytes");
    fixed(next.log_file != options_.log_file, "log");

    std::vector<std::string> changed;
    std::unordered_set<std::string> removed;
    if (allowed_ && next.allowed) {
        removed = allowed_->keys_missing_from(*next.allowed);
        changed.push_back("allowlist " + std::to_string(allowed_->size()) + " -> " +
                          std::to_string(next.allowed->size()) + " key(s)");
        allowed_ = next.allowed;
    }
    for (std::string& c : core_.reconfigure(with_bound_names(next.core, allowed_)))
        changed.push_back(std::move(c));
    if (allowed_) {
        // Sessions whose key was removed, or may no longer use the session's name, end now.
        // Their DEALER connections stay open (libzmq cannot close one peer's), but nothing a
        // removed key sends is heard again (credential_of).
        core_.end_sessions_not_allowed(
            [this](std::string_view key) -> std::optional<std::string_view> {
                if (const runtime::allowlist::entry* listed = allowed_->find(key))
                    return listed->folded;
                return std::nullopt;
            },
            out_);
    }
    if (!removed.empty()) {
        // Their subscribers would go on reading, so every subscriber connects again and passes
        // the ZAP handler again, which refuses the removed keys. The LEAVEs go out first.
        flush(log);
        reconnect_subscribers();
        changed.push_back("subscribers reconnected");
    }
    // What was applied is now how the broker runs; what needs a restart stays as started.
    options_.core.rate_per_second = next.core.rate_per_second;
    options_.core.rate_burst = next.core.rate_burst;
    options_.core.max_clients = next.core.max_clients;
    options_.core.max_errors = next.core.max_errors;
    options_.core.stats_interval = next.core.stats_interval;
    options_.core.logging = next.core.logging;

    const auto listed = [](const std::vector<std::string>& items) {
        std::string text;
        for (std::size_t i = 0; i < items.size(); ++i)
            text += (i ? "; " : "") + items[i];
        return text;
    };
    // Told at the more verbose of the old and the new level, so that a reload that changes the
    // level is logged whichever way it goes.
    log.set_level(std::max(log.level(), next.core.logging));
    log.write(log_level::info,
              "reload" + field("changed", changed.empty() ? "nothing" : listed(changed)));
    if (!restart.empty())
        log.write(log_level::warn,
                  "reload-needs-restart" + field("left-as-it-was", listed(restart)));
    log.set_level(next.core.logging);
}

void server::run(const run_control& control, log_sink& log, const reread_options& reread) {
    using clock = std::chrono::steady_clock;
    // Without an allowlist there are no relays' keys: without CURVE any connection may relay;
    // with CURVE alone, none.
    const proto::carrier no_allowlist_carrier =
        options_.curve_secret_key.empty() ? proto::carrier::anyone : proto::carrier::client;
    std::vector<zmq::message_t> parts;
    std::vector<std::string_view> frames;
    // Without an allowlist there is no ZAP socket, and its item, last, is left out of the poll;
    // poll ignores the items of descriptors that are -1.
    std::array<zmq::pollitem_t, 5> items{{
        {router_.handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, control.stop_fd, ZMQ_POLLIN, 0},
        {nullptr, control.reload_fd, ZMQ_POLLIN, 0},
        {nullptr, control.reopen_fd, ZMQ_POLLIN, 0},
        {zap_ ? zap_->socket().handle() : nullptr, 0, ZMQ_POLLIN, 0},
    }};
    // One read takes a signalfd's siginfo or an eventfd's count alike.
    const auto signalled = [](int fd) {
        std::array<char, 128> signal_info{};
        return read(fd, signal_info.data(), signal_info.size()) > 0;
    };
    const bool keepalive = control.keepalive && control.keepalive_interval.count() > 0;
    auto next_keepalive = clock::now();

    // The core asks to run again within an interval (a heartbeat is due every interval), so
    // waking more than an interval past what it asked for means the process was not running
    // (SIGSTOP, a suspended VM) or was starved: the core must not judge clients by a silence it
    // caused itself. The first interval of lateness still counts, so a loop that is merely slow
    // goes on expiring clients that left.
    const auto pause_limit = core_.heartbeat_interval();
    bool ticked = false; // before the first tick, the deadline is "at once"
    for (;;) {
        if (keepalive && clock::now() >= next_keepalive) {
            control.keepalive();
            next_keepalive = clock::now() + control.keepalive_interval;
        }
        const auto deadline = core_.next_deadline();
        const auto wake = keepalive ? std::min(deadline, next_keepalive) : deadline;
        auto timeout = std::chrono::milliseconds(-1);
        if (wake != time_point::max()) {
            const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - clock::now());
            timeout = std::max(wait, std::chrono::milliseconds(0));
        }
        zmq::poll(items.data(), zap_ ? items.size() : items.size() - 1, timeout);
        // One reading of the clock per wakeup, for the check below and for everything the core
        // is handed: a stop between two readings would be seen by the core (and its clients
        // expired) but not by the check, and the next wakeup would not be late.
        const time_point now = clock::now();
        if (ticked && deadline != time_point::max()) {
            const auto late = now - deadline;
            if (late > pause_limit)
                core_.excuse_pause(late - pause_limit, out_);
        }
        if (items[1].revents & ZMQ_POLLIN)
            break;
        if ((items[2].revents & ZMQ_POLLIN) && signalled(control.reload_fd) && reread) {
            if (const std::optional<server_options> next = reread(log))
                reconfigure(*next, log);
        }
        if ((items[3].revents & ZMQ_POLLIN) && signalled(control.reopen_fd) &&
            log.writes_to_file()) {
            if (const auto failed = log.reopen())
                log.write(log_level::error, "log-reopen-failed" + field("reason", *failed));
            else
                log.write(log_level::info, "log-reopened");
        }
        if (items[4].revents & ZMQ_POLLIN) {
            for (int handled = 0; handled < max_messages_per_wakeup; ++handled)
                if (!answer_zap_request(log))
                    break;
        }

        for (int handled = 0; handled < max_messages_per_wakeup; ++handled) {
            parts.clear();
            if (!zmq::recv_multipart(router_, std::back_inserter(parts), zmq::recv_flags::dontwait))
                break;
            frames.clear();
            for (const zmq::message_t& part : parts)
                frames.push_back(part.to_string_view());
            // Through relays, the identities before the body are the path back, and under CURVE
            // the relay's key vouches for its client's key (PROTOCOL.md, section 2a).
            const std::string_view connection_key =
                allowed_ && parts.size() > 1 ? user_id_of(parts[1]) : std::string_view{};
            const runtime::allowlist::entry* listed =
                allowed_ ? allowed_->find(connection_key) : nullptr;
            const proto::envelope_split split =
                proto::split_envelope(frames, !allowed_                 ? no_allowlist_carrier
                                              : listed && listed->relay ? proto::carrier::relay
                                                                        : proto::carrier::client);
            const std::string_view peer =
                peer_key(std::span{frames}.first(split.identities), peer_scratch_);
            credential who;
            if (allowed_) {
                who = credential_of(split.client_key.empty() ? connection_key : split.client_key,
                                    *allowed_);
                // A key no longer listed: the sender's own, or the relay's that carries it.
                const bool relayed = split.identities > 1;
                who.revoked = who.revoked || (!listed && !relayed);
                who.relay_revoked = !listed && relayed;
                if (relayed)
                    who.relay_key = connection_key;
            }
            who.refusal = split.refusal;
            core_.handle(peer, std::span{frames}.subspan(split.body), now, out_, who);
        }
        core_.tick(now, out_);
        ticked = true;
        if (const auto held = refusals_logged_.held_back(clock::now()))
            log.write(log_level::warn,
                      "handshakes-refused-unlogged" + field("count", *held) +
                          field("seconds", static_cast<std::uint64_t>(
                                               std::chrono::duration_cast<std::chrono::seconds>(
                                                   refusals_logged_.window())
                                                   .count())));
        flush(log);
        if (bursts_.burst_ended(clock::now()))
            return_free_memory();
    }
    core_.shut_down(out_);
    flush(log);
    if (refused_ > 0)
        log.write(log_level::info, "handshakes-refused" + field("count", refused_));
}

bool server::answer_zap_request(log_sink& log) {
    const std::optional<runtime::zap_answer> answered = zap_->answer_one(*allowed_);
    if (!answered)
        return false;
    const runtime::zap_answer& answer = *answered;
    if (answer.allowed)
        return true;
    ++refused_;
    if (refusals_logged_.occurred(std::chrono::steady_clock::now()))
        log.write(log_level::warn,
                  "handshake-refused" + field("address", answer.address) +
                      field("reason", answer.reason) +
                      (answer.domain.empty() ? "" : field("domain", answer.domain)) +
                      (answer.key.empty() ? "" : field("key", answer.key)));
    return true;
}

void server::reconnect_subscribers() {
    // Unbinding closes the connections the endpoint accepted, each after the PUB's linger has
    // let out what was queued for it; the subscribers reconnect within their reconnect interval
    // and, their sequence numbers tell them, notice what they missed meanwhile.
    pub_.unbind(pub_endpoint_);
    // libzmq closes the listening socket in its I/O thread: the port is free a moment later.
    const auto give_up = std::chrono::steady_clock::now() + rebind_patience;
    for (;;) {
        const int rc = zmq_bind(pub_.handle(), pub_endpoint_.c_str());
        if (rc == 0)
            return;
        const int code = zmq_errno();
        if (code != EADDRINUSE || std::chrono::steady_clock::now() >= give_up)
            throw bind_error("cannot bind pub endpoint '" + pub_endpoint_ +
                                 "' again: " + zmq_strerror(code),
                             code);
        std::this_thread::sleep_for(rebind_retry);
    }
}

void server::return_free_memory() {
    // While a burst fans out, libzmq grows every subscriber's queue in 16 KiB chunks and frees
    // them as the queue drains; glibc keeps the freed pages, scattered between live ones, and
    // RSS goes on counting them (a join storm of 1,000 clients left about 75 KiB per client
    // behind). Not during a burst: trimming walks the whole heap, taking milliseconds at
    // thousands of clients, and the pages it returned would be faulted in again at once.
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

void server::flush(log_sink& log) {
    fold_acks(out_.replies);
    batch_publications(out_.publications);
    bursts_.sent(out_.replies.size() + out_.publications.size());
    for (const auto& r : out_.replies) {
        // ROUTER drops replies to peers that are gone; that is the behaviour we want.
        send_frames(router_, parts_, hops_of(r.peer).view(), r.frames);
    }
    for (const auto& frames : out_.publications)
        send_frames(pub_, parts_, {}, frames);
    log.write(out_.log);
    out_.clear();
}

} // namespace zchat::broker
