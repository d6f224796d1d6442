#include "proto/runtime/connection_watch.hpp"

#include <zmq_addon.hpp>

#include <atomic>
#include <cstring>
#include <vector>

namespace zchat::runtime {
namespace {

constexpr int watched_events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED;

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
    connection_news news;
    std::vector<zmq::message_t> parts;
    while (zmq::recv_multipart(events_, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
        // Frame 1: the event (16 bits) and its value (32 bits), in the host's byte order.
        if (!parts.empty() && parts[0].size() >= 6) {
            std::uint16_t event = 0;
            std::uint32_t value = 0;
            std::memcpy(&event, parts[0].data(), sizeof event);
            std::memcpy(&value, parts[0].data<char>() + sizeof event, sizeof value);
            if (event == ZMQ_EVENT_DISCONNECTED)
                news.dropped = true;
            else if (!news.failure || !news.failure->final)
                news.failure = describe(event, value);
        }
        parts.clear();
    }
    return news;
}

} // namespace zchat::runtime
