#include "relay/relay.hpp"

#include "proto/runtime/bind.hpp"

#include <zmq_addon.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <iterator>
#include <vector>

namespace zchat::relay {
namespace {

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

std::string next_control_endpoint() {
    static std::atomic<int> counter{0};
    return "inproc://zchat-relay-control-" + std::to_string(++counter);
}

void guard_connections(zmq::socket_t& socket) {
    socket.set(zmq::sockopt::handshake_ivl, handshake_ms);
    socket.set(zmq::sockopt::heartbeat_ivl, heartbeat_ms);
    socket.set(zmq::sockopt::heartbeat_timeout, heartbeat_timeout_ms);
}

} // namespace

relay::relay(zmq::context_t& ctx, const relay_options& options)
    : down_router_(ctx, zmq::socket_type::router), up_dealer_(ctx, zmq::socket_type::dealer),
      control_(ctx, zmq::socket_type::pair) {
    zmq::socket_t up_sub(ctx, zmq::socket_type::xsub);
    zmq::socket_t down_pub(ctx, zmq::socket_type::xpub);
    zmq::socket_t proxy_control(ctx, zmq::socket_type::pair);
    for (zmq::socket_t* s :
         {&down_router_, &up_dealer_, &control_, &up_sub, &down_pub, &proxy_control})
        s->set(zmq::sockopt::linger, 0);
    down_router_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options.max_frame_bytes));
    down_router_.set(zmq::sockopt::sndhwm, command_queue);
    down_router_.set(zmq::sockopt::rcvhwm, command_queue);
    up_dealer_.set(zmq::sockopt::sndhwm, command_queue);
    up_dealer_.set(zmq::sockopt::rcvhwm, command_queue);
    up_sub.set(zmq::sockopt::rcvhwm, event_queue);
    down_pub.set(zmq::sockopt::sndhwm, event_queue);
    guard_connections(down_router_);
    guard_connections(down_pub);

    const std::string control = next_control_endpoint();
    control_.bind(control);
    proxy_control.connect(control);
    up_dealer_.connect(options.upstream_router);
    up_sub.connect(options.upstream_sub);
    router_endpoint_ = runtime::bind_endpoint(down_router_, "router", options.bind_router);
    pub_endpoint_ = runtime::bind_endpoint(down_pub, "pub", options.bind_pub);

    // The proxy thread owns these three sockets from here on.
    events_ = std::thread([up = std::move(up_sub), down = std::move(down_pub),
                           steer = std::move(proxy_control)]() mutable {
        zmq_proxy_steerable(up.handle(), down.handle(), nullptr, steer.handle());
    });
}

relay::~relay() {
    stop_events();
}

void relay::stop_events() {
    if (!events_.joinable())
        return;
    control_.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
    events_.join();
}

void relay::run(int stop_fd) {
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
    for (;;) {
        std::array<zmq::pollitem_t, 3> items{{
            {down_router_.handle(), 0, ZMQ_POLLIN, 0},
            {up_dealer_.handle(), 0, ZMQ_POLLIN, 0},
            {nullptr, stop_fd, ZMQ_POLLIN, 0},
        }};
        zmq::poll(items.data(), items.size(), std::chrono::milliseconds(-1));
        if (items[2].revents & ZMQ_POLLIN)
            break;
        for (int i = 0; i < max_batch && read(down_router_); ++i) {
            switch (forwarding_.from_below(frames, std::chrono::steady_clock::now())) {
            case verdict::forward:
                pass(up_dealer_, direction::up);
                break;
            case verdict::answer: {
                std::vector<zmq::const_buffer> answer{zmq::buffer(frames.front())};
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
            if (forwarding_.from_above(frames) == verdict::forward)
                pass(down_router_, direction::down);
    }
    stop_events();
}

} // namespace zchat::relay
