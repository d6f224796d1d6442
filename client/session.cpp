#include "client/session.hpp"

#include <zmq_addon.hpp>

#include <algorithm>
#include <array>
#include <vector>

namespace zchat::client {
namespace {

// Long enough for BYE to leave the DEALER when the broker is there, short enough not to hang
// when it is not.
constexpr int dealer_linger_ms = 2000;
// Messages read from one socket per turn of the loop, as in the broker.
constexpr int max_messages_per_wakeup = 256;

} // namespace

session::session(zmq::context_t& ctx, session_options options, std::string pipe_endpoint)
    : ctx_(ctx), options_(std::move(options)), pipe_endpoint_(std::move(pipe_endpoint)),
      core_(options_, options_.curve.has_value()) {}

void session::run() {
    pipe_ = zmq::socket_t(ctx_, zmq::socket_type::pair);
    pipe_.connect(pipe_endpoint_);
    int code = runtime::exit_failure;
    try {
        code = serve();
    } catch (const zmq::error_t& e) {
        printed_.push_back({style::error, std::string{"! Connection error: "} + e.what()});
    }
    flush_printed();
    // Only a joined session has a BYE worth waiting for; anything else must not hold the exit
    // up for the linger period.
    if (dealer_ && !core_.chat().joined())
        dealer_.set(zmq::sockopt::linger, 0);
    watch_.reset();
    dealer_.close();
    sub_.close();
    pipe::send(pipe_, pipe_message::done(code));
    pipe_.close();
}

int session::serve() {
    try {
        core_.start(clock::now(), todo_);
        apply();
    } catch (const zmq::error_t& e) {
        printed_.push_back({style::error, "! Invalid endpoint (" + options_.router_endpoint + ", " +
                                              options_.sub_endpoint + "): " + e.what()});
        return runtime::exit_usage;
    }
    while (result_ < 0) {
        std::array<zmq::pollitem_t, 4> items{{
            {dealer_.handle(), 0, ZMQ_POLLIN, 0},
            {sub_.handle(), 0, ZMQ_POLLIN, 0},
            {pipe_.handle(), 0, ZMQ_POLLIN, 0},
            {watch_->events().handle(), 0, ZMQ_POLLIN, 0},
        }};
        const auto now = clock::now();
        const auto wait =
            std::chrono::ceil<std::chrono::milliseconds>(core_.next_deadline(now) - now);
        zmq::poll(items.data(), items.size(), std::max(wait, std::chrono::milliseconds(0)));

        drain(dealer_, [this](const auto& frames) {
            auto decoded = proto::decode_reply(frames);
            if (auto* r = std::get_if<proto::reply>(&decoded))
                core_.on_reply(*r, clock::now(), todo_);
            else
                core_.on_unreadable("reply", std::get<proto::decode_error>(decoded), clock::now(),
                                    todo_);
        });
        drain(sub_, [this](const auto& frames) {
            auto decoded = proto::decode_events(frames);
            if (auto* events = std::get_if<std::vector<proto::event>>(&decoded))
                for (const proto::event& e : *events)
                    core_.on_event(e, clock::now(), todo_);
            else
                core_.on_unreadable("event", std::get<proto::decode_error>(decoded), clock::now(),
                                    todo_);
        });
        if (items[3].revents & ZMQ_POLLIN) {
            const runtime::connection_news news = watch_->read();
            if (news.failure)
                core_.on_handshake_failure(news.failure->reason, news.failure->final, todo_);
            if (news.dropped)
                core_.on_connection_dropped(clock::now());
            apply();
        }
        while (result_ < 0) {
            auto m = pipe::receive(pipe_);
            if (!m)
                break;
            core_.on_typed(std::move(*m), clock::now(), todo_);
            apply();
        }
        if (result_ < 0) {
            core_.tick(clock::now(), todo_);
            apply();
        }
        flush_printed();
    }
    return result_;
}

template <class Handle>
void session::drain(zmq::socket_t& socket, Handle handle) {
    std::vector<zmq::message_t> parts;
    std::vector<std::string_view> frames;
    // Bounded, so that a steady stream of events cannot hold up heartbeats, typed lines and
    // printing: what is left is still readable at the next poll, which returns at once.
    for (int handled = 0; handled < max_messages_per_wakeup && result_ < 0; ++handled) {
        parts.clear();
        if (!zmq::recv_multipart(socket, std::back_inserter(parts), zmq::recv_flags::dontwait))
            return;
        frames.assign(parts.size(), {});
        std::transform(parts.begin(), parts.end(), frames.begin(),
                       [](const zmq::message_t& m) { return m.to_string_view(); });
        handle(frames);
        apply();
    }
}

void session::apply() {
    if (todo_.open_sockets)
        open_sockets();
    // In order: the broker-wide and the rooms' topics go before a probe's, so once a probe
    // arrives every other subscription is in force (a SUB sends its subscriptions in the order
    // made).
    for (const std::string& topic : todo_.subscribe)
        sub_.set(zmq::sockopt::subscribe, topic);
    for (const std::string& topic : todo_.unsubscribe)
        sub_.set(zmq::sockopt::unsubscribe, topic);
    for (const proto::command& c : todo_.commands)
        send_command(c);
    std::move(todo_.lines.begin(), todo_.lines.end(), std::back_inserter(printed_));
    if (todo_.exit_code)
        result_ = *todo_.exit_code;
    todo_ = {};
}

void session::open_sockets() {
    // An abandoned DEALER must not deliver its queued HELLO later: a broker coming back would
    // take it for a second client and refuse our real rejoin as "name in use".
    if (dealer_)
        dealer_.set(zmq::sockopt::linger, 0);
    watch_.reset();
    dealer_ = zmq::socket_t(ctx_, zmq::socket_type::dealer);
    sub_ = zmq::socket_t(ctx_, zmq::socket_type::sub);
    watch_.emplace(ctx_, dealer_);
    if (options_.curve) {
        runtime::use_curve(dealer_, *options_.curve);
        runtime::use_curve(sub_, *options_.curve);
    }
    dealer_.set(zmq::sockopt::linger, dealer_linger_ms);
    sub_.set(zmq::sockopt::linger, 0);
    dealer_.connect(options_.router_endpoint);
    sub_.connect(options_.sub_endpoint);
}

void session::send_command(const proto::command& c) {
    const proto::frame_list frames = proto::encode(c);
    std::vector<zmq::const_buffer> parts;
    parts.reserve(frames.size());
    for (const auto& f : frames)
        parts.push_back(zmq::buffer(f));
    zmq::send_multipart(dealer_, parts);
}

void session::flush_printed() {
    // The status first: the lines that tell of the change are then shown with the prompt
    // that goes with it.
    if (const std::string_view status = core_.chat().status(); status != told_status_) {
        told_status_ = status;
        pipe::send(pipe_, pipe_message::status(told_status_));
    }
    for (const std::uint32_t typed_id : core_.take_settled())
        pipe::send(pipe_, pipe_message::settled(typed_id));
    for (const auto& line : printed_)
        pipe::send(pipe_, pipe_message::print(line));
    printed_.clear();
}

} // namespace zchat::client
