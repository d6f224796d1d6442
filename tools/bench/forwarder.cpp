#include "tools/bench/forwarder.hpp"

#include "proto/codec.hpp"
#include "proto/defaults.hpp"
#include "proto/message.hpp"
#include "proto/runtime/started_line.hpp"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <array>
#include <iostream>
#include <vector>

namespace zchat::bench {
namespace {

constexpr int pub_sndhwm = 10000;
constexpr int max_messages_per_wakeup = 256;
// zchat-broker's default heartbeat interval: the forwarder publishes a HEARTBEAT as often.
constexpr auto heartbeat_interval = zchat::proto::default_heartbeat_interval;
constexpr auto heartbeat_ms = static_cast<std::uint32_t>(heartbeat_interval.count());

const std::string& signature_frame() {
    static const std::string frame =
        std::string{proto::signature} + static_cast<char>(proto::protocol_version);
    return frame;
}

const std::string zero64(8, '\0');

// Sends the frames, after the peer's routing id when `to` is given (a reply through the ROUTER).
void send_frames(zmq::socket_t& socket, const proto::frame_list& frames,
                 const zmq::message_t* to = nullptr) {
    std::vector<zmq::const_buffer> parts;
    parts.reserve(frames.size() + 1);
    if (to)
        parts.push_back(zmq::buffer(to->data(), to->size()));
    for (const auto& f : frames)
        parts.push_back(zmq::buffer(f));
    zmq::send_multipart(socket, parts);
}

} // namespace

void run_forwarder(const std::string& router_endpoint, const std::string& pub_endpoint,
                   int stop_fd) {
    zmq::context_t ctx(1);
    zmq::socket_t router(ctx, zmq::socket_type::router);
    zmq::socket_t pub(ctx, zmq::socket_type::pub);
    router.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::sndhwm, pub_sndhwm);
    router.bind(router_endpoint);
    pub.bind(pub_endpoint);
    std::cout << runtime::started_line("Forwarder", {router.get(zmq::sockopt::last_endpoint),
                                                     pub.get(zmq::sockopt::last_endpoint)})
              << std::endl;

    const std::string chat_topic = "chat/lobby/";
    std::vector<zmq::message_t> parts;
    std::array<zmq::pollitem_t, 2> items{{
        {router.handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, stop_fd, ZMQ_POLLIN, 0},
    }};
    const auto heartbeat = proto::encode(proto::event{proto::heartbeat{0, 0, 0, 0, heartbeat_ms}});
    auto next_heartbeat = std::chrono::steady_clock::now();
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_heartbeat) {
            send_frames(pub, heartbeat);
            next_heartbeat = now + heartbeat_interval;
        }
        zmq::poll(items.data(), items.size(),
                  std::chrono::ceil<std::chrono::milliseconds>(next_heartbeat - now));
        if (items[1].revents & ZMQ_POLLIN)
            return;
        for (int handled = 0; handled < max_messages_per_wakeup; ++handled) {
            parts.clear();
            if (!zmq::recv_multipart(router, std::back_inserter(parts), zmq::recv_flags::dontwait))
                break;
            // routing id, signature, word, fields...
            if (parts.size() == 6 && parts[2].to_string_view() == "SAY") {
                // routing id, signature, SAY, secret, message id, text
                const std::array<zmq::const_buffer, 5> ack{
                    zmq::buffer(parts[0].data(), parts[0].size()),
                    zmq::buffer(signature_frame()),
                    zmq::str_buffer("ACK"),
                    zmq::buffer(parts[4].data(), parts[4].size()),
                    zmq::buffer(zero64),
                };
                zmq::send_multipart(router, ack);
                // The message id and the text move on without a copy.
                std::array<zmq::message_t, 9> line{
                    zmq::message_t(chat_topic),
                    zmq::message_t(signature_frame()),
                    zmq::message_t(std::string_view{"LINE"}),
                    zmq::message_t(zero64), // epoch
                    zmq::message_t(zero64), // seq
                    zmq::message_t(),       // sender
                    zmq::message_t(zero64), // session id
                    std::move(parts[4]),
                    std::move(parts[5]),
                };
                zmq::send_multipart(pub, line);
            } else if (parts.size() == 5 && parts[2].to_string_view() == "HELLO") {
                // zchat answers a HELLO with a WELCOME, and so does the forwarder, with zeros
                // where zchat has a session.
                proto::welcome w;
                w.name = parts[3].to_string();
                w.heartbeat_ms = heartbeat_ms;
                send_frames(router, proto::encode(proto::reply{w}), &parts[0]);
                const std::string topic = "probe/" + parts[3].to_string() + "/";
                send_frames(pub, {topic, signature_frame(), "PROBE", zero64, zero64, zero64});
            } else if (parts.size() == 5 && parts[2].to_string_view() == "READY") {
                // zchat announces every join to everyone; the forwarder, which knows no names
                // here, announces an empty one.
                send_frames(pub, proto::encode(proto::event{proto::joined{}}));
            }
        }
    }
}

} // namespace zchat::bench
