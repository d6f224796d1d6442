#include "proto/runtime/connection_watch.hpp"

#include <zmq_addon.hpp>

#include <atomic>
#include <cstring>
#include <utility>
#include <vector>

namespace zchat::runtime {
namespace {

constexpr int watched_events =
    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED;

// A plain handshake has nothing to fail on but the broker closing it, and a broker that closes
// every one expects CURVE. It cannot always say so: when it reads our greeting before it has
// sent the rest of its own, it closes the connection before we learn its mechanism (libzmq
// 4.3.4 under load), and we see the handshake break off without a reason. One such break may
// be a broker stopping; this many in a row are not.
constexpr int plain_breaks_before_mismatch = 3;

handshake_failure describe(std::uint16_t event, std::uint32_t value) {
    switch (event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        // The ZAP status code: 400 is a refusal, 300 and 500 are the handler's trouble.
        if (value == 400)
            return {"the broker refused our key (it is not on the broker's allowlist)", true};
        return {"the broker could not check our key (ZAP status " + std::to_string(value) + ")",
                true};
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
            return {"the broker and we disagree on encryption: one side uses CURVE, the other "
                    "not (check --curve-server-key)",
                    true};
        if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
            return {"the CURVE handshake failed (is --curve-server-key the broker's public key?)",
                    true};
        return {"the handshake with the broker failed (ZMTP protocol error " +
                    std::to_string(value) + "): is it a zchat broker?",
                true};
    default:
        return {"the security handshake keeps failing (with CURVE: is --curve-server-key the "
                "broker's public key?)",
                false};
    }
}

} // namespace

void connection_reader::note(std::uint16_t event, std::uint32_t value, bool plain) {
    switch (event) {
    case ZMQ_EVENT_DISCONNECTED:
        news_.dropped = true;
        return;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        broken_handshakes_ = 0;
        return;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        if (plain && ++broken_handshakes_ >= plain_breaks_before_mismatch) {
            record(describe(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                            ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH));
            return;
        }
        break;
    default:
        break;
    }
    record(describe(event, value));
}

void connection_reader::record(handshake_failure failure) {
    if (!news_.failure || !news_.failure->final)
        news_.failure = std::move(failure);
}

connection_news connection_reader::take() {
    return std::exchange(news_, {});
}

connection_watch::connection_watch(zmq::context_t& ctx, zmq::socket_t& watched)
    : watched_(watched), events_(ctx, zmq::socket_type::pair) {
    // One inproc name per watch: a program may watch several sockets, one after another.
    static std::atomic<unsigned> next_id{0};
    const std::string endpoint = "inproc://zchat-connection-watch-" + std::to_string(next_id++);
    if (zmq_socket_monitor(watched_.handle(), endpoint.c_str(), watched_events) != 0)
        throw zmq::error_t();
    events_.set(zmq::sockopt::linger, 0);
    events_.connect(endpoint);
}

connection_watch::~connection_watch() {
    zmq_socket_monitor(watched_.handle(), nullptr, 0);
}

connection_news connection_watch::read() {
    // Read here, not when the watch began: a program may turn CURVE on after making the watch.
    const bool plain = watched_.get(zmq::sockopt::mechanism) == ZMQ_NULL;
    std::vector<zmq::message_t> parts;
    while (zmq::recv_multipart(events_, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
        // Frame 1: the event (16 bits) and its value (32 bits), in the host's byte order.
        if (!parts.empty() && parts[0].size() >= 6) {
            std::uint16_t event = 0;
            std::uint32_t value = 0;
            std::memcpy(&event, parts[0].data(), sizeof event);
            std::memcpy(&value, parts[0].data<char>() + sizeof event, sizeof value);
            reader_.note(event, value, plain);
        }
        parts.clear();
    }
    return reader_.take();
}

} // namespace zchat::runtime
