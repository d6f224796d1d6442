#include "tools/common/curve_client.hpp"

#include "tools/common/curve_keys.hpp"

#include <zmq_addon.hpp>

#include <atomic>
#include <cstring>
#include <vector>

namespace zchat::tools {
namespace {

constexpr int watched_events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

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
        return {"the CURVE handshake failed (is --curve-server-key the broker's public key?)",
                true};
    default:
        return {"the security handshake keeps failing (with CURVE: is --curve-server-key the "
                "broker's public key?)",
                false};
    }
}

} // namespace

curve_client_keys load_client_keys(const std::string& server_key_file,
                                   const std::string& secret_key_file) {
    curve_client_keys keys;
    keys.server_key = read_key_file(server_key_file, key_kind::public_key);
    if (secret_key_file.empty()) {
        auto pair = generate_key_pair();
        keys.public_key = std::move(pair.public_key);
        keys.secret_key = std::move(pair.secret_key);
    } else {
        keys.secret_key = read_key_file(secret_key_file, key_kind::secret_key);
        keys.public_key = public_key_of(keys.secret_key);
    }
    return keys;
}

void use_curve(zmq::socket_t& socket, const curve_client_keys& keys) {
    socket.set(zmq::sockopt::curve_serverkey, keys.server_key);
    socket.set(zmq::sockopt::curve_publickey, keys.public_key);
    socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
}

handshake_watch::handshake_watch(zmq::context_t& ctx, zmq::socket_t& watched)
    : watched_(watched), events_(ctx, zmq::socket_type::pair) {
    // One inproc name per watch: a program may watch several sockets, one after another.
    static std::atomic<unsigned> next_id{0};
    const std::string endpoint = "inproc://zchat-handshake-watch-" + std::to_string(next_id++);
    if (zmq_socket_monitor(watched_.handle(), endpoint.c_str(), watched_events) != 0)
        throw zmq::error_t();
    events_.set(zmq::sockopt::linger, 0);
    events_.connect(endpoint);
}

handshake_watch::~handshake_watch() {
    zmq_socket_monitor(watched_.handle(), nullptr, 0);
}

std::optional<handshake_failure> handshake_watch::failure() {
    std::optional<handshake_failure> worst;
    std::vector<zmq::message_t> parts;
    while (zmq::recv_multipart(events_, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
        // Frame 1: the event (16 bits) and its value (32 bits), in the host's byte order.
        if ((!worst || !worst->final) && !parts.empty() && parts[0].size() >= 6) {
            std::uint16_t event = 0;
            std::uint32_t value = 0;
            std::memcpy(&event, parts[0].data(), sizeof event);
            std::memcpy(&value, parts[0].data<char>() + sizeof event, sizeof value);
            worst = describe(event, value);
        }
        parts.clear();
    }
    return worst;
}

} // namespace zchat::tools
